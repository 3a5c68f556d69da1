// The worker under SQS semantics: partial batch responses, classification, poison messages and the
// DLQ (local-aws-sqs applies the redrive policy), duplicate deliveries and concurrent duplicates.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import {
  cloudEvent,
  drain,
  getEvent,
  json,
  lambdaContext,
  pollOnce,
  postEvent,
  queueDepth,
  receiveAll,
  startPipeline,
  queueMessage,
  storedDocument,
  storedRecord,
  tableItems,
} from "./harness";
import { encodeMessageBody } from "../../runtime/queue-message";
import type { Pipeline } from "./harness";

type Ctx = Pipeline;

const MAX_RECEIVES = 3;
const test = suite<Ctx>("worker: partial batches, poison, DLQ, duplicates");

test.before(async (ctx) => {
  Object.assign(ctx, await startPipeline({ maxReceiveCount: MAX_RECEIVES }));
});

test.after((ctx) => ctx.close());

async function accept(ctx: Ctx, ev: Record<string, unknown>): Promise<string> {
  const res = await ctx.ingest(postEvent(ev), lambdaContext());
  assert.is(res.statusCode, 202, res.body);
  return json(res).id;
}

test("50 concurrent requests with one key: exactly one stored record, one message, the rest 409", async (ctx) => {
  const ev = cloudEvent();
  const responses = await Promise.all(Array.from({ length: 50 }, () => ctx.ingest(postEvent(ev, { "idempotency-key": '"concurrent-1"' }), lambdaContext())));
  const statuses = responses.map((r) => r.statusCode);
  assert.is(statuses.filter((s) => s === 202).length, 1, `statuses: ${statuses.join(",")}`);
  assert.is(statuses.filter((s) => s === 409).length, 49);
  const id = json(responses.find((r) => r.statusCode === 202)!).id;
  assert.ok(responses.every((r) => r.statusCode === 202 || json(r).type === "urn:sluice:problem:idempotency-key-in-flight"));
  const items = await tableItems(ctx.b, ctx.table);
  assert.is(items.length, 1);
  assert.is((items[0].pk as { S?: string }).S, id);
  await drain(ctx.b, ctx.queueUrl, ctx.worker);
  // After processing, the same 50 are all replays of that one record.
  const replays = await Promise.all(Array.from({ length: 50 }, () => ctx.ingest(postEvent(ev, { "idempotency-key": '"concurrent-1"' }), lambdaContext())));
  assert.ok(replays.every((r) => r.statusCode === 202 && r.headers["idempotent-replayed"] === "true" && json(r).id === id));
  assert.is((await tableItems(ctx.b, ctx.table)).length, 1);
  assert.is(await queueDepth(ctx.b, ctx.queueUrl), 0);
  assert.is(json(await ctx.query(getEvent(id), lambdaContext())).status, "processed");
});

test("partial batch: one transient failure among ten, batchItemFailures names exactly that one", async (ctx) => {
  const ids: string[] = [];
  for (let i = 0; i < 9; i++) ids.push(await accept(ctx, cloudEvent()));
  const transientId = await accept(ctx, cloudEvent({ type: "sluice.test.fault", data: { mode: "transient" } }));
  const first = await pollOnce(ctx.b, ctx.queueUrl, ctx.worker);
  assert.is(first.delivered, 10);
  assert.is(first.failed.length, 1);
  for (const id of ids) assert.is((await storedRecord(ctx.b, ctx.table, id))?.status, "processed");
  const transient = await storedRecord(ctx.b, ctx.table, transientId);
  assert.is(transient?.status, "accepted", "a transient failure is not recorded as failed");
  // Retried until maxReceiveCount, then the queue moves it to the DLQ.
  await drain(ctx.b, ctx.queueUrl, ctx.worker);
  assert.is(await queueDepth(ctx.b, ctx.queueUrl), 0);
  const dead = await receiveAll(ctx.b, ctx.dlqUrl);
  assert.is(dead.length, 1);
  assert.is(queueMessage(dead[0].body).id, transientId);
});

test("poison records: permanent, processing and validation faults are stored failed and acked, never retried", async (ctx) => {
  const byMode: Record<string, string> = {};
  for (const mode of ["permanent", "processing", "validation"]) byMode[mode] = await accept(ctx, cloudEvent({ type: "sluice.test.fault", data: { mode } }));
  const okId = await accept(ctx, cloudEvent({ type: "sluice.test.fault", data: { mode: "ok" } }));
  const poll = await pollOnce(ctx.b, ctx.queueUrl, ctx.worker);
  assert.is(poll.delivered, 4);
  assert.equal(poll.failed, []);
  assert.is(await queueDepth(ctx.b, ctx.queueUrl), 0, "nothing left to retry");
  for (const [mode, id] of Object.entries(byMode)) {
    const view = json(await ctx.query(getEvent(id), lambdaContext()));
    assert.is(view.status, "failed", mode);
    assert.is(view.errorCategory, mode.toUpperCase(), mode);
    assert.ok(view.errorReason.includes("test fault"), mode);
  }
  assert.is(json(await ctx.query(getEvent(okId), lambdaContext())).status, "processed");
  // A retry of a failed event by its producer is a replay, not a second attempt.
  assert.equal(await receiveAll(ctx.b, ctx.dlqUrl), []);
});

