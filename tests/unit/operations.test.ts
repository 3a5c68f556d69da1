// The pure parts of operations: failure mode settings, pacing and jitter, what a DLQ message is
// summarized as and how summaries group, admin input checking, and the CLI's own parsing.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { checkFailureModeRequest, failureModesApply, parseFailureModeSetting } from "../../runtime/contract/failure-modes";
import { checkFields } from "../../runtime/admin-request";
import { groupSummaries, matchesFilter, summarize, UNKNOWN_CATEGORY, UNREADABLE } from "../../runtime/dlq-scan";
import { createPacer, jitterDelaySeconds, MAX_DELAY_SECONDS } from "../../runtime/pacing";
import { encodeMessageBody } from "../../runtime/queue-message";
import { commonOptions } from "../../cli/args";
import { queryString } from "../../cli/admin-client";
import { regionOfApiUrl } from "../../cli/aws-signing";
import { parseDuration, parseOpsCommand } from "../../cli/ops-args";
import { renderTable, shortAge } from "../../cli/ops-render";

test("failure modes: strict requests, their defaults, a stored setting read back, never on prod", () => {
  assert.equal(checkFailureModeRequest({ mode: "poison_payload" }), { ok: true, request: { mode: "poison_payload", category: "PROCESSING" } });
  assert.equal(checkFailureModeRequest({ mode: "slow_downstream" }), { ok: true, request: { mode: "slow_downstream", latencyMs: 2000 } });
  assert.equal(checkFailureModeRequest({ mode: "random_fail_p30" }), { ok: true, request: { mode: "random_fail_p30" } });
  const wrong = checkFailureModeRequest({ mode: "duplicate_submit", latencyMs: 5 });
  assert.ok(!wrong.ok && wrong.errors[0].path === "/latencyMs");
  assert.ok(!checkFailureModeRequest({ mode: "chaos" }).ok);
  assert.ok(!checkFailureModeRequest({ mode: "poison_payload", category: "OOPS" }).ok);
  assert.ok(!checkFailureModeRequest({ mode: "slow_downstream", latencyMs: 900_001 }).ok);
  assert.ok(!checkFailureModeRequest([]).ok);
  const stored = JSON.stringify({ mode: "slow_downstream", latencyMs: 50, setAt: "2026-01-01T00:00:00.000Z", setBy: "arn:aws:iam::1:user/me" });
  assert.equal(parseFailureModeSetting(stored), { mode: "slow_downstream", latencyMs: 50, setAt: "2026-01-01T00:00:00.000Z", setBy: "arn:aws:iam::1:user/me" });
  assert.is(parseFailureModeSetting("{not json"), undefined, "unreadable: no mode applies");
  assert.is(parseFailureModeSetting(JSON.stringify({ mode: "poison_payload" })), undefined, "no setAt: not ours");
  assert.is(failureModesApply({ failureModes: true, stage: "dev" }), true);
  assert.is(failureModesApply({ failureModes: true, stage: "prod" }), false, "whatever the environment says");
  assert.is(failureModesApply({ failureModes: false, stage: "dev" }), false);
});

test("pacing: sends spaced by the rate on a fake clock; jitter within 0..max whole seconds", async () => {
  let now = 1000;
  const slept: number[] = [];
  const pace = createPacer(4, () => now, async (ms) => {
    slept.push(ms);
    now += ms;
  });
  for (let i = 0; i < 4; i++) await pace();
  assert.equal(slept, [250, 250, 250], "the first goes at once, then one every 250 ms");
  assert.is(jitterDelaySeconds(0, () => 0.99), 0);
  assert.is(jitterDelaySeconds(900, () => 0), 0);
  assert.is(jitterDelaySeconds(900, () => 0.999999), MAX_DELAY_SECONDS);
  for (let i = 0; i < 200; i++) {
    const d = jitterDelaySeconds(30);
    assert.ok(Number.isInteger(d) && d >= 0 && d <= 30, String(d));
  }
});

test("DLQ: a message summarized from its header, its event and its record's note; unreadable ones kept apart", () => {
  const now = Date.parse("2026-01-02T00:00:00Z");
  const body = encodeMessageBody({ id: "evt_1", key: "k", payloadHash: "h", receivedAt: "2026-01-01T23:00:00.000Z", requestId: "r", event: '{"specversion":"1.0","type":"t.a","source":"/s","id":"1"}' });
  const noted = summarize({ messageId: "m1", receiptHandle: "rh", body }, new Map([["evt_1", { id: "evt_1", status: "accepted", payloadHash: "h", retryCategory: "TIMEOUT", retryReason: "slow" }]]), now);
  assert.equal([noted.eventId, noted.type, noted.source, noted.category, noted.reason, noted.ageSeconds, noted.storedStatus], ["evt_1", "t.a", "/s", "TIMEOUT", "slow", 3600, "accepted"]);
  assert.is(summarize({ messageId: "m2", receiptHandle: "rh", body }, new Map(), now).category, UNKNOWN_CATEGORY);
  const poison = summarize({ messageId: "m3", receiptHandle: "rh", body: "not ours", sentTimestamp: now - 5000 }, new Map(), now);
  assert.equal([poison.category, poison.ageSeconds, poison.eventId], [UNREADABLE, 5, undefined]);
  assert.ok(matchesFilter(noted, { category: "TIMEOUT", type: "t.a", source: "/s", minAgeSeconds: 3600 }));
  assert.not.ok(matchesFilter(noted, { minAgeSeconds: 3601 }));
  assert.not.ok(matchesFilter(noted, { source: "/other" }));
  const groups = groupSummaries([noted, { ...noted, messageId: "m4", eventId: "evt_4", ageSeconds: 10 }, poison]);
  assert.equal(groups.map((g) => [g.category, g.count, g.oldestAgeSeconds, g.newestAgeSeconds, g.sampleIds]), [
    ["TIMEOUT", 2, 3600, 10, ["evt_1", "evt_4"]],
    [UNREADABLE, 1, 5, 5, ["m3"]],
  ]);
});

