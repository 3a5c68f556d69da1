// The fault matrix, against `npm start -- --chaos …` as a user runs it: SQS send errors and
// DynamoDB throttling from the flags, then (through the control endpoint) a hung table for a few
// seconds, then the worker's instance killed in the middle of a batch. A client that retries what
// it is told to retry ends with every event acknowledged; every acknowledged event is stored once
// and processed, every 503 carried Retry-After, and the stack never exited. Local only.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DynamoDBClient, ScanCommand, type ScanCommandOutput } from "@aws-sdk/client-dynamodb";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../local/aws/local-account";
import { exited, killGroup, spawnStart } from "./start-process";
import { cloudEvent, eventually, httpClient, json, TARGET_ENV, unique } from "./target";

const deployed = (process.env[TARGET_ENV] ?? "").startsWith("deployed");
const SOURCE = `/sluice/faults/${unique()}`;
const FLAGS = [
  // A 1 s worker timeout (6 s visibility) and room for retries before the DLQ; no stage throttle.
  ...["workerTimeoutSeconds=1", "batchingWindowSeconds=0", "maxReceiveCount=20", "retryBaseSeconds=1", "retryMaxSeconds=2", "throttleRateLimit=100000", "throttleBurstLimit=100000"].flatMap((c) => ["--config", c]),
  ...["sqs:SendMessage=error:0.6", "sqs:SendMessageBatch=error:0.6", "dynamodb:*=throttle:0.4"].flatMap((c) => ["--chaos", c]),
];

interface Answers {
  byStatus: Record<number, number>;
  /** Every 503, with its Retry-After. */
  unavailable: Array<string | undefined>;
}

type Got = ReturnType<typeof httpClient>;

/** Posts one event until it is acknowledged, as a client should: 409, 429 and 503 are retried; a 500 is a bug and fails the test. */
async function deliver(api: Got, answers: Answers): Promise<string> {
  const event = cloudEvent({ source: SOURCE });
  for (let attempt = 0; attempt < 200; attempt++) {
    const r = await api.post("events", { body: JSON.stringify(event), headers: { "content-type": "application/cloudevents+json" } });
    answers.byStatus[r.statusCode] = (answers.byStatus[r.statusCode] ?? 0) + 1;
    if (r.statusCode === 202) return json(r).id as string;
    if (r.statusCode === 503) answers.unavailable.push(r.headers["retry-after"] as string | undefined);
    if (![409, 429, 503].includes(r.statusCode)) throw new Error(`not retryable: ${r.statusCode} ${r.body}`);
    // Sooner than Retry-After asks, to keep the test short; the stack does not mind.
    await new Promise((res) => setTimeout(res, 150));
  }
  throw new Error(`event ${event.id} never acknowledged`);
}

async function storedIds(endpoint: string, table: string): Promise<string[]> {
  const ddb = new DynamoDBClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint });
  const ids: string[] = [];
  let start: ScanCommandOutput["LastEvaluatedKey"];
  try {
    do {
      const page = await ddb.send(new ScanCommand({ TableName: table, FilterExpression: "#s = :s", ExpressionAttributeNames: { "#s": "source" }, ExpressionAttributeValues: { ":s": { S: SOURCE } }, ExclusiveStartKey: start }));
      ids.push(...(page.Items ?? []).map((i) => i.pk.S!));
      start = page.LastEvaluatedKey;
    } while (start);
  } finally {
    ddb.destroy();
  }
  return ids;
}

