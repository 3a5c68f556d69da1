// The local function host on its own: a hand-written archive in a temp dir, run the way the local
// stack runs the serialized ones. Local-only by nature (it tests the emulator, not a deployment).
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LambdaHost, type FunctionSpec } from "../../local/lambda/function-host";
import { buildSdkLayer } from "../../local/lambda/sdk-layer";
import { emptyMetrics } from "../../local/metrics";
import { localAwsEnv } from "../../local/aws/local-account";
import { eventually } from "./target";

const HANDLER_SOURCE = `
const started = Date.now();
exports.handler = async (event, context) => {
  switch (event.action) {
    case "env": return { env: process.env, remaining: context.getRemainingTimeInMillis(), requestId: context.awsRequestId };
    case "require": try { require(event.name); return { loaded: true }; } catch (e) { return { loaded: false, code: e.code }; }
    case "sleep": await new Promise((r) => setTimeout(r, event.ms)); return { slept: event.ms, started };
    case "throw": { const e = new Error("boom"); e.name = "BoomError"; throw e; }
    case "exit": process.exit(3);
    case "exit-later": setTimeout(() => process.exit(4), 20); return { bye: true };
    case "heap": return { limitMb: require("v8").getHeapStatistics().heap_size_limit / 1048576 };
    default: return { started };
  }
};
`;

let tmp = "";
let layer = "";
const hosts: LambdaHost[] = [];

function host(overrides: Partial<FunctionSpec> = {}, idleMs?: number): LambdaHost {
  const codeDir = path.join(tmp, "fn");
  const spec: FunctionSpec = {
    logicalName: "probe",
    physicalName: "probe-1234567",
    arn: "arn:aws:lambda:us-east-1:123456789012:function:probe-1234567",
    codeDir,
    handler: "__index.handler",
    environment: { ONLY_MINE: "yes" },
    timeoutSeconds: 1,
    memoryMb: 128,
    maxInstances: 2,
    ...overrides,
  };
  const metrics = emptyMetrics();
  const fm = { physicalName: spec.physicalName, triggers: [], memoryMb: 128, timeoutSeconds: 1, invocations: 0, errors: 0, timeouts: 0, coldStarts: 0, durationMs: 0, initMs: 0, billedMs: 0, gbSeconds: 0 };
  metrics.lambda.probe = fm;
  const h = new LambdaHost(spec, { nodePath: layer, awsEnv: localAwsEnv({ dynamodb: "http://127.0.0.1:1", sqs: "http://127.0.0.1:2" }), metrics: fm, log: () => {}, idleMs });
  hosts.push(h);
  return h;
}

test.before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-host-"));
  fs.mkdirSync(path.join(tmp, "fn"));
  fs.writeFileSync(path.join(tmp, "fn", "__index.js"), HANDLER_SOURCE);
  layer = buildSdkLayer(path.join(tmp, "layer"));
  process.env.SLUICE_HOST_SECRET = "the host's own variable";
});

test.after(async () => {
  await Promise.all(hosts.map((h) => h.stop()));
  fs.rmSync(tmp, { recursive: true, force: true });
  delete process.env.SLUICE_HOST_SECRET;
});

test("an instance sees only its configured environment plus the Lambda and local AWS variables", async () => {
  const out = await host().invoke({ action: "env" }, "req-1");
  assert.ok(out.ok, JSON.stringify(out));
  const value = (out as { value: { env: Record<string, string>; remaining: number; requestId: string } }).value;
  assert.is(value.env.ONLY_MINE, "yes");
  assert.is(value.env.SLUICE_HOST_SECRET, undefined);
  assert.is(value.env.AWS_ENDPOINT_URL_SQS, "http://127.0.0.1:2");
  assert.is(value.env.NODE_PATH, layer);
  assert.is(value.env.AWS_LAMBDA_FUNCTION_NAME, "probe-1234567");
  assert.is(value.requestId, "req-1");
  assert.ok(value.remaining > 0 && value.remaining <= 1000);
});

test("an instance's heap is capped near its configured memory", async () => {
  const out = await host({ memoryMb: 128 }).invoke({ action: "heap" });
  const limitMb = (out as { value: { limitMb: number } }).value.limitMb;
  // V8 adds its young generation to the old-space cap: the limit is the memory, not a default GBs.
  assert.ok(limitMb >= 128 && limitMb < 256, `heap limit ${limitMb} MB`);
});

