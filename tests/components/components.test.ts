// The components' own rules (derived sizes, grant checks, route keys, transforms) and the config
// variants the dev and prod stacks do not exercise: a customer KMS key, the bySource index, and
// values the program must refuse.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { alarmSpecs } from "../../components/alarm-set";
import { checkRouteKey, invokeSourcePattern, routeSlug } from "../../components/ingest-api";
import { checkQueueEncryption } from "../../components/encryption";
import { checkActions } from "../../components/policy";
import { kmsActionsFor } from "../../components/queue-with-dlq";
import { durationAlarmThresholdMs, leaseSecondsFor, visibilityTimeoutFor } from "../../components/sizing";
import { applyTransform } from "../../components/transform";
import { one, ofType, runStack, TYPES } from "./harness";

const rules = suite("component rules");

rules("visibility timeout is 6 × the consumer timeout plus the batching window, within SQS limits", () => {
  assert.is(visibilityTimeoutFor(30), 180);
  assert.is(visibilityTimeoutFor(30, 1), 181);
  assert.is(visibilityTimeoutFor(900, 20), 5420);
  assert.throws(() => visibilityTimeoutFor(7201), /43200/);
  assert.throws(() => visibilityTimeoutFor(0), /positive integer/);
  assert.throws(() => visibilityTimeoutFor(30, -1), /non-negative/);
});

rules("lease outlives the ingest timeout; duration alarm sits below the timeout", () => {
  for (const t of [1, 3, 10, 29, 900]) {
    assert.ok(leaseSecondsFor(t) > t);
    assert.ok(durationAlarmThresholdMs(t) < t * 1000);
    assert.ok(durationAlarmThresholdMs(t) > 0);
  }
  assert.throws(() => leaseSecondsFor(1.5));
});

