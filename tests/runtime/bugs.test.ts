// A bug is a 500, never a 503: each handler is given a thrown bug where it calls its store, its
// queue or its validator, and answers a problem with nothing of the error in it, logged with the
// stack. A 503 stays for a failed dependency call. The worker turns a bug into a stored failure,
// and a write the table refuses for the item itself into a minimal failed record, not a retry loop.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { makeIngestHandler } from "../../runtime/ingest-handler";
import { makeQueryHandler } from "../../runtime/query-handler";
import { makeWorkerHandler } from "../../runtime/worker-handler";
import { createDocumentClient, createSqsClient } from "../../runtime/aws-clients";
import { createDynamoEventIndex } from "../../runtime/event-index";
import { createDynamoEventStore } from "../../runtime/event-store";
import type { EventStore } from "../../runtime/event-store";
import { createSqsEventQueue } from "../../runtime/event-queue";
import type { EventQueue } from "../../runtime/event-queue";
import { createEventTypes } from "../../runtime/event-types";
import type { EventTypeRegistry } from "../../runtime/event-types";
import { createEnvelopeValidator } from "../../runtime/event-validator";
import { dependencyFailure } from "../../runtime/failure-classes";
import { createLogger } from "../../runtime/log";
import { ITEM_ATTRIBUTES } from "../../runtime/contract/table";
import { apiEvent, applyEnv, cloudEvent, createQueues, createTable, functionEnv, getEvent, json, lambdaContext, pollOnce, postEvent, receiveAll, startBackends, storedRecord, tableItems } from "./harness";
import type { Backends } from "./harness";

interface Ctx {
  b: Backends;
  table: string;
  queueUrl: string;
  restore: () => void;
  lines: string[];
}

const test = suite<Ctx>("bugs are 500s, failed dependencies 503s, impossible writes a minimal failed record");

test.before(async (ctx) => {
  ctx.b = await startBackends();
  ctx.table = await createTable(ctx.b);
  ctx.queueUrl = (await createQueues(ctx.b)).queueUrl;
  ctx.restore = applyEnv(functionEnv(ctx.b, ctx.table, ctx.queueUrl));
  ctx.lines = [];
});
test.after(async (ctx) => {
  ctx.restore();
  await ctx.b.close();
});

const BUG = "bug: undefined is not a function (secret internals)";
const bug = () => new TypeError(BUG);

function parts(ctx: Ctx) {
  const registry = createEventTypes({ testEvents: true });
  return {
    registry,
    store: createDynamoEventStore(createDocumentClient(), ctx.table),
    index: createDynamoEventIndex(createDocumentClient(), ctx.table),
    queue: createSqsEventQueue(createSqsClient(), ctx.queueUrl),
    validator: createEnvelopeValidator(registry, { unknownTypes: "reject" }),
    log: createLogger({ fn: "test" }, { level: "error", sink: (line: string) => ctx.lines.push(line) }),
  };
}

function ingestWith(ctx: Ctx, override: Partial<{ store: EventStore; queue: EventQueue; validator: ReturnType<typeof createEnvelopeValidator> }>) {
  return makeIngestHandler({ ...parts(ctx), ...override, maxBodyBytes: 4096, windowSeconds: 3600, leaseSeconds: 30 });
}

function assertBug(ctx: Ctx, res: { statusCode: number; headers: Record<string, string>; body: string }, what: string): void {
  assert.is(res.statusCode, 500, `${what}: ${res.body}`);
  assert.is(res.headers["content-type"], "application/problem+json");
  assert.is(json(res).type, "urn:sluice:problem:internal-error");
  assert.is(res.headers["retry-after"], undefined, "nothing invites a retry");
  assert.not.ok(res.body.includes("secret internals") || res.body.includes("TypeError"), `${what}: no internals in the answer`);
  const logged = ctx.lines.map((l) => JSON.parse(l)).find((l) => l.msg.includes("answered 500") && l.errorMessage === BUG);
  assert.ok(logged && String(logged.stack).includes("TypeError"), `${what}: logged with its stack`);
  assert.is(logged.requestId, json(res).instance.replace("urn:sluice:request:", ""), "under the request id the problem names");
  ctx.lines.length = 0;
}

test("ingest: a bug in the store, the queue or the validator is a 500; the lease taken before a queue bug is given back", async (ctx) => {
  const { store, queue, validator } = parts(ctx);
  const brokenStore: EventStore = { ...store, acquire: async () => Promise.reject(bug()) };
  assertBug(ctx, await ingestWith(ctx, { store: brokenStore })(postEvent(cloudEvent()), lambdaContext()), "store bug");
  const brokenValidator = { ...validator, check: () => { throw bug(); } };
  assertBug(ctx, await ingestWith(ctx, { validator: brokenValidator })(postEvent(cloudEvent()), lambdaContext()), "validator bug");
  const before = (await tableItems(ctx.b, ctx.table)).length;
  const brokenQueue: EventQueue = { send: async () => Promise.reject(bug()), sendBatch: async () => Promise.reject(bug()) };
  assertBug(ctx, await ingestWith(ctx, { queue: brokenQueue })(postEvent(cloudEvent()), lambdaContext()), "queue bug");
  const batch = { method: "POST", path: "/events/batch", headers: { "content-type": "application/json" }, body: [cloudEvent(), cloudEvent()] };
  assertBug(ctx, await ingestWith(ctx, { queue: brokenQueue })(apiEvent(batch), lambdaContext()), "batch queue bug");
  assert.is((await tableItems(ctx.b, ctx.table)).length, before, "every lease given back");
  assert.equal(await receiveAll(ctx.b, ctx.queueUrl), []);
});