test("the SDK comes from the layer; project packages are out of reach", async () => {
  const h = host();
  const sdk = await h.invoke({ action: "require", name: "@aws-sdk/client-sqs" });
  assert.equal((sdk as { value: unknown }).value, { loaded: true });
  const got = await h.invoke({ action: "require", name: "got" });
  assert.equal((got as { value: unknown }).value, { loaded: false, code: "MODULE_NOT_FOUND" });
});

test("instances are reused while warm", async () => {
  const h = host({ maxInstances: 1 });
  const a = await h.invoke({ action: "hello" });
  const b = await h.invoke({ action: "hello" });
  assert.ok(a.coldStart);
  assert.not.ok(b.coldStart);
  assert.is((a as { value: { started: number } }).value.started, (b as { value: { started: number } }).value.started);
});

test("past its timeout an invocation is stopped, reported as timed out, and the next one starts cold", async () => {
  const h = host({ maxInstances: 1 });
  const slow = await h.invoke({ action: "sleep", ms: 5000 });
  assert.not.ok(slow.ok);
  assert.ok(!slow.ok && slow.timedOut);
  assert.is(!slow.ok && slow.errorType, "Sandbox.Timedout");
  const next = await h.invoke({ action: "sleep", ms: 1 });
  assert.ok(next.ok);
  assert.ok(next.coldStart, "a timed-out instance is not reused");
  assert.is(h.pids().length, 1);
});

test("past its reserved concurrency an invocation is throttled at once; under the local cap it waits", async () => {
  const reserved = host({ maxInstances: 1, reserved: true });
  const [first, second] = await Promise.all([reserved.invoke({ action: "sleep", ms: 300 }), reserved.invoke({ action: "sleep", ms: 1 })]);
  assert.ok(first.ok, "the first one runs");
  assert.is(!second.ok && second.errorType, "TooManyRequestsException", "the second finds every reserved instance busy");
  assert.ok((await reserved.invoke({ action: "hello" })).ok, "once free, the instance takes the next one");
  const capped = host({ maxInstances: 1 });
  const both = await Promise.all([capped.invoke({ action: "sleep", ms: 300 }), capped.invoke({ action: "sleep", ms: 1 })]);
  assert.ok(both.every((o) => o.ok), "without a reservation the local cap queues the invocation");
});

test("a thrown error is reported with its type and the instance stays warm", async () => {
  const h = host({ maxInstances: 1 });
  const out = await h.invoke({ action: "throw" });
  assert.not.ok(out.ok);
  assert.is(!out.ok && out.errorType, "BoomError");
  assert.is(!out.ok && out.timedOut, false);
  const next = await h.invoke({ action: "hello" });
  assert.not.ok(next.coldStart);
});

test("a crashed instance is replaced", async () => {
  const h = host({ maxInstances: 1 });
  const out = await h.invoke({ action: "exit" });
  assert.is(!out.ok && out.errorType, "Runtime.ExitError");
  const next = await h.invoke({ action: "hello" });
  assert.ok(next.ok && next.coldStart);
});

test("an instance that dies while idle frees its slot for a fresh one", async () => {
  const h = host({ maxInstances: 1 });
  const first = await h.invoke({ action: "exit-later" });
  assert.ok(first.ok);
  await new Promise((r) => setTimeout(r, 300));
  const next = await h.invoke({ action: "hello" });
  assert.ok(next.ok && next.coldStart);
});

test("an instance idle past the idle limit is ended; the next invocation starts cold", async () => {
  const h = host({ maxInstances: 2 }, 200);
  const first = await h.invoke({ action: "hello" });
  assert.ok(first.ok && first.coldStart);
  const [pid] = h.pids();
  await eventually("the idle instance to be ended", async () => (h.pids().length === 0 ? true : undefined), 10_000);
  assert.throws(() => process.kill(pid, 0), undefined, `pid ${pid} is gone`);
  const next = await h.invoke({ action: "hello" });
  assert.ok(next.ok && next.coldStart);
});

test("stop waits for in-flight work and leaves no instance process behind", async () => {
  const h = host({ maxInstances: 2, timeoutSeconds: 5 });
  const running = h.invoke({ action: "sleep", ms: 300 });
  await h.invoke({ action: "hello" });
  const pids = h.pids();
  assert.ok(pids.length >= 1);
  await h.stop();
  const done = await running;
  assert.ok(done.ok, "the in-flight invocation finished");
  for (const pid of pids) {
    assert.throws(() => process.kill(pid, 0), undefined, `pid ${pid} is gone`);
  }
});

test.run();
