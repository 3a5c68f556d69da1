// Fan-out against the EventBridge twin (local/eventbridge/), with the worker built by its factory
// from the environment the program writes: every stored event is published once per store, with
// its trace header; an entry the bus refuses (a partial FailedEntryCount) retries only its record,
// whose redelivery publishes again without storing again; `failures` publishes only failed events.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from "../../local/aws/local-account";
import { startBusServer, type BusServer } from "../../local/eventbridge/bus-server";
import type { RecordedEvent } from "../../local/eventbridge/put-events";
import { FAN_OUT_DETAIL_TYPES, FAN_OUT_SOURCE } from "../../runtime/contract/fan-out";
import { workerFactory } from "../../runtime/worker-handler";
import { applyEnv, cloudEvent, drain, json, lambdaContext, postEvent, startPipeline, storedRecord, type Pipeline } from "./harness";

interface Ctx extends Pipeline {
  bus: BusServer;
  dir: string;
  /** The bus twin's random draws, in order; then `otherwise`. A fault fails a draw below its rate. */
  draws: number[];
  otherwise: number;
}

const BUS = "sluice-test-fanout";
const TRACE = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";

const test = suite<Ctx>("fan-out: the worker publishes what it stored, at least once");
test.before(async (ctx) => {
  ctx.dir = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-bus-"));
  ctx.draws = [];
  ctx.otherwise = 1;
  // A scripted fault: each entry fails when the next scripted draw is below the rate.
  ctx.bus = await startBusServer({ eventsFile: path.join(ctx.dir, "events.jsonl"), accountId: LOCAL_ACCOUNT_ID, region: LOCAL_REGION, buses: () => [BUS], gate: () => undefined, log: () => {}, random: () => ctx.draws.shift() ?? ctx.otherwise });
  Object.assign(ctx, await startPipeline({ maxReceiveCount: 4, env: { SLUICE_PUBLISH: "all", SLUICE_EVENT_BUS_NAME: BUS, AWS_ENDPOINT_URL_EVENTBRIDGE: ctx.bus.endpoint } }));
});
test.after(async (ctx) => {
  await ctx.close();
  await ctx.bus.close();
  fs.rmSync(ctx.dir, { recursive: true, force: true });
});

async function accept(ctx: Ctx, ev: Record<string, unknown>): Promise<string> {
  // What Lambda sets for the ingest's invocation: the trace travels with the message.
  const restore = applyEnv({ _X_AMZN_TRACE_ID: TRACE });
  try {
    const res = await ctx.ingest(postEvent(ev), lambdaContext());
    assert.is(res.statusCode, 202, res.body);
    return json(res).id;
  } finally {
    restore();
  }
}

function publishedFor(ctx: Ctx, ids: string[]): RecordedEvent[] {
  return ctx.bus.events().filter((e) => ids.includes((e.detail as { id: string }).id));
}

test("all: every stored event once, processed and failed, with its detail, the event itself and the trace", async (ctx) => {
  const events = [cloudEvent(), cloudEvent(), cloudEvent()];
  const ids: string[] = [];
  for (const ev of events) ids.push(await accept(ctx, ev));
  const failedId = await accept(ctx, cloudEvent({ type: "sluice.test.fault", data: { mode: "validation" } }));
  await drain(ctx.b, ctx.queueUrl, ctx.worker);
  const published = publishedFor(ctx, [...ids, failedId]);
  assert.equal(published.map((e) => (e.detail as { id: string }).id).sort(), [...ids, failedId].sort(), "each once");
  for (const e of published) {
    const d = e.detail as Record<string, any>;
    assert.is(e.source, FAN_OUT_SOURCE);
    assert.is(e["event-bus-name"], BUS);
    assert.is(e["trace-header"], TRACE, "the ingest's trace reaches the published event");
    const stored = await storedRecord(ctx.b, ctx.table, d.id);
    assert.is(d.status, stored?.status);
    assert.is(e["detail-type"], FAN_OUT_DETAIL_TYPES[d.status as "processed" | "failed"]);
    assert.is(d.receivedAt, stored?.receivedAt);
    assert.is(d.processedAt, stored?.pa);
    assert.is(d.redelivered, undefined);
  }
  const failed = published.find((e) => (e.detail as { id: string }).id === failedId)!.detail as Record<string, any>;
  assert.is(failed.errorCategory, "VALIDATION");
  assert.ok(failed.event, "a failed event carries the event, for a replay");
  const third = published.find((e) => (e.detail as { id: string }).id === ids[2])!.detail as Record<string, any>;
  assert.equal(third.event.id, events[2].id);
});

test("a partial FailedEntryCount retries only the refused records; their redelivery publishes again and stores nothing twice", async (ctx) => {
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) ids.push(await accept(ctx, cloudEvent({ data: { id: String(i), name: "n", active: "true" } })));
  const before = ctx.bus.events().length;
  // The first PutEvents of the batch: entries 2 and 4 refused; everything after succeeds.
  ctx.draws.push(1, 0, 1, 0);
  ctx.bus.setFault({ mode: "entries", rate: 0.5 });
  const first = await drain(ctx.b, ctx.queueUrl, ctx.worker, { maxPolls: 1 });
  ctx.bus.setFault(undefined);
  assert.is(first[0].failed.length, 2, "exactly the two refused records are retried");
  const storedOnce = await Promise.all(ids.map((id) => storedRecord(ctx.b, ctx.table, id)));
  assert.ok(storedOnce.every((r) => r?.status === "processed"), "all four are stored before publishing");
  await drain(ctx.b, ctx.queueUrl, ctx.worker);
  const published = ctx.bus.events().slice(before);
  const byId = (id: string) => published.filter((e) => (e.detail as { id: string }).id === id);
  for (const id of ids) assert.is(byId(id).length, 1, `${id} published once, after its retry where refused`);
  const retried = published.filter((e) => (e.detail as { redelivered?: boolean }).redelivered);
  assert.is(retried.length, 2, "the retried ones say they are redeliveries");
  // Stored once: the redelivery found them stored and wrote nothing.
  for (const [i, id] of ids.entries()) assert.equal(await storedRecord(ctx.b, ctx.table, id), storedOnce[i]);
});

test("a bus that fails every request: nothing is lost, each record is retried until the bus answers", async (ctx) => {
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push(await accept(ctx, cloudEvent()));
  ctx.otherwise = 0;
  ctx.bus.setFault({ mode: "request", rate: 1 });
  const polls = await drain(ctx.b, ctx.queueUrl, ctx.worker, { maxPolls: 1 });
  assert.is(polls[0].invocationFailed, true, "every record failed: the invocation fails");
  assert.equal(publishedFor(ctx, ids), []);
  ctx.bus.setFault(undefined);
  ctx.otherwise = 1;
  await drain(ctx.b, ctx.queueUrl, ctx.worker);
  assert.equal(publishedFor(ctx, ids).map((e) => (e.detail as { id: string }).id).sort(), [...ids].sort());
});

test("failures: only events stored as failed are published", async (ctx) => {
  const restore = applyEnv({ SLUICE_PUBLISH: "failures" });
  let worker;
  try {
    worker = workerFactory();
  } finally {
    restore();
  }
  const ok = await accept(ctx, cloudEvent());
  const bad = await accept(ctx, cloudEvent({ type: "sluice.test.fault", data: { mode: "permanent" } }));
  await drain(ctx.b, ctx.queueUrl, worker);
  assert.equal(publishedFor(ctx, [ok, bad]).map((e) => [(e.detail as { id: string }).id, e["detail-type"]]), [[bad, FAN_OUT_DETAIL_TYPES.failed]]);
});

test.run();