rules("grants refuse wildcards and actions of another service; duplicates collapse", () => {
  assert.equal(checkActions("dynamodb", ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:PutItem"]), ["dynamodb:GetItem", "dynamodb:PutItem"]);
  assert.throws(() => checkActions("dynamodb", ["dynamodb:*"]), /wildcard/);
  assert.throws(() => checkActions("sqs", ["*"]), /wildcard/);
  assert.throws(() => checkActions("sqs", ["sqs:Send*"]), /wildcard/);
  assert.throws(() => checkActions("sqs", ["dynamodb:PutItem"]), /not a sqs action/);
  assert.throws(() => checkActions("sqs", []), /no sqs actions/);
});

rules("KMS use follows the queue actions", () => {
  assert.equal(kmsActionsFor(["sqs:SendMessage"]), ["kms:Decrypt", "kms:GenerateDataKey"]);
  assert.equal(kmsActionsFor(["sqs:ReceiveMessage", "sqs:DeleteMessage"]), ["kms:Decrypt"]);
  assert.equal(kmsActionsFor(["sqs:GetQueueAttributes"]), []);
});

rules("queue encryption: a KMS key with sqsManagedSseEnabled set at all is refused, citing the provider's docs", () => {
  const key = "arn:aws:kms:us-east-1:123456789012:key/k";
  for (const sqsManagedSseEnabled of [false, true]) {
    assert.throws(() => checkQueueEncryption("q", { kmsMasterKeyId: key, sqsManagedSseEnabled }), /q: sqsManagedSseEnabled .*conflicts with kmsMasterKeyId.*aws_sqs_queue/);
  }
  assert.throws(() => checkQueueEncryption("q", { kmsDataKeyReusePeriodSeconds: 300, sqsManagedSseEnabled: false }), /conflicts with kmsDataKeyReusePeriodSeconds/);
  assert.not.throws(() => checkQueueEncryption("q", { kmsMasterKeyId: key, kmsDataKeyReusePeriodSeconds: 300 }));
  assert.not.throws(() => checkQueueEncryption("q", { sqsManagedSseEnabled: true }));
  assert.not.throws(() => checkQueueEncryption("q", {}));
});

rules("route keys: checked, and slugged into stable child names", () => {
  assert.is(routeSlug("GET /events/{id}"), "get-events-id");
  assert.is(routeSlug("POST /events/batch"), "post-events-batch");
  assert.is(routeSlug("$default"), "default");
  assert.is(checkRouteKey("$default"), "$default");
  assert.throws(() => checkRouteKey("GET events"), /invalid route key/);
  assert.throws(() => checkRouteKey("FETCH /events"), /invalid route key/);
});

rules("a target's invoke permission: its routes' common literal path, or any path for $default", () => {
  assert.is(invokeSourcePattern(["GET /admin/dlq", "POST /admin/dlq/redrive", "POST /admin/replay", "PUT /admin/failure-mode"]), "/*/*/admin/*");
  assert.is(invokeSourcePattern(["POST /events", "POST /events/batch"]), "/*/*/events*");
  assert.is(invokeSourcePattern(["GET /events/{id}"]), "/*/*/events/*");
  assert.is(invokeSourcePattern(["GET /events", "$default"]), "/*/*");
  assert.is(invokeSourcePattern(["GET /health", "POST /events"]), "/*/*");
  assert.is(invokeSourcePattern(["GET /{proxy+}"]), "/*/*");
  assert.is(invokeSourcePattern([]), "/*/*");
});

rules("transforms: a partial object overrides args, a function edits args and options and may rename", () => {
  const [n1, a1] = applyTransform<{ a: number; b: number }>({ b: 3 }, "x", { a: 1, b: 2 }, {});
  assert.is(n1, "x");
  assert.equal(a1, { a: 1, b: 3 });
  const [n2, a2, o2] = applyTransform<{ a: number }>(
    (args, opts) => {
      args.a = 9;
      opts.protect = true;
      return { name: "y" };
    },
    "x",
    { a: 1 },
    {},
  );
  assert.equal([n2, a2, o2.protect], ["y", { a: 9 }, true]);
  const [n3, a3] = applyTransform<{ a: number }>(undefined, "x", { a: 1 }, {});
  assert.equal([n3, a3], ["x", { a: 1 }]);
});

rules("alarm set: only what is watched gets alarms", () => {
  assert.is(alarmSpecs({}).length, 0);
  assert.equal(alarmSpecs({ dlqName: "q-dlq" }).map((s) => s.key), ["dlq-visible"]);
  assert.equal(
    alarmSpecs({ functions: [{ label: "f", functionName: "fn", timeoutSeconds: 10 }] }).map((s) => [s.key, s.threshold]),
    [["f-errors", 1], ["f-throttles", 1], ["f-duration", 8000]],
  );
});

rules.run();

const variants = suite("config variants");
const ROOT = path.resolve(__dirname, "../..");
const KEY = "arn:aws:kms:us-east-1:123456789012:key/0b8f5c2e-1111-2222-3333-444455556666";

variants("a customer KMS key encrypts both queues, the table and the topic, and roles may use exactly it", async () => {
  const run = await runStack("dev", { "sluice:kmsKeyArn": KEY });
  for (const q of ofType(run, TYPES.queue)) {
    assert.is(q.inputs.kmsMasterKeyId, KEY, q.name);
    // Not false: the provider refuses sqsManagedSseEnabled next to kmsMasterKeyId whatever its value.
    assert.not.ok("sqsManagedSseEnabled" in q.inputs, `${q.name} passes sqsManagedSseEnabled with a KMS key`);
    assert.not.throws(() => checkQueueEncryption(q.name, q.inputs));
  }
  assert.equal(one(run, TYPES.table).inputs.serverSideEncryption, { enabled: true, kmsKeyArn: KEY });
  assert.is(one(run, TYPES.topic).inputs.kmsMasterKeyId, KEY);
  const kmsOf = (policyName: string) =>
    JSON.parse(one(run, TYPES.rolePolicy, policyName).inputs.policy).Statement.filter((s: any) => s.Action.some((a: string) => a.startsWith("kms:")));
  assert.equal(kmsOf("sluice-ingest-queue-access"), [{ Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: [KEY] }]);
  assert.equal(kmsOf("sluice-worker-queue-poll"), [{ Effect: "Allow", Action: ["kms:Decrypt"], Resource: [KEY] }]);
  assert.is(kmsOf("sluice-query-table-access")[0].Resource[0], KEY);
});

variants("without a key: SQS-managed SSE and no KMS permission anywhere", async () => {
  const run = await runStack("dev");
  for (const q of ofType(run, TYPES.queue)) {
    assert.is(q.inputs.sqsManagedSseEnabled, true);
    assert.not.ok("kmsMasterKeyId" in q.inputs, q.name);
  }
  for (const p of ofType(run, TYPES.rolePolicy)) assert.not.ok(p.inputs.policy.includes("kms:"), p.name);
  assert.is(one(run, TYPES.table).inputs.serverSideEncryption, undefined);
});

variants("listIndex adds the keys-only by-source GSI from the contract; the sparse failed index is always there", async () => {
  const failed = { name: "failedByCategory", hashKey: "ec", rangeKey: "receivedAt", projectionType: "KEYS_ONLY" };
  const off = one(await runStack("dev", { "sluice:listIndex": "false" }), TYPES.table);
  assert.equal(off.inputs.globalSecondaryIndexes, [failed]);
  assert.equal(off.inputs.attributes.map((a: any) => a.name).sort(), ["ec", "pk", "receivedAt"]);
  const on = one(await runStack("dev", { "sluice:listIndex": "true" }), TYPES.table);
  assert.equal(on.inputs.globalSecondaryIndexes, [{ name: "bySource", hashKey: "source", rangeKey: "receivedAt", projectionType: "KEYS_ONLY" }, failed]);
  assert.equal(on.inputs.attributes.map((a: any) => a.name).sort(), ["ec", "pk", "receivedAt", "source"]);
  assert.equal(on.inputs.attributes.map((a: any) => a.type), ["S", "S", "S", "S"]);
});

variants("failure modes: refused on a protected stack and on prod; off unless switched on", () => {
  const prod = runRefused({ "sluice:failureModes": "true", "sluice:protect": "true", "sluice:alarmEmail": "none" });
  assert.is(prod.status, 1, prod.output);
  assert.match(prod.output, /REFUSED: sluice:failureModes cannot be true on a protected or prod stack/);
  const refresh = runRefused({ "sluice:failureModeRefreshSeconds": "30" });
  assert.is(refresh.status, 1, refresh.output);
  assert.match(refresh.output, /REFUSED: sluice:failureModeRefreshSeconds must be an integer from 1 to 10/);
});

// A program that throws midway leaves the mock monitor with half-registered components, so each
// refusal runs in its own process.
function runRefused(config: Record<string, string>): { status: number | null; output: string } {
  const script = `require(${JSON.stringify(path.join(ROOT, "local/program/run-program"))}).runProgram({ stack: "dev", config: ${JSON.stringify(config)} })` +
    `.then(() => process.exit(0), (e) => { console.error("REFUSED: " + (e && e.message)); process.exit(1); });`;
  const child = spawnSync(process.execPath, ["-r", "tsx/cjs", "-e", script], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
  return { status: child.status, output: `${child.stdout}\n${child.stderr}` };
}

variants("the program refuses a worker timeout SQS cannot outlast and an unknown unknownTypes policy", () => {
  const tooSlow = runRefused({ "sluice:workerTimeoutSeconds": "7300" });
  assert.is(tooSlow.status, 1, tooSlow.output);
  assert.match(tooSlow.output, /REFUSED: .*43200/);
  const badPolicy = runRefused({ "sluice:unknownTypes": "maybe" });
  assert.is(badPolicy.status, 1, badPolicy.output);
  assert.match(badPolicy.output, /REFUSED: .*accept or reject/);
});

variants.run();
