// What an event costs in the table and how long it stays: the lease and the final record of a 1 KB
// event each take one write unit (as dynalite counts them, from the items themselves), the item
// holds one binary document and the few attributes queries need, and a processed event is kept
// for `eventRetentionDays` (never less than the idempotency window), or for good with 0.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { makeWorkerHandler } from "../../runtime/worker-handler";
import { createDocumentClient } from "../../runtime/aws-clients";
import { createDynamoEventStore } from "../../runtime/event-store";
import { createEventTypes } from "../../runtime/event-types";
import { createEnvelopeValidator } from "../../runtime/event-validator";
import { createLogger } from "../../runtime/log";
import { ITEM_ATTRIBUTES, TABLE_TTL_ATTRIBUTE } from "../../runtime/contract/table";
import { eventBody, EVENT_BYTES } from "../../bench/event";
import { apiEvent, createTable, json, lambdaContext, pollOnce, startPipeline } from "./harness";
import type { Pipeline } from "./harness";

interface Ctx extends Pipeline {
  scratch: string;
}

const test = suite<Ctx>("stored form: write units, attributes, retention");

test.before(async (ctx) => {
  Object.assign(ctx, await startPipeline({ env: { SLUICE_UNKNOWN_TYPES: "accept", SLUICE_MAX_BODY_BYTES: "204800" } }));
  ctx.scratch = await createTable(ctx.b);
});
test.after((ctx) => ctx.close());

async function rawItem(ctx: Ctx, id: string): Promise<Record<string, AttributeValue>> {
  const out = await ctx.b.ddb.send(new GetItemCommand({ TableName: ctx.table, Key: { pk: { S: id } }, ConsistentRead: true }));
  if (!out.Item) throw new Error(`no item ${id}`);
  return out.Item;
}

/** Write units dynalite charges for putting this exact item (its own size rules, not ours). */
async function writeUnits(ctx: Ctx, item: Record<string, AttributeValue>): Promise<number> {
  const out = await ctx.b.ddb.send(new PutItemCommand({ TableName: ctx.scratch, Item: item, ReturnConsumedCapacity: "TOTAL" }));
  return out.ConsumedCapacity?.CapacityUnits ?? NaN;
}

function post(ctx: Ctx, body: string) {
  return ctx.ingest(apiEvent({ method: "POST", path: "/events", headers: { "content-type": "application/cloudevents+json" }, body }), lambdaContext());
}

function worker(retentionDays: number, windowSeconds = 3600) {
  const registry = createEventTypes({});
  return makeWorkerHandler({
    store: createDynamoEventStore(createDocumentClient(), process.env.SLUICE_TABLE_NAME!),
    registry,
    validator: createEnvelopeValidator(registry, { unknownTypes: "accept" }),
    windowSeconds,
    retentionDays,
    log: createLogger({ fn: "worker" }, { level: "silent" }),
  });
}

test("a 1 KB event: 1 write unit for the lease, 1 for the final record", async (ctx) => {
  const body = eventBody(`wcu-${Date.now()}`);
  assert.is(Buffer.byteLength(body), EVENT_BYTES);
  const res = await post(ctx, body);
  assert.is(res.statusCode, 202, res.body);
  const id = json(res).id;
  const lease = await rawItem(ctx, id);
  assert.is(await writeUnits(ctx, lease), 1, "the lease");
  await pollOnce(ctx.b, ctx.queueUrl, ctx.worker);
  const final = await rawItem(ctx, id);
  assert.is(final[ITEM_ATTRIBUTES.status].S, "processed");
  assert.is(await writeUnits(ctx, final), 1, "the final record, event included");
});

test("a 1 KB event with little to compress still fits one write unit", async (ctx) => {
  // Random-looking text compresses far less than the bench's padding.
  const words = Array.from({ length: 200 }, (_, i) => ((i * 2654435761) >>> 0).toString(36)).join(" ");
  const body = JSON.stringify({ specversion: "1.0", id: `dense-${Date.now()}`, source: "urn:sluice:dense", type: "com.example.dense", data: { text: words.slice(0, 820) } });
  assert.ok(Buffer.byteLength(body) >= 900 && Buffer.byteLength(body) <= 1024, `${Buffer.byteLength(body)} bytes`);
  const res = await post(ctx, body);
  await pollOnce(ctx.b, ctx.queueUrl, ctx.worker);
  assert.is(await writeUnits(ctx, await rawItem(ctx, json(res).id)), 1);
});

test("the item holds one binary document and the attributes queries and conditions need, nothing of the event as a map", async (ctx) => {
  const res = await post(ctx, eventBody(`attrs-${Date.now()}`));
  await pollOnce(ctx.b, ctx.queueUrl, ctx.worker);
  const item = await rawItem(ctx, json(res).id);
  const A = ITEM_ATTRIBUTES;
  assert.equal(Object.keys(item).sort(), ["pk", A.status, A.payloadHash, A.source, A.type, A.receivedAt, A.processedAt, A.attempts, A.document, TABLE_TTL_ATTRIBUTE].sort());
  assert.ok(item[A.document].B && item[A.payloadHash].B?.byteLength === 32);
  assert.is(item[A.source].S, "bench/sluice");
  assert.is(item[A.type].S, "sluice.webhook.received");
  assert.ok(Object.values(item).every((v) => v.M === undefined && v.L === undefined), "no map or list attribute");
});

test("retention: kept for good with 0 (the lease's TTL removed), N days otherwise, never less than the key window", async (ctx) => {
  const cases: { retentionDays: number; windowSeconds: number; ttlAfterReceipt: number | undefined }[] = [
    { retentionDays: 0, windowSeconds: 3600, ttlAfterReceipt: undefined },
    { retentionDays: 7, windowSeconds: 3600, ttlAfterReceipt: 7 * 86400 },
    { retentionDays: 1, windowSeconds: 2 * 86400, ttlAfterReceipt: 2 * 86400 },
  ];
  for (const c of cases) {
    const res = await post(ctx, eventBody(`ttl-${c.retentionDays}-${Date.now()}`));
    const id = json(res).id;
    const lease = await rawItem(ctx, id);
    assert.ok(Number(lease[TABLE_TTL_ATTRIBUTE].N) > Date.now() / 1000, "the lease expires with the key window");
    await pollOnce(ctx.b, ctx.queueUrl, worker(c.retentionDays, c.windowSeconds));
    const final = await rawItem(ctx, id);
    const receivedSeconds = Math.floor(Date.parse(final[ITEM_ATTRIBUTES.receivedAt].S!) / 1000);
    const ttl = final[TABLE_TTL_ATTRIBUTE]?.N;
    assert.is(ttl === undefined ? undefined : Number(ttl) - receivedSeconds, c.ttlAfterReceipt, JSON.stringify(c));
  }
});

test.run();
