// The DLQ scan over a scripted dead-letter queue and clock: what a run keeps (counters, not the
// events' text), when it may call itself complete, and the time it leaves to give messages back.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { DeadLetter, DeadLetters } from "../../runtime/dead-letters";
import { scanDeadLetters, summarize } from "../../runtime/dlq-scan";
import type { EventIndex } from "../../runtime/event-index";
import { encodeMessageBody } from "../../runtime/queue-message";

const SECRET = "the-event-text-itself-7c1e";

function letter(n: number): DeadLetter {
  const event = JSON.stringify({ specversion: "1.0", type: n % 2 ? "t.odd" : "t.even", source: "/s", id: String(n), data: { note: SECRET } });
  return { messageId: `m${n}`, receiptHandle: `rh${n}`, body: encodeMessageBody({ id: `evt_${n}`, key: `k${n}`, payloadHash: "00", receivedAt: "2026-01-01T00:00:00.000Z", requestId: "r", event }) };
}

const noRecords: EventIndex = { page: async () => ({ keys: [], more: false }), getMany: async () => [] };

/** A DLQ that answers `script` (one entry per receive; then empty), with a clock moved by each call. */
function scriptedDlq(script: DeadLetter[][], visible: number, clock: { now: number }, receiveMs = 100) {
  const calls = { receives: [] as number[], released: [] as string[] };
  const dlq: DeadLetters = {
    depth: async () => ({ visible, inFlight: 0 }),
    receive: async (_visibility: number, waitSeconds?: number) => {
      calls.receives.push(waitSeconds ?? 0);
      clock.now += receiveMs;
      return script.shift() ?? [];
    },
    release: async (handles) => {
      calls.released.push(...handles);
      return 0;
    },
    remove: async () => {},
  };
  return { dlq, calls };
}

test("a summary and a scan's answer hold ids, categories and ages, never the event's text", async () => {
  const s = summarize(letter(1), new Map(), Date.parse("2026-01-01T01:00:00Z"));
  assert.not.ok(JSON.stringify(s).includes(SECRET), JSON.stringify(s));
  assert.equal([s.eventId, s.type, s.source, s.ageSeconds], ["evt_1", "t.odd", "/s", 3600]);
  const clock = { now: 0 };
  const letters = Array.from({ length: 25 }, (_, i) => letter(i));
  const { dlq } = scriptedDlq([letters.slice(0, 10), letters.slice(10, 20), letters.slice(20)], 25, clock);
  const seen: unknown[] = [];
  const r = await scanDeadLetters({ dlq, index: noRecords, now: () => clock.now }, { filter: {}, limit: 100, deadline: 20_000, onMatch: async (m) => (seen.push(m), false) });
  assert.equal([r.matched, r.scanned, r.exhausted], [25, 25, true]);
  assert.equal(r.groups.map((g) => [g.type, g.count]).sort(), [["t.even", 13], ["t.odd", 12]]);
  assert.not.ok(JSON.stringify(r).includes(SECRET), "the result keeps no event text");
  assert.not.ok(JSON.stringify(seen).includes(SECRET), "nor does what a match hands on");
});

test.run();