if (deployed) {
  test.skip("the fault matrix — skipped: it injects faults into the local twins", () => {});
} else {
  test("under SQS send errors, DynamoDB throttling, a hung table and a killed worker: every acknowledged event stored once, 503s with Retry-After, the stack up throughout", async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-faults-"));
    const outputsFile = path.join(tmp, "outputs.json");
    const { child, io } = spawnStart(["--port", "0", "--outputs", outputsFile, "--data-dir", path.join(tmp, "data"), ...FLAGS]);
    const answers: Answers = { byStatus: {}, unavailable: [] };
    try {
      await eventually("the outputs file", async () => (fs.existsSync(outputsFile) ? true : undefined), 90_000);
      // The stack writes the outputs file, then npm start prints its summary: wait for that line too.
      const chaosLine = /chaos: sqs:SendMessage=error:0\.6, sqs:SendMessageBatch=error:0\.6, dynamodb:\*=throttle:0\.4/;
      await eventually("the summary's chaos line", async () => (chaosLine.test(io.err) ? true : undefined), 10_000).catch(() => undefined);
      assert.match(io.err, chaosLine);
      const outputs = JSON.parse(fs.readFileSync(outputsFile, "utf8")) as { apiUrl: string; tableName: string; localEndpoints: { dynamodb: string; control: string } };
      const api = httpClient(outputs.apiUrl);
      const control = httpClient(outputs.localEndpoints.control);
      const stackPid = json(await control.get("processes")).stack as number;
      const setChaos = async (rules: string[]) => assert.is((await control.put("chaos", { body: JSON.stringify(rules) })).statusCode, 200);
      const acked: string[] = [];
      const deliverAll = async (n: number, concurrency: number) => {
        let left = n;
        await Promise.all(Array.from({ length: concurrency }, async () => {
          while (left-- > 0) acked.push(await deliver(api, answers));
        }));
      };

      // 1. The flags' faults: SQS refuses sends, DynamoDB throttles.
      await deliverAll(30, 4);
      assert.ok(answers.unavailable.length > 0, `the faults were felt: ${JSON.stringify(answers.byStatus)}`);

      // 2. The table hangs for three seconds, then recovers.
      await setChaos(["dynamodb:*=hang:2s"]);
      const during = deliverAll(6, 3);
      await new Promise((res) => setTimeout(res, 3_000));
      await setChaos([]);
      await during;

      // 3. The worker's instances are killed while a batch is in flight (its writes slowed so that one is).
      await setChaos(["dynamodb:UpdateItem=latency:700ms"]);
      const killed = () => io.out.split("\n").some((l) => l.includes('"msg":"invocation failed"') && l.includes("worker") && l.includes("Runtime.ExitError"));
      for (let round = 0; round < 3 && !killed(); round++) {
        await deliverAll(5, 5);
        await new Promise((res) => setTimeout(res, 400));
        const workers = (json(await control.get("processes")).functions as Record<string, number[]>)["sluice-worker-function"] ?? [];
        for (const pid of workers) process.kill(pid, "SIGKILL");
        await eventually("the failed batch to be reported", async () => (killed() ? true : undefined), 5_000).catch(() => undefined);
      }
      assert.ok(killed(), "a worker instance died in the middle of a batch");
      await setChaos([]);

      // Every acknowledged event ends processed, and is stored once: no more, no fewer.
      for (const id of acked) {
        await eventually(`${id} processed`, async () => {
          const r = await api.get(`events/${id}`);
          return r.statusCode === 200 && json(r).status === "processed" ? true : undefined;
        }, 90_000);
      }
      const stored = await storedIds(outputs.localEndpoints.dynamodb, outputs.tableName);
      assert.equal(stored.sort(), [...new Set(acked)].sort());
      assert.is(new Set(acked).size, acked.length, "each event was acknowledged under its own id");
      assert.ok(answers.unavailable.every((r) => r !== undefined && Number(r) > 0), `every 503 carries Retry-After: ${JSON.stringify(answers.unavailable)}`);

      assert.is(child.exitCode, null, "the stack never exited");
      const processes = json(await control.get("processes"));
      assert.is(processes.stack, stackPid, "the same stack process answers");
      assert.ok(processes.twins.every((t: { restarts: number }) => t.restarts === 0), "faults are answers, not crashes: no twin restarted");
      process.kill(-child.pid!, "SIGINT");
      assert.is((await exited(child)).code, 0, io.err);
    } catch (err) {
      throw new Error(`${(err as Error).message}\nanswers: ${JSON.stringify(answers.byStatus)}\nstderr: ${io.err.slice(-2000)}`);
    } finally {
      killGroup(child);
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
}

test.run();
