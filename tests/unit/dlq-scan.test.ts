// The DLQ scan over a scripted dead-letter queue and clock: what a run keeps (counters, not the
// events' text), when it may call itself complete, and the time it leaves to give messages back.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { createSqsDeadLetters, RELEASE_CONCURRENCY } from "../../runtime/dead-letters";
import type { DeadLetter, DeadLetters } from "../../runtime/dead-letters";
import { RECEIVE_WAIT_SECONDS, releaseReserveMs, scanDeadLetters, summarize } from "../../runtime/dlq-scan";
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
  const calls = { receives: [] as number[], released: [] as string[], starts: [] as { at: number; held: number }[] };
  let delivered = 0;
  const dlq: DeadLetters = {
    depth: async () => ({ visible, inFlight: 0 }),
    receive: async (_visibility: number, waitSeconds?: number) => {
      calls.receives.push(waitSeconds ?? 0);
      calls.starts.push({ at: clock.now, held: delivered });
      clock.now += receiveMs;
      const out = script.shift() ?? [];
      delivered += out.length;
      return out;
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

test("empty answers while the queue says more are visible are polls that missed them: asked again (long polls), not complete", async () => {
  const clock = { now: 0 };
  const letters = Array.from({ length: 5 }, (_, i) => letter(i));
  const { dlq, calls } = scriptedDlq([[], [], [], [], letters.slice(0, 3), [], [], letters.slice(3)], 5, clock);
  const r = await scanDeadLetters({ dlq, index: noRecords, now: () => clock.now }, { filter: {}, limit: 100, deadline: 20_000 });
  assert.equal([r.scanned, r.matched, r.exhausted], [5, 5, true], "all five seen before it calls itself complete");
  assert.equal(calls.receives, [0, 1, 1, 1, 1, 0, 1, 1, 0], "after an empty short poll, long polls while some are unseen; a short one to confirm the end");

  const stuck = scriptedDlq([letters.slice(0, 2)], 3, (clock.now = 0, clock), 1000);
  const s = await scanDeadLetters({ dlq: stuck.dlq, index: noRecords, now: () => clock.now }, { filter: {}, limit: 100, deadline: 10_000 });
  assert.equal([s.scanned, s.exhausted], [2, false], "two of three seen: not complete, stopped by the clock");
  assert.ok(stuck.calls.receives.length > 3, "it kept asking while time remained");
  stuck.calls.receives.forEach((w, i) => {
    const start = stuck.calls.starts[i];
    const fits = start.at + RECEIVE_WAIT_SECONDS * 1000 < 10_000 - releaseReserveMs(start.held);
    assert.is(w, i >= 2 && fits ? RECEIVE_WAIT_SECONDS : 0, `a long poll after an empty answer, where its wait fits before the deadline (at ${start.at} ms)`);
  });
  assert.ok(stuck.calls.receives.filter((w) => w === RECEIVE_WAIT_SECONDS).length >= 5);
});

test("the scan stops in time to give back what it borrowed: the more it holds, the earlier", async () => {
  const clock = { now: 0 };
  const letters = Array.from({ length: 2000 }, (_, i) => letter(i));
  const script = Array.from({ length: 200 }, (_, i) => letters.slice(i * 10, i * 10 + 10));
  const deadline = 12_000;
  const { dlq, calls } = scriptedDlq(script, 2000, clock, 100);
  const r = await scanDeadLetters({ dlq, index: noRecords, now: () => clock.now }, { filter: { type: "none-of-them" }, limit: 100, deadline });
  assert.is(calls.released.length, r.scanned, "every borrowed message is given back");
  for (const start of calls.starts) assert.ok(start.at < deadline - releaseReserveMs(start.held), `a receive at ${start.at} ms holding ${start.held}`);
  const last = calls.starts[calls.starts.length - 1];
  assert.ok(last.at + 100 >= deadline - releaseReserveMs(last.held + 10) - 100, "and it used the time it had");
  assert.ok(clock.now + releaseReserveMs(calls.released.length) <= deadline + 100, `the release fits: at ${clock.now} ms with ${calls.released.length} to give back`);
});

test("borrowed messages go back a few batches at a time, every batch tried even when one fails", async () => {
  let inFlight = 0;
  let most = 0;
  const sent: string[] = [];
  let batches = 0;
  const sqs = {
    send: async (command: { input: { Entries: { ReceiptHandle: string }[] } }) => {
      const n = batches++;
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      if (n === 2) throw Object.assign(new Error("reset"), { name: "NetworkingError" });
      sent.push(...command.input.Entries.map((e) => e.ReceiptHandle));
      return { Failed: n === 4 ? [{ Id: "0" }] : [] };
    },
  } as unknown as SQSClient;
  const handles = Array.from({ length: 95 }, (_, i) => `rh${i}`);
  const refused = await createSqsDeadLetters(sqs, "https://sqs.local/dlq").release(handles);
  assert.is(batches, 10);
  assert.is(most, RELEASE_CONCURRENCY, "at most four batches at once");
  assert.is(sent.length, 85, "every batch but the failed one went");
  assert.is(refused, 11, "the failed batch's ten and one refused entry");
});

test("a receive asks SQS to wait as long as it is told", async () => {
  const inputs: Record<string, unknown>[] = [];
  const sqs = { send: async (command: { input: Record<string, unknown> }) => (inputs.push(command.input), { Messages: [] }) } as unknown as SQSClient;
  const dlq = createSqsDeadLetters(sqs, "https://sqs.local/dlq");
  await dlq.receive(30, 1);
  await dlq.receive(30);
  assert.equal(inputs.map((i) => [i.WaitTimeSeconds, i.VisibilityTimeout]), [[1, 30], [0, 30]]);
});

test.run();
