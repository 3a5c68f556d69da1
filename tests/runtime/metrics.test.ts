// The metrics a run really writes: the handlers built by their factories (as the archives build
// them, at prod's `warn`) write EMF lines to stdout; this suite reads them back, sums them the way
// CloudWatch would, and checks every count and latency against what the run sent and stored.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { apiEvent, cloudEvent, drain, json, lambdaContext, postEvent, receiveAll, startPipeline, tableItems, type Pipeline } from "./harness";
import { METRICS_NAMESPACE, metricDimensionSets, PIPELINE_METRICS, type SluiceMetric } from "../../runtime/contract/metrics";

interface Emf {
  /** metric → summed value per dimension key (`Stage=test` or `Category=TRANSIENT,Stage=test`). */
  sums: Record<string, Record<string, number>>;
  /** metric → every value, Stage-level series. */
  values: Record<string, number[]>;
  lines: number;
}

/** Reads EMF documents as CloudWatch does: each directive's metrics, for each of its dimension sets. */
function readEmf(lines: string[]): Emf {
  const out: Emf = { sums: {}, values: {}, lines: 0 };
  for (const line of lines) {
    const doc = JSON.parse(line);
    out.lines += 1;
    assert.type(doc._aws.Timestamp, "number");
    assert.is(doc.level, "warn", "passes Lambda's filter at warn");
    for (const d of doc._aws.CloudWatchMetrics as { Namespace: string; Dimensions: string[][]; Metrics: { Name: SluiceMetric }[] }[]) {
      assert.is(d.Namespace, METRICS_NAMESPACE);
      for (const m of d.Metrics) {
        assert.ok(m.Name in PIPELINE_METRICS, m.Name);
        const raw = doc[m.Name] as number | number[];
        const values = Array.isArray(raw) ? raw : [raw];
        for (const set of d.Dimensions) {
          assert.ok(metricDimensionSets(m.Name).some((s) => s.join() === [...set].sort().join()), `${m.Name} per ${set}`);
          const key = [...set].sort().map((k) => `${k}=${doc[k]}`).join(",");
          (out.sums[m.Name] ??= {})[key] = (out.sums[m.Name][key] ?? 0) + values.reduce((a, b) => a + b, 0);
          if (set.length === 1) (out.values[m.Name] ??= []).push(...values);
        }
      }
    }
  }
  return out;
}

/** Runs `work` with stdout captured; returns the EMF lines it wrote (other lines are dropped). */
async function emfOf(work: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    for (const l of String(chunk).split("\n")) if (l.startsWith('{"_aws":')) lines.push(l);
    const done = rest.find((r) => typeof r === "function") as (() => void) | undefined;
    done?.();
    return true;
  }) as typeof process.stdout.write;
  try {
    await work();
  } finally {
    process.stdout.write = write;
  }
  return lines;
}

const test = suite<Pipeline>("metrics: the EMF lines of a run");
test.before(async (ctx) => {
  Object.assign(ctx, await startPipeline({ maxReceiveCount: 2, env: { SLUICE_LOG_LEVEL: "warn" } }));
});
test.after((ctx) => ctx.close());