test("timeout: a record that overruns its deadline is reported for retry and ends in the DLQ", async (ctx) => {
  const id = await accept(ctx, cloudEvent({ type: "sluice.test.fault", data: { mode: "timeout" } }));
  const okId = await accept(ctx, cloudEvent());
  const first = await pollOnce(ctx.b, ctx.queueUrl, ctx.worker, { remainingMs: 1000 });
  assert.is(first.delivered, 2);
  assert.is(first.failed.length, 1);
  assert.is((await storedRecord(ctx.b, ctx.table, okId))?.status, "processed", "the other record is not held back");
  await drain(ctx.b, ctx.queueUrl, ctx.worker, { remainingMs: 1000 });
  const dead = await receiveAll(ctx.b, ctx.dlqUrl);
  assert.equal(dead.map((d) => queueMessage(d.body).id), [id]);
});

test("an unparseable message is a batch item failure, redelivered until the DLQ takes it", async (ctx) => {
  await ctx.b.sqsClient.send(new SendMessageCommand({ QueueUrl: ctx.queueUrl, MessageBody: "this is not json" }));
  await ctx.b.sqsClient.send(new SendMessageCommand({ QueueUrl: ctx.queueUrl, MessageBody: JSON.stringify({ v: 2, id: "x" }) }));
  const polls = await drain(ctx.b, ctx.queueUrl, ctx.worker);
  assert.is(polls.length, MAX_RECEIVES, "received maxReceiveCount times, then gone");
  for (const p of polls) assert.is(p.failed.length, 2);
  const dead = await receiveAll(ctx.b, ctx.dlqUrl);
  assert.equal(dead.map((d) => d.body).sort(), ["this is not json", JSON.stringify({ v: 2, id: "x" })].sort());
});

test("duplicate delivery: the same message twice is stored once and acked", async (ctx) => {
  const ev = cloudEvent();
  const id = await accept(ctx, ev);
  const [queued] = await receiveAll(ctx.b, ctx.queueUrl);
  // Put the same body twice more: what SQS at-least-once delivery can do.
  await ctx.b.sqsClient.send(new SendMessageCommand({ QueueUrl: ctx.queueUrl, MessageBody: queued.body }));
  await ctx.b.sqsClient.send(new SendMessageCommand({ QueueUrl: ctx.queueUrl, MessageBody: queued.body }));
  const first = await pollOnce(ctx.b, ctx.queueUrl, ctx.worker, { batchSize: 1 });
  assert.equal(first.failed, []);
  const stored = await storedRecord(ctx.b, ctx.table, id);
  assert.is(stored?.status, "processed");
  const second = await pollOnce(ctx.b, ctx.queueUrl, ctx.worker, { batchSize: 1 });
  assert.equal(second.failed, []);
  assert.equal(await storedRecord(ctx.b, ctx.table, id), stored, "the duplicate changed nothing");
});

test("a message whose record is gone (compensated, yet delivered) creates the record", async (ctx) => {
  const ev = cloudEvent();
  const id = await accept(ctx, ev);
  const [queued] = await receiveAll(ctx.b, ctx.queueUrl);
  const { DeleteCommand } = await import("@aws-sdk/lib-dynamodb");
  await ctx.b.doc.send(new DeleteCommand({ TableName: ctx.table, Key: { pk: id } }));
  await ctx.b.sqsClient.send(new SendMessageCommand({ QueueUrl: ctx.queueUrl, MessageBody: queued.body }));
  await drain(ctx.b, ctx.queueUrl, ctx.worker);
  assert.is((await storedRecord(ctx.b, ctx.table, id))?.status, "processed");
});

test("a message for a key another payload owns never overwrites it", async (ctx) => {
  const ev = cloudEvent();
  const id = await accept(ctx, ev);
  const [queued] = await receiveAll(ctx.b, ctx.queueUrl);
  const original = queueMessage(queued.body);
  const forged = { ...original, payloadHash: "0".repeat(64), event: original.event.replace('"Ada"', '"Mallory"') };
  await ctx.b.sqsClient.send(new SendMessageCommand({ QueueUrl: ctx.queueUrl, MessageBody: encodeMessageBody(forged) }));
  await ctx.b.sqsClient.send(new SendMessageCommand({ QueueUrl: ctx.queueUrl, MessageBody: queued.body }));
  await drain(ctx.b, ctx.queueUrl, ctx.worker, { batchSize: 1 });
  const rec = await storedRecord(ctx.b, ctx.table, id);
  assert.is(rec?.status, "processed");
  assert.is(JSON.parse((await storedDocument(ctx.b, ctx.table, id))!.event).data.name, "Ada");
});

test.run();
