// The CLI's pure parts: input parsing, keys, backoff, --where, argument parsing, summary.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { parseCommand } from "../../cli/args";
import { retryDelay } from "../../cli/backoff";
import { parseRows } from "../../cli/input";
import { eventKey, withStableId } from "../../cli/keys";
import { problemReason, singleOutcome } from "../../cli/outcome";
import { createProgress, renderBar } from "../../cli/progress";
import { defaultSource, planPull } from "../../cli/pull";
import { exitCode, renderSummary, summarize } from "../../cli/summary";
import { UsageError } from "../../cli/target";
import { matchesWhere, parseWhere } from "../../cli/where";
import { MAX_BATCH } from "../../cli/send-events";
import { deriveKey, eventIdForKey } from "../../runtime/idempotency-key";
import { MAX_BATCH_EVENTS } from "../../runtime/prepare-event";

test("NDJSON: blank lines skipped, bad lines kept as errors with their line number", () => {
  const rows = parseRows('{"a":1}\n\n  \nnot json\r\n{"b":2}\n');
  assert.equal(rows.map((r) => [r.index, r.line, r.value, r.error !== undefined]), [
    [0, 1, { a: 1 }, false],
    [1, 4, undefined, true],
    [2, 5, { b: 2 }, false],
  ]);
  assert.ok(rows[1].error!.startsWith("line 4 is not valid JSON"));
});

test("a JSON array is read whole; a broken one is one error", () => {
  assert.equal(parseRows(' [{"a":1},{"b":2}]').map((r) => r.value), [{ a: 1 }, { b: 2 }]);
  const broken = parseRows('[{"a":1},');
  assert.is(broken.length, 1);
  assert.ok(broken[0].error!.includes("not a valid JSON array"));
});

test("the key is the server's own source+id key, and predicts the stored id", () => {
  const k = eventKey({ source: "urn:s", id: "42", type: "t" });
  assert.is(k.key, deriveKey({ source: "urn:s", id: "42" }));
  assert.is(k.storedId, eventIdForKey(k.key));
});

test("an event without an id gets one from its content: same content, same id, whatever the key order", () => {
  const a = withStableId({ source: "s", type: "t", data: { x: 1, y: [1, 2] } });
  const b = withStableId({ data: { y: [1, 2], x: 1 }, type: "t", source: "s" });
  const c = withStableId({ source: "s", type: "t", data: { x: 2, y: [1, 2] } });
  assert.type(a.id, "string");
  assert.is(a.id, b.id);
  assert.is.not(a.id, c.id);
  assert.is(withStableId({ id: "keep", source: "s" }).id, "keep");
  assert.is(eventKey(a).key, eventKey(b).key);
});

test("backoff: full jitter under an exponential, capped ceiling; Retry-After wins; 0 never means retry", () => {
  const policy = { baseMs: 100, capMs: 1000 };
  assert.is(retryDelay({ attemptCount: 1, computedValue: 5 }, policy, () => 0.999), 99);
  assert.is(retryDelay({ attemptCount: 3, computedValue: 5 }, policy, () => 0.5), 200);
  assert.is(retryDelay({ attemptCount: 10, computedValue: 5 }, policy, () => 0.5), 500);
  assert.is(retryDelay({ attemptCount: 1, computedValue: 5 }, policy, () => 0), 1);
  assert.is(retryDelay({ attemptCount: 1, computedValue: 5, retryAfter: 3000 }, policy, () => 0.5), 3000);
  assert.is(retryDelay({ attemptCount: 1, computedValue: 5, retryAfter: 0 }, policy), 1);
  assert.is(retryDelay({ attemptCount: 1, computedValue: 0, retryAfter: 1000 }, policy), 0);
});

test("--where compares normalized values as text, with = and !=", () => {
  const rec = { active: true, id: 3, name: "Ada", org: { plan: "pro" } };
  assert.ok(matchesWhere(rec, [parseWhere("active=true")]));
  assert.ok(matchesWhere(rec, [parseWhere("id=3"), parseWhere("org.plan=pro")]));
  assert.not.ok(matchesWhere(rec, [parseWhere("active=false")]));
  assert.ok(matchesWhere(rec, [parseWhere("name!=Bob")]));
  assert.not.ok(matchesWhere({}, [parseWhere("active=true")]));
  assert.throws(() => parseWhere("active"));
});

test("pull plan: coerces, drops invalid with reasons, filters, gives rerun-stable ids", () => {
  const records = [
    { id: "1", name: "  Ada ", active: "true" },
    { id: "2", name: "Bob", active: "false" },
    { id: "x", name: "", active: "maybe" },
    { id: 4, name: "Cy", active: true, email: "cy@example.com" },
  ];
  const opts = { type: "sluice.demo.user", where: [parseWhere("active=true")], source: "http://src/demo" };
  const plan = planPull(records, opts);
  assert.equal(plan.events.map((e) => (e.event as any).data), [
    { id: 1, name: "Ada", active: true },
    { id: 4, name: "Cy", active: true, email: "cy@example.com" },
  ]);
  assert.is(plan.filtered, 1);
  assert.equal(plan.dropped.map((d) => d.index), [2]);
  assert.ok(plan.dropped[0].reason.includes("/id"), plan.dropped[0].reason);
  assert.ok(plan.dropped[0].reason.includes("/active"), plan.dropped[0].reason);
  // Whitespace and string-typed fields do not change what the record means, nor its id.
  const again = planPull([{ id: 1, name: "Ada", active: true }], opts);
  assert.is(again.events[0].key, plan.events[0].key);
  assert.throws(() => planPull(records, { ...opts, type: "no.such.type" }), (e: unknown) => e instanceof UsageError);
  assert.is(defaultSource("http://h:1/demo/source?page=2#x"), "http://h:1/demo/source");
});