test("ingest and query: a failed dependency call is still a 503 with Retry-After", async (ctx) => {
  const { store } = parts(ctx);
  const down = () => dependencyFailure(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }), "dynamodb");
  const res = await ingestWith(ctx, { store: { ...store, acquire: async () => Promise.reject(down()) } })(postEvent(cloudEvent()), lambdaContext());
  assert.is(res.statusCode, 503);
  assert.is(res.headers["retry-after"], "2");
  const query = makeQueryHandler({ store: { ...store, get: async () => Promise.reject(down()) }, index: parts(ctx).index, listIndex: false, stage: "t", version: "v", demoSource: false, log: parts(ctx).log });
  const q = await query(getEvent("evt_" + "1".repeat(32)), lambdaContext());
  assert.is(q.statusCode, 503);
});

test("query: a bug reading the store is a 500", async (ctx) => {
  const { store, index, log } = parts(ctx);
  const query = makeQueryHandler({ store: { ...store, get: async () => Promise.reject(bug()) }, index, listIndex: false, stage: "t", version: "v", demoSource: false, log });
  assertBug(ctx, await query(getEvent("evt_" + "2".repeat(32)), lambdaContext()), "query store bug");
});

test("worker: a bug while checking an event is a PROCESSING failure, stored with the event and acked", async (ctx) => {
  const p = parts(ctx);
  const ingest = ingestWith(ctx, {});
  const accepted = await ingest(postEvent(cloudEvent()), lambdaContext());
  assert.is(accepted.statusCode, 202);
  const registry: EventTypeRegistry = { ...p.registry, validate: () => { throw bug(); } };
  const worker = makeWorkerHandler({ ...p, validator: createEnvelopeValidator(registry), registry, windowSeconds: 3600, retentionDays: 0 });
  const poll = await pollOnce(ctx.b, ctx.queueUrl, worker);
  assert.equal(poll.failed, [], "acked, not retried");
  const rec = await storedRecord(ctx.b, ctx.table, json(accepted).id);
  assert.is(rec?.status, "failed");
  assert.is(rec?.[ITEM_ATTRIBUTES.errorCategory], "PROCESSING");
  assert.ok(rec?.[ITEM_ATTRIBUTES.document], "the event is kept, to be replayed once the bug is fixed");
});

test("worker: a write the table refuses for the item itself is PERMANENT: a minimal failed record, never a retry loop", async (ctx) => {
  const p = parts(ctx);
  const accepted = await ingestWith(ctx, {})(postEvent(cloudEvent()), lambdaContext());
  const id = json(accepted).id;
  // What DynamoDB answers for an item over 400 KB: a client error about this item.
  const tooLarge = () => dependencyFailure(Object.assign(new Error("Item size has exceeded the maximum allowed size"), { name: "ValidationException", $fault: "client", $metadata: { httpStatusCode: 400 } }), "dynamodb");
  let attempts = 0;
  const store: EventStore = {
    ...p.store,
    complete: async (rec) => {
      attempts++;
      if (rec.document) throw tooLarge();
      return p.store.complete(rec);
    },
  };
  const worker = makeWorkerHandler({ ...p, store, windowSeconds: 3600, retentionDays: 0 });
  const poll = await pollOnce(ctx.b, ctx.queueUrl, worker);
  assert.equal(poll.failed, [], "acked");
  assert.is(attempts, 2, "the event's write, then the minimal record: the full failure record is not tried again");
  const rec = await storedRecord(ctx.b, ctx.table, id);
  assert.is(rec?.status, "failed");
  assert.is(rec?.[ITEM_ATTRIBUTES.errorCategory], "PERMANENT");
  assert.match(String(rec?.[ITEM_ATTRIBUTES.errorReason]), /could not be stored/);
  assert.is(rec?.[ITEM_ATTRIBUTES.document], undefined, "no event in the minimal record");
  assert.is(rec?.[ITEM_ATTRIBUTES.leaseToken], undefined);
  const view = json(await makeQueryHandler({ store: p.store, index: p.index, listIndex: false, stage: "t", version: "v", demoSource: false, log: p.log })(getEvent(id), lambdaContext()));
  assert.equal([view.status, view.errorCategory, view.event], ["failed", "PERMANENT", undefined]);
});

test.run();
