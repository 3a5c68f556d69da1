// Dependency failures, injected for real (a missing queue or table, a stopped server, a queue that
// refuses one entry of a batch): the client gets a 503 with Retry-After, never a 202, and no record
// is left that claims acceptance. Also lease takeover and the compensation's ownership check.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { CreateQueueCommand, SQSClient } from "@aws-sdk/client-sqs";
import { ingestFactory, makeIngestHandler } from "../../runtime/ingest-handler";
import { queryFactory } from "../../runtime/query-handler";
import { createDocumentClient, createSqsClient } from "../../runtime/aws-clients";
import { createDynamoEventStore } from "../../runtime/event-store";
import { createSqsEventQueue } from "../../runtime/event-queue";
import { createEventTypes } from "../../runtime/event-types";
import { createEnvelopeValidator } from "../../runtime/event-validator";
import { eventIdForKey, deriveKey, payloadHash } from "../../runtime/idempotency-key";
import { createLogger } from "../../runtime/log";
import { startDynalite } from "../../local/dynamodb/dynalite-server";
import { startSqs } from "../../local/sqs/sqs-server";
import {
  apiEvent,
  applyEnv,
  cloudEvent,
  createQueues,
  createTable,
  functionEnv,
  getEvent,
  json,
  lambdaContext,
  postEvent,
  receiveAll,
  startBackends,
  queueMessage,
  storedRecord,
  tableItems,
} from "./harness";
import { ITEM_ATTRIBUTES } from "../../runtime/contract/table";
import type { Backends } from "./harness";

interface Ctx {
  b: Backends;
  table: string;
  queueUrl: string;
  restore?: () => void;
}

const test = suite<Ctx>("dependency failures and lease ownership");

test.before(async (ctx) => {
  ctx.b = await startBackends();
  ctx.table = await createTable(ctx.b);
  ctx.queueUrl = (await createQueues(ctx.b)).queueUrl;
});

test.after.each((ctx) => {
  ctx.restore?.();
  ctx.restore = undefined;
});

test.after(async (ctx) => {
  await ctx.b.close();
});

function assertUnavailable(res: { statusCode: number; headers: Record<string, string>; body: string }): void {
  assert.is(res.statusCode, 503);
  assert.is(res.headers["content-type"], "application/problem+json");
  assert.is(json(res).type, "urn:sluice:problem:dependency-unavailable");
  assert.ok(Number(res.headers["retry-after"]) >= 1, "Retry-After present");
}

test("a send to a missing queue: 503, and the lease record is compensated away", async (ctx) => {
  const missing = ctx.queueUrl.replace(/[^/]+$/, "no-such-queue");
  ctx.restore = applyEnv(functionEnv(ctx.b, ctx.table, missing));
  const ingest = ingestFactory();
  const ev = cloudEvent();
  const res = await ingest(postEvent(ev), lambdaContext());
  assertUnavailable(res);
  const id = eventIdForKey(deriveKey({ source: String(ev.source), id: String(ev.id) }));
  assert.is(await storedRecord(ctx.b, ctx.table, id), undefined, "no record claims acceptance");
  // The client's retry, once the queue is back, goes through as a first request.
  ctx.restore();
  ctx.restore = applyEnv(functionEnv(ctx.b, ctx.table, ctx.queueUrl));
  const retry = await ingestFactory()(postEvent(ev), lambdaContext());
  assert.is(retry.statusCode, 202);
  assert.is(json(retry).id, id);
  assert.is((await receiveAll(ctx.b, ctx.queueUrl)).length, 1);
});

test("the SQS server stopped: 503 for single and batch, nothing left claiming acceptance", async (ctx) => {
  const sqs = await startSqs();
  const admin = new SQSClient({ region: "us-east-1", endpoint: sqs.endpoint, credentials: { accessKeyId: "x", secretAccessKey: "x" } });
  const { QueueUrl } = await admin.send(new CreateQueueCommand({ QueueName: "doomed" }));
  admin.destroy();
  ctx.restore = applyEnv({ ...functionEnv(ctx.b, ctx.table, QueueUrl!), AWS_ENDPOINT_URL_SQS: sqs.endpoint });
  const ingest = ingestFactory();
  await sqs.close();
  const before = (await tableItems(ctx.b, ctx.table)).length;
  assertUnavailable(await ingest(postEvent(cloudEvent()), lambdaContext()));
  const batch = await ingest(
    apiEvent({ method: "POST", path: "/events/batch", headers: { "content-type": "application/json" }, body: [cloudEvent(), cloudEvent()] }),
    lambdaContext(),
  );
  assertUnavailable(batch);
  assert.is((await tableItems(ctx.b, ctx.table)).length, before);
});

test("the table is missing or its server stopped: ingest and query answer 503, nothing queued", async (ctx) => {
  ctx.restore = applyEnv(functionEnv(ctx.b, "no-such-table", ctx.queueUrl));
  assertUnavailable(await ingestFactory()(postEvent(cloudEvent()), lambdaContext()));
  assertUnavailable(await queryFactory()(getEvent("evt_" + "a".repeat(32)), lambdaContext()));
  ctx.restore();

  const dynamo = await startDynalite();
  ctx.restore = applyEnv({ ...functionEnv(ctx.b, ctx.table, ctx.queueUrl), AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint });
  const ingest = ingestFactory();
  const query = queryFactory();
  await dynamo.close();
  assertUnavailable(await ingest(postEvent(cloudEvent()), lambdaContext()));
  assertUnavailable(await query(getEvent("evt_" + "a".repeat(32)), lambdaContext()));
  assert.equal(await receiveAll(ctx.b, ctx.queueUrl), []);
});

