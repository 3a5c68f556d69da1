// The load generator, run in its own process so that it does not share an event loop with the
// local stack it measures. Mode "http": autocannon POSTs 1 KB events with unique ids to /events.
// Mode "dynamo": the same concurrency of conditional PutItems (attribute_not_exists) straight to
// dynalite. Prints one JSON line: { ok, seconds, perSec, statuses, cpuMs } (cpuMs: this process's
// own CPU time, the load generator's share of the work).
import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { routePath } from "../runtime/contract/routes";
import { TABLE_HASH_KEY } from "../runtime/contract/table";
import { eventBody } from "./event";

// autocannon ships no types: this is the part of its API used here.
interface AutocannonResult {
  duration: number;
  statusCodeStats?: Record<string, { count: number }>;
}
// eslint-disable-next-line @typescript-eslint/no-var-requires
const autocannon = require("autocannon") as (opts: Record<string, unknown>) => Promise<AutocannonResult>;

const [mode, target, concurrencyArg, secondsArg, tableName] = process.argv.slice(2);
const concurrency = Number(concurrencyArg);
const seconds = Number(secondsArg);

interface LoadOutcome {
  ok: number;
  seconds: number;
  /** HTTP status → answers; for the dynamo mode, "errors" counts failed puts. */
  statuses: Record<string, number>;
}

async function http(): Promise<LoadOutcome> {
  let n = 0;
  const result = await autocannon({
    url: target.replace(/\/$/, "") + routePath("postEvent"),
    connections: concurrency,
    duration: seconds,
    requests: [
      {
        method: "POST",
        headers: { "content-type": "application/cloudevents+json" },
        setupRequest: (req: Record<string, unknown>) => ({ ...req, body: eventBody(`load-${process.pid}-${n++}`) }),
      },
    ],
  });
  const codes = result.statusCodeStats ?? {};
  const statuses = Object.fromEntries(Object.entries(codes).map(([code, v]) => [code, v.count]));
  return { ok: codes["202"]?.count ?? 0, seconds: result.duration, statuses };
}

async function dynamo(): Promise<LoadOutcome> {
  const ddb = new DynamoDBClient({ region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" }, endpoint: target, maxAttempts: 1 });
  let ok = 0;
  let n = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  const item = eventBody("raw");
  const loop = async () => {
    while (performance.now() < end) {
      await ddb.send(
        new PutItemCommand({
          TableName: tableName,
          Item: { [TABLE_HASH_KEY]: { S: `raw-${process.pid}-${n++}` }, event: { S: item } },
          ConditionExpression: "attribute_not_exists(#key)",
          ExpressionAttributeNames: { "#key": TABLE_HASH_KEY },
        }),
      );
      ok++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  ddb.destroy();
  return { ok, seconds: (performance.now() - start) / 1000, statuses: { "200": ok } };
}

const cpuStart = process.cpuUsage();
(mode === "http" ? http() : dynamo()).then(
  (r) => {
    const cpu = process.cpuUsage(cpuStart);
    process.stdout.write(JSON.stringify({ ...r, perSec: r.ok / r.seconds, cpuMs: (cpu.user + cpu.system) / 1000 }) + "\n");
  },
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