test("ingest and worker: accepted, replayed, rejected by reason, in flight, processed, failed by category, retried, latencies", async (ctx) => {
  const stage = "Stage=test";
  const post = (ev: unknown, headers: Record<string, string> = {}) => ctx.ingest(postEvent(ev, headers), lambdaContext());
  const fresh = Array.from({ length: 5 }, () => cloudEvent());
  const faults = ["validation", "permanent", "transient"].map((mode) => cloudEvent({ type: "sluice.test.fault", data: { mode } }));
  let requests = 0;
  const lines = await emfOf(async () => {
    for (const ev of [...fresh, ...faults]) assert.is((await post(ev)).statusCode, 202);
    // The same event again before the worker ran: in flight.
    assert.is((await post(fresh[0])).statusCode, 409);
    assert.is((await ctx.ingest(apiEvent({ method: "POST", path: "/events", headers: { "content-type": "application/json" }, body: "{nope" }), lambdaContext())).statusCode, 400);
    assert.is((await post(cloudEvent({ data: { id: "forty-two", name: "Ada", active: "true" } }))).statusCode, 422, "the demo type wants an integer id");
    const batch = [cloudEvent(), cloudEvent(), { ...cloudEvent(), specversion: "0.3" }];
    const b = await ctx.ingest(apiEvent({ method: "POST", path: "/events/batch", headers: { "content-type": "application/cloudevents-batch+json" }, body: batch }), lambdaContext());
    assert.is(b.statusCode, 207, b.body);
    requests = 5 + 3 + 1 + 1 + 1 + 1;
    // The worker: every message, the transient one retried until the DLQ takes it.
    await drain(ctx.b, ctx.queueUrl, ctx.worker);
    assert.is((await receiveAll(ctx.b, ctx.dlqUrl)).length, 1, "the transient event is in the DLQ");
    // Once stored, the same event again is a replay.
    const again = await post(fresh[1]);
    assert.is(again.headers["idempotent-replayed"], "true");
    requests += 1;
  });
  const emf = readEmf(lines);
  const sum = (metric: SluiceMetric, key = stage) => emf.sums[metric]?.[key] ?? 0;
  // Ingest: one line per request.
  assert.is(emf.values.IngestMs?.length, requests, "one latency per request");
  assert.ok(emf.values.IngestMs.every((v) => v >= 0 && Number.isInteger(v)));
  assert.is(sum("Accepted"), 5 + 3 + 2);
  assert.is(sum("Replayed"), 1);
  assert.is(sum("InFlight"), 1);
  assert.is(sum("Rejected"), 3);
  assert.is(sum("Rejected", `Reason=invalid-json,${stage}`), 1);
  assert.is(sum("Rejected", `Reason=validation-failed,${stage}`), 2);
  // Worker: 5 + 2 demo events processed, two stored failed, the transient one failing each of its 2 receives.
  assert.is(sum("Processed"), 7);
  assert.is(sum("Failed", `Category=VALIDATION,${stage}`), 1);
  assert.is(sum("Failed", `Category=PERMANENT,${stage}`), 1);
  assert.is(sum("Failed", `Category=TRANSIENT,${stage}`), 2);
  assert.is(sum("Failed"), 4);
  assert.is(sum("Retried"), 2);
  assert.is(sum("Poison"), 0);
  // End to end: one value per record stored, and exactly processedAt − receivedAt of the stored items.
  const stored = (await tableItems(ctx.b, ctx.table)).filter((i) => ["processed", "failed"].includes((i.status as { S: string }).S));
  const expected = stored.map((i) => Date.parse((i.pa as { S: string }).S) - Date.parse((i.receivedAt as { S: string }).S)).sort((a, b) => a - b);
  assert.equal([...emf.values.EndToEndMs].sort((a, b) => a - b), expected);
});

test("a poison message and a duplicate delivery are counted as such", async (ctx) => {
  const ev = cloudEvent();
  const lines = await emfOf(async () => {
    const res = await ctx.ingest(postEvent(ev), lambdaContext());
    assert.is(res.statusCode, 202);
    const [queued] = await receiveAll(ctx.b, ctx.queueUrl);
    await ctx.b.sqsClient.send(new SendMessageCommand({ QueueUrl: ctx.queueUrl, MessageBody: queued.body }));
    await drain(ctx.b, ctx.queueUrl, ctx.worker, { batchSize: 1 });
    await ctx.b.sqsClient.send(new SendMessageCommand({ QueueUrl: ctx.queueUrl, MessageBody: queued.body }));
    await ctx.b.sqsClient.send(new SendMessageCommand({ QueueUrl: ctx.queueUrl, MessageBody: "not a message" }));
    await drain(ctx.b, ctx.queueUrl, ctx.worker);
    assert.is(json(res).status, "accepted");
  });
  const emf = readEmf(lines);
  assert.is(emf.sums.Processed?.["Stage=test"], 1);
  assert.is(emf.sums.Duplicates?.["Stage=test"], 1);
  assert.is(emf.sums.Poison?.["Stage=test"], 2, "received twice (maxReceiveCount 2), then the DLQ");
  assert.is(emf.sums.Retried?.["Stage=test"], 2);
});

test.run();