test("a batch whose SendMessageBatch fails one entry: 207, that item failed and compensated, the others queued", async (ctx) => {
  // SQS refuses, per entry, a message over the queue's MaximumMessageSize: a real partial Failed list.
  const small = await ctx.b.sqsClient.send(new CreateQueueCommand({ QueueName: "small-messages", Attributes: { MaximumMessageSize: "1024" } }));
  ctx.restore = applyEnv(functionEnv(ctx.b, ctx.table, small.QueueUrl!));
  const ingest = ingestFactory();
  const big = cloudEvent({ type: "sluice.webhook.received", data: { provider: "github", event: "push", payload: { blob: "x".repeat(1500) } } });
  const events = [cloudEvent(), big, cloudEvent()];
  const res = await ingest(apiEvent({ method: "POST", path: "/events/batch", headers: { "content-type": "application/json" }, body: events }), lambdaContext());
  assert.is(res.statusCode, 207, res.body);
  const items = json(res).items;
  assert.equal(items.map((i: { status: string }) => i.status), ["accepted", "rejected", "accepted"]);
  assert.is(items[1].httpStatus, 413, "the queue refused it for its size: the sender's fault, not a 5xx");
  assert.is(items[1].problem.type, "urn:sluice:problem:payload-too-large");
  assert.is(await storedRecord(ctx.b, ctx.table, items[1].id), undefined, "compensated");
  assert.is((await storedRecord(ctx.b, ctx.table, items[0].id))?.status, "accepted");
  const queued = (await receiveAll(ctx.b, small.QueueUrl!)).map((m) => queueMessage(m.body).id).sort();
  assert.equal(queued, [items[0].id, items[2].id].sort());

  // The same refusal on the single route: a 413 after compensation, not a 503 to retry forever.
  const lone = cloudEvent({ type: "sluice.webhook.received", data: big.data });
  const single = await ingest(postEvent(lone), lambdaContext());
  assert.is(single.statusCode, 413, single.body);
  assert.is(await storedRecord(ctx.b, ctx.table, eventIdForKey(deriveKey({ source: String(lone.source), id: String(lone.id) }))), undefined, "compensated");
  assert.is(json(single).type, "urn:sluice:problem:payload-too-large");
  assert.equal(await receiveAll(ctx.b, small.QueueUrl!), []);
});

test("lease takeover: a duplicate after an expired lease on the same payload re-sends; another payload is refused", async (ctx) => {
  ctx.restore = applyEnv(functionEnv(ctx.b, ctx.table, ctx.queueUrl));
  const registry = createEventTypes({ testEvents: true });
  const store = createDynamoEventStore(createDocumentClient(), ctx.table);
  let clock = Date.now();
  const ingest = makeIngestHandler({
    store,
    queue: createSqsEventQueue(createSqsClient(), ctx.queueUrl),
    validator: createEnvelopeValidator(registry, { unknownTypes: "reject" }),
    maxBodyBytes: 4096,
    windowSeconds: 3600,
    leaseSeconds: 30,
    log: createLogger({ fn: "ingest" }, { level: "silent" }),
    now: () => clock,
  });
  const ev = cloudEvent();
  const first = await ingest(postEvent(ev), lambdaContext());
  assert.is(first.statusCode, 202);
  assert.is((await ingest(postEvent(ev), lambdaContext())).statusCode, 409, "live lease");
  clock += 31_000;
  const other = await ingest(postEvent({ ...ev, subject: "changed" }), lambdaContext());
  assert.is(other.statusCode, 422, "an expired lease is never taken over by another payload");
  const again = await ingest(postEvent(ev), lambdaContext());
  assert.is(again.statusCode, 202, "the first ingest may have died before sending: send again");
  const bodies = await receiveAll(ctx.b, ctx.queueUrl);
  assert.is(bodies.length, 2, "two messages; the worker's condition makes them one record");
  assert.equal(new Set(bodies.map((m) => queueMessage(m.body).id)).size, 1);
});

test("compensation never deletes a record it did not acquire", async (ctx) => {
  const store = createDynamoEventStore(ctx.b.doc, ctx.table);
  const ev = cloudEvent();
  const pk = eventIdForKey(deriveKey({ source: String(ev.source), id: String(ev.id) }));
  const now = Date.now();
  const lease = { id: pk, payloadHash: payloadHash(ev), source: "s", type: "t", receivedAt: new Date(now).toISOString(), ttlSeconds: 0, leaseUntil: now + 30_000, leaseToken: "ours" };
  assert.equal(await store.acquire(lease, now), { written: true });
  assert.is(await store.release(pk, "someone-elses-token"), false);
  assert.is((await storedRecord(ctx.b, ctx.table, pk))?.[ITEM_ATTRIBUTES.leaseToken], "ours");
  const second = await store.acquire({ ...lease, leaseToken: "theirs" }, now);
  assert.is(second.written, false, "a live lease is not taken");
  assert.is(await store.release(pk, "ours"), true);
  assert.is(await storedRecord(ctx.b, ctx.table, pk), undefined);
});

test.run();