test("problem reasons name the slug, the detail and each field error", () => {
  const reason = problemReason({ type: "urn:sluice:problem:validation-failed", status: 422, detail: "bad data", errors: [{ path: "/data/id", message: "Expected an integer" }] }, 422);
  assert.is(reason, "validation-failed: bad data (/data/id: Expected an integer)");
  assert.is(problemReason(undefined, 502), "HTTP 502");
  assert.is(singleOutcome({ statusCode: 202, headers: { "idempotent-replayed": "true" }, body: { id: "evt_1" } }).outcome, "replayed");
  assert.is(singleOutcome({ statusCode: 202, headers: {}, body: { id: "evt_1" } }).outcome, "accepted");
  assert.is(singleOutcome({ statusCode: 409, headers: {}, body: {} }).outcome, "failed");
  assert.is(singleOutcome({ statusCode: 422, headers: {}, body: {} }).outcome, "rejected");
});

test("exit code: 0 only when nothing was rejected or failed; --strict also counts dropped records", () => {
  assert.is(exitCode(summarize("send", [{ index: 0, outcome: "accepted" }, { index: 1, outcome: "replayed" }])), 0);
  assert.is(exitCode(summarize("send", [{ index: 0, outcome: "accepted" }, { index: 1, outcome: "rejected" }])), 1);
  assert.is(exitCode(summarize("send", [{ index: 0, outcome: "failed" }])), 1);
  const pulled = summarize("pull", [{ index: 0, outcome: "accepted" }], { droppedRecords: [{ index: 1, reason: "x" }] });
  assert.is(exitCode(pulled), 0);
  assert.is(exitCode(pulled, true), 1);
});

test("the human summary counts every outcome and names what was not stored, and why", () => {
  const s = summarize(
    "pull",
    [
      { index: 0, eventId: "a", outcome: "accepted" },
      { index: 2, eventId: "c", outcome: "failed", httpStatus: 503, reason: "dependency-unavailable" },
    ],
    { target: "http://api", filtered: 3, droppedRecords: [{ index: 1, reason: "/id: Expected an integer" }] },
  );
  assert.is(
    renderSummary(s),
    [
      "6 records pulled: 1 dropped as invalid, 3 left out by --where, 2 to send",
      "2 events → http://api: 1 accepted, 0 replayed, 0 rejected, 1 failed",
      "not stored:",
      "  #3 c failed 503: dependency-unavailable",
      "dropped records:",
      "  #2: /id: Expected an integer",
      "",
    ].join("\n"),
  );
});

test("progress bar shows done/total and the counts", () => {
  assert.is(renderBar({ done: 5, total: 10, ok: 4, rejected: 1, failed: 0 }, 10), "█████░░░░░ 5/10 50%  ok 4  rejected 1  failed 0");
});

test("on a TTY the bar is redrawn in place on stderr and ends with a newline; elsewhere nothing is drawn", () => {
  const written: string[] = [];
  const tty = { isTTY: true, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
  const p = createProgress(2, tty);
  p.tick({ index: 0, outcome: "accepted" });
  p.tick({ index: 1, outcome: "rejected" });
  p.done();
  assert.ok(written.length >= 2);
  assert.ok(written.slice(0, -1).every((w) => w.startsWith("\r")));
  assert.match(written.join(""), /2\/2 100%  ok 1  rejected 1  failed 0/);
  assert.is(written[written.length - 1], "\n");
  const pipe: string[] = [];
  const q = createProgress(2, { isTTY: false, write: (s: string) => pipe.push(s) } as unknown as NodeJS.WriteStream);
  q.tick({ index: 0, outcome: "accepted" });
  q.done();
  assert.equal(pipe, []);
});

test("--batch packs as many events as the ingest accepts per batch", () => {
  assert.is(MAX_BATCH, MAX_BATCH_EVENTS);
});

test("arguments: defaults, batch, repeated --where, and usage errors", () => {
  const pull = parseCommand(["pull", "--from", "http://x/demo", "--where", "active=true", "--where", "id!=3", "--batch", "--stack", "local"]);
  assert.is(pull.name, "pull");
  if (pull.name !== "pull") return;
  assert.is(pull.type, "sluice.demo.user");
  assert.is(pull.where.length, 2);
  assert.is(pull.sending.batchSize, 10);
  assert.is(pull.common.stack, "local");
  const send = parseCommand(["send", "events.ndjson", "--url", "http://x"]);
  assert.ok(send.name === "send" && send.file === "events.ndjson" && send.sending.batchSize === 1 && send.sending.concurrency === 8);
  for (const bad of [["pull"], ["send", "a", "b"], ["status"], ["send", "--concurrency", "0"], ["frob"], ["send", "--url", "http://x", "--stack", "dev"], ["send", "--nope"]]) {
    assert.throws(() => parseCommand(bad), (e: unknown) => e instanceof UsageError, bad.join(" "));
  }
});

test.run();