test("admin input: each field has one type and range; unknown fields are refused; query text is converted", () => {
  const spec = { count: { kind: "int" as const, min: 1, max: 1000 }, dryRun: { kind: "bool" as const }, status: { kind: "enum" as const, values: ["failed"] } };
  assert.equal(checkFields({ count: 5, dryRun: true, status: "failed" }, spec), { ok: true, values: { count: 5, dryRun: true, status: "failed" } });
  assert.equal(checkFields({ count: "5", dryRun: "true" }, spec, true), { ok: true, values: { count: 5, dryRun: true } });
  const bad = checkFields({ count: 1001, dryRun: "yes", status: "processed", purge: true }, spec);
  assert.ok(!bad.ok);
  if (!bad.ok) assert.equal(bad.errors.map((e) => e.path).sort(), ["/count", "/dryRun", "/purge", "/status"]);
  assert.ok(!checkFields({ count: "5" }, spec).ok, "a JSON body's number is a number");
});

test("admin input: fields named like Object.prototype's members are unknown fields, refused by name", () => {
  const spec = { count: { kind: "int" as const, min: 1, max: 1000 } };
  // JSON.parse makes `__proto__` an own field, as a request body would.
  for (const body of ['{"constructor":1}', '{"__proto__":1}', '{"toString":"x"}', '{"hasOwnProperty":true}', '{"valueOf":{}}']) {
    const checked = checkFields(JSON.parse(body), spec);
    const name = Object.keys(JSON.parse(body))[0];
    assert.equal(checked, { ok: false, errors: [{ path: `/${name}`, message: "is not a field of this operation (known: count)" }] }, body);
  }
  const query = checkFields({ hasOwnProperty: "1", count: "2" }, spec, true);
  assert.equal(query, { ok: false, errors: [{ path: "hasOwnProperty", message: "is not a field of this operation (known: count)" }] });
  const unknownKind = checkFields({ count: 1 }, { count: { kind: "date" } as never });
  assert.equal(unknownKind, { ok: false, errors: [{ path: "/count", message: "is not a field this operation can read" }] }, "a spec the reader does not know refuses");
});

test("CLI: operations commands parse strictly; durations; query strings SigV4 reads as API Gateway does", () => {
  const cmd = parseOpsCommand(["dlq", "redrive", "--category", "TRANSIENT", "--min-age", "15m", "--jitter", "2m", "--count", "50", "--stack", "local"], commonOptions);
  assert.equal(cmd && cmd.name === "dlq-redrive" ? [cmd.filters.category, cmd.filters.minAgeSeconds, cmd.pacing.jitterSeconds, cmd.pacing.count, cmd.pacing.dryRun] : cmd, ["TRANSIENT", 900, 120, 50, false]);
  assert.is(parseOpsCommand(["send", "x.ndjson"], commonOptions), undefined, "not an operations command");
  assert.is(parseOpsCommand(["dlq", "--help"], commonOptions), undefined, "help is the main usage's");
  assert.throws(() => parseOpsCommand(["dlq", "ls", "--rate", "5"], commonOptions), /--rate does not apply to dlq ls/);
  assert.throws(() => parseOpsCommand(["dlq", "redrive", "--jitter", "16m"], commonOptions), /at most 900s/);
  assert.throws(() => parseOpsCommand(["failure-mode", "set"], commonOptions), /needs a MODE/);
  assert.throws(() => parseOpsCommand(["events", "list"], commonOptions), /sluice events ls/);
  const set = parseOpsCommand(["failure-mode", "set", "slow_downstream", "--latency-ms", "3000"], commonOptions);
  assert.equal(set && set.name === "failure-mode-set" ? [set.mode, set.latencyMs] : set, ["slow_downstream", 3000]);
  assert.equal([parseDuration("--x", "90"), parseDuration("--x", "2h"), parseDuration("--x", "1d")], [90, 7200, 86400]);
  assert.throws(() => parseDuration("--x", "soon"), /duration/);
  assert.is(queryString({ source: "a b+c", limit: 2, cursor: undefined }), "?source=a%20b%2Bc&limit=2");
  assert.is(regionOfApiUrl("https://abc123.execute-api.eu-west-1.amazonaws.com"), "eu-west-1");
  assert.is(regionOfApiUrl("http://127.0.0.1:3210"), undefined);
  assert.equal([shortAge(59), shortAge(600), shortAge(7200), shortAge(3 * 86400)], ["59s", "10m", "2h", "3d"]);
  assert.is(renderTable(["A", "BB"], [["xyz", 1], [undefined, "long"]]), "A    BB\nxyz  1\n-    long\n");
});

test.run();
