// The only proof that a factory survives Pulumi's closure serializer is running what it produces.
// Each factory is serialized as `callbackFactory` is, written to disk with superstruct beside it,
// and required in a fresh `node` process whose NODE_PATH holds only the AWS SDK (as nodejs22.x
// provides). The three archives then carry one event from POST to processed.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { execFile } from "node:child_process";
import { builtinModules } from "node:module";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { SQSEvent } from "aws-lambda";
import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { ingestFactory } from "../../runtime/ingest-handler";
import { workerFactory } from "../../runtime/worker-handler";
import { queryFactory } from "../../runtime/query-handler";
import { buildSdkLayer } from "../../local/lambda/sdk-layer";
import { apiEvent, cloudEvent, createQueues, createTable, functionEnv, getEvent, postEvent, startBackends, storedRecord } from "./harness";
import type { Backends } from "./harness";

interface Ctx {
  b: Backends;
  table: string;
  queueUrl: string;
  dir: string;
  layer: string;
}

const test = suite<Ctx>("serialized archives run in a fresh process");

const PROJECT_DIR = path.resolve(__dirname, "../..");

// A plain-JS runner for the child process: require the archive, call its handler once per input.
const RUNNER = `
const fs = require("node:fs");
const [archive, inputFile, outputFile] = process.argv.slice(2);
const { handler } = require(archive);
const calls = JSON.parse(fs.readFileSync(inputFile, "utf8"));
(async () => {
  const results = [];
  for (const event of calls) {
    const started = Date.now();
    const context = { awsRequestId: "archive-" + results.length, getRemainingTimeInMillis: () => 30000 - (Date.now() - started) };
    results.push(await handler(event, context));
  }
  fs.writeFileSync(outputFile, JSON.stringify(results));
})().catch((err) => { console.error(err); process.exit(1); });
`;

test.before(async (ctx) => {
  ctx.b = await startBackends();
  ctx.table = await createTable(ctx.b);
  ctx.queueUrl = (await createQueues(ctx.b)).queueUrl;
  ctx.dir = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-archive-"));
  ctx.layer = buildSdkLayer(path.join(ctx.dir, "sdk-layer"));
  fs.writeFileSync(path.join(ctx.dir, "runner.js"), RUNNER);
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
  for (const [name, factory] of Object.entries({ ingest: ingestFactory, worker: workerFactory, query: queryFactory })) {
    const serialized = await pulumi.runtime.serializeFunction(factory, { isFactoryFunction: true });
    const fnDir = path.join(ctx.dir, name);
    fs.mkdirSync(path.join(fnDir, "node_modules"), { recursive: true });
    fs.writeFileSync(path.join(fnDir, "__index.js"), serialized.text);
    fs.cpSync(path.join(PROJECT_DIR, "node_modules", "superstruct"), path.join(fnDir, "node_modules", "superstruct"), { recursive: true });
  }
});

test.after(async (ctx) => {
  await ctx.b.close();
  fs.rmSync(ctx.dir, { recursive: true, force: true });
});

function runArchive(ctx: Ctx, name: string, calls: unknown[]): Promise<any[]> {
  const input = path.join(ctx.dir, `${name}-in.json`);
  const output = path.join(ctx.dir, `${name}-out.json`);
  fs.writeFileSync(input, JSON.stringify(calls));
  fs.rmSync(output, { force: true });
  // Only what a Lambda would have: its environment, the SDK on NODE_PATH, nothing of the project.
  const env = { PATH: process.env.PATH ?? "", NODE_PATH: ctx.layer, ...functionEnv(ctx.b, ctx.table, ctx.queueUrl) };
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [path.join(ctx.dir, "runner.js"), path.join(ctx.dir, name, "__index.js"), input, output], { env, cwd: ctx.dir }, (err, _stdout, stderr) => {
      if (err) return reject(new Error(`${name} archive failed: ${stderr}`));
      resolve(JSON.parse(fs.readFileSync(output, "utf8")));
    });
  });
}

test("the archives require nothing of the project but superstruct, the SDK and Node's own modules", (ctx) => {
  for (const name of ["ingest", "worker", "query"]) {
    const text = fs.readFileSync(path.join(ctx.dir, name, "__index.js"), "utf8");
    const required = [...text.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
    const outside = required.filter((r) => !/^(superstruct|@aws-sdk\/|node:)/.test(r) && !builtinModules.includes(r));
    assert.equal(outside, [], `${name} requires ${outside.join(", ")}`);
    assert.not.match(text, /@pulumi\//, `${name} carries no Pulumi code`);
  }
});

test("POST → queue → worker → GET, each step through its serialized archive", async (ctx) => {
  const ev = cloudEvent({ type: "sluice.telemetry.reading", data: { deviceId: " dev-9 ", metric: "temp", value: "19.25" } });
  const [accepted, invalid] = await runArchive(ctx, "ingest", [postEvent(ev), apiEvent({ method: "POST", path: "/events", headers: { "content-type": "text/plain" }, body: "x" })]);
  assert.is(accepted.statusCode, 202, accepted.body);
  assert.is(invalid.statusCode, 415);
  const id = JSON.parse(accepted.body).id;

  const received = await ctx.b.sqsClient.send(new ReceiveMessageCommand({ QueueUrl: ctx.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageSystemAttributeNames: ["All"] }));
  assert.is(received.Messages?.length, 1);
  const sqsEvent: SQSEvent = {
    Records: received.Messages!.map((m) => ({
      messageId: m.MessageId!,
      receiptHandle: m.ReceiptHandle!,
      body: m.Body!,
      attributes: { ApproximateReceiveCount: "1", SentTimestamp: "0", SenderId: "local", ApproximateFirstReceiveTimestamp: "0" },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:us-east-1:123456789012:local",
      awsRegion: "us-east-1",
    })),
  };
  const [workerResult] = await runArchive(ctx, "worker", [sqsEvent]);
  assert.equal(workerResult, { batchItemFailures: [] });
  assert.is((await storedRecord(ctx.b, ctx.table, id))?.status, "processed");

  const [view, health] = await runArchive(ctx, "query", [getEvent(id), apiEvent({ method: "GET", path: "/health" })]);
  assert.is(view.statusCode, 200);
  const body = JSON.parse(view.body);
  assert.is(body.status, "processed");
  assert.equal(body.event.data, { deviceId: "dev-9", metric: "temp", value: 19.25 });
  assert.equal(JSON.parse(health.body), { status: "ok", stage: "test", version: "9.9.9" });
});

test.run();
