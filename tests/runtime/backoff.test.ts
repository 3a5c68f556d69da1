// Retries that back off, and a fully failed batch that fails the invocation, against real
// local-aws-sqs and dynalite: the worker sets a retried record's visibility from its receive count
// (the SQS twin applies it, and does not count it as a receive), and when every record of a batch
// fails, because the table is down, the invocation throws and every message comes back.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient, type Message } from "@aws-sdk/client-sqs";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { SQSEvent } from "aws-lambda";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../local/aws/local-account";
import { createDocumentClient } from "../../runtime/aws-clients";
import { createDynamoEventStore } from "../../runtime/event-store";
import { createEventTypes } from "../../runtime/event-types";
import { createEnvelopeValidator } from "../../runtime/event-validator";
import { createLogger } from "../../runtime/log";
import { createSqsVisibilityChanger } from "../../runtime/retry-backoff";
import { makeWorkerHandler } from "../../runtime/worker-handler";
import { cloudEvent, json, lambdaContext, postEvent, queueDepth, receiveAll, startPipeline, storedRecord, tableItems, type Pipeline } from "./harness";

const test = suite<Pipeline>("backoff and fully failed batches");
test.before(async (ctx) => {
  Object.assign(ctx, await startPipeline({ maxReceiveCount: 5 }));
});
test.after((ctx) => ctx.close());

const silent = createLogger({}, { level: "silent" });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A worker on the pipeline's table (or the given client's) with backoff; `random` fixes the jitter. */
function worker(ctx: Pipeline, opts: { random?: () => number; doc?: DynamoDBDocumentClient; sqs?: SQSClient } = {}) {
  const registry = createEventTypes({ testEvents: true });
  return makeWorkerHandler({
    store: createDynamoEventStore(opts.doc ?? createDocumentClient(), ctx.table),
    registry,
    validator: createEnvelopeValidator(registry, { unknownTypes: "reject" }),
    windowSeconds: 3600,
    retentionDays: 7,
    log: silent,
    settlement: { publish: "none", visibility: createSqsVisibilityChanger(opts.sqs ?? ctx.b.sqsClient, ctx.queueUrl, silent), retry: { baseSeconds: 1, maxSeconds: 8 }, random: opts.random },
  });
}

function sqsEvent(messages: Message[]): SQSEvent {
  return {
    Records: messages.map((m) => ({
      messageId: m.MessageId!,
      receiptHandle: m.ReceiptHandle!,
      body: m.Body!,
      attributes: { ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? "1", SentTimestamp: "0", SenderId: "local", ApproximateFirstReceiveTimestamp: "0" },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:us-east-1:123456789012:local",
      awsRegion: "us-east-1",
    })),
  };
}

/** Receives with a 30 s visibility: only the worker's own change brings a message back sooner. */
async function receive(ctx: Pipeline, max = 10): Promise<Message[]> {
  // local-aws-sqs reads only the older AttributeNames; AWS takes both.
  const out = await ctx.b.sqsClient.send(new ReceiveMessageCommand({ QueueUrl: ctx.queueUrl, MaxNumberOfMessages: max, WaitTimeSeconds: 0, VisibilityTimeout: 30, MessageSystemAttributeNames: ["All"], AttributeNames: ["All"] as never }));
  return out.Messages ?? [];
}

/** Waits for the next receivable batch; returns it and how long it took. */
async function nextBatch(ctx: Pipeline, limitMs = 15_000): Promise<{ messages: Message[]; waitedMs: number }> {
  const start = Date.now();
  while (Date.now() - start < limitMs) {
    const messages = await receive(ctx);
    if (messages.length > 0) return { messages, waitedMs: Date.now() - start };
    await sleep(50);
  }
  throw new Error(`nothing came back within ${limitMs} ms`);
}

test("a retried record's visibility grows with its receive count, and the SQS twin applies it without counting a receive", async (ctx) => {
  const accepted = await ctx.ingest(postEvent(cloudEvent({ type: "sluice.test.fault", data: { mode: "transient" } })), lambdaContext());
  assert.is(accepted.statusCode, 202);
  // The highest delay full jitter can draw: the ceiling itself, 1, 2, 4 s for receives 1, 2, 3.
  const requested: number[] = [];
  const spy = new SQSClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: ctx.b.sqs.endpoint });
  const send = spy.send.bind(spy) as (command: unknown) => Promise<unknown>;
  (spy as unknown as { send: (c: unknown) => Promise<unknown> }).send = (command: unknown) => {
    if (command instanceof ChangeMessageVisibilityBatchCommand) requested.push(...(command.input.Entries ?? []).map((e) => e.VisibilityTimeout!));
    return send(command);
  };
  const handle = worker(ctx, { random: () => 0.999999, sqs: spy });
  const receives: string[] = [];
  const waits: number[] = [];
  let batch = await nextBatch(ctx);
  for (let round = 0; round < 3; round++) {
    receives.push(batch.messages[0].Attributes!.ApproximateReceiveCount!);
    const res = await handle(sqsEvent(batch.messages), lambdaContext()).catch((err: Error) => err);
    assert.instance(res, Error, "a batch of one failed record fails the invocation");
    // Received with 30 s: back sooner only because the worker changed it.
    if (round < 2) {
      batch = await nextBatch(ctx);
      waits.push(batch.waitedMs);
    }
  }
  spy.destroy();
  // Take it out, so the next test starts from an empty queue.
  const last = await nextBatch(ctx);
  await ctx.b.sqsClient.send(new DeleteMessageBatchCommand({ QueueUrl: ctx.queueUrl, Entries: last.messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
  assert.equal(requested, [1, 2, 4], "the ceiling doubles per receive (base 1 s)");
  assert.equal(receives, ["1", "2", "3"], "a visibility change is not a receive");
  // Not a timing goal: each redelivery waited the visibility the worker asked for, not the 30 s it was received with.
  waits.forEach((w, i) => assert.ok(w >= requested[i] * 1000 - 300 && w < 10_000, `redelivery ${i + 1} after ${w} ms, asked ${requested[i]} s`));
});

test("every record of a batch failing because the table is down fails the invocation, and every message comes back and is stored once the table is up", async (ctx) => {
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const res = await ctx.ingest(postEvent(cloudEvent()), lambdaContext());
    assert.is(res.statusCode, 202);
    ids.push(json(res).id);
  }
  // A table that does not answer: nothing listens on this port.
  const down = DynamoDBDocumentClient.from(new DynamoDBClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: "http://127.0.0.1:9", maxAttempts: 1 }));
  const batch = await nextBatch(ctx);
  assert.is(batch.messages.length, 3);
  const outcome = await worker(ctx, { doc: down })(sqsEvent(batch.messages), lambdaContext()).then(
    () => undefined,
    (err: Error) => err,
  );
  assert.instance(outcome, Error);
  assert.is(outcome!.name, "FullBatchFailureError");
  for (const id of ids) assert.is((await storedRecord(ctx.b, ctx.table, id))?.status, "accepted", "nothing stored");
  // Lambda deletes nothing of a failed invocation: the same three messages come back (after their backoff).
  const back = await nextBatch(ctx);
  assert.equal(back.messages.map((m) => m.MessageId).sort(), batch.messages.map((m) => m.MessageId).sort());
  // The table is back: the factory-built worker stores them, and they are deleted as Lambda would.
  const res = await ctx.worker(sqsEvent(back.messages), lambdaContext());
  assert.equal(res.batchItemFailures, []);
  await ctx.b.sqsClient.send(new DeleteMessageBatchCommand({ QueueUrl: ctx.queueUrl, Entries: back.messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
  for (const id of ids) assert.is((await storedRecord(ctx.b, ctx.table, id))?.status, "processed", id);
  assert.is(await queueDepth(ctx.b, ctx.queueUrl), 0);
  assert.equal(await receiveAll(ctx.b, ctx.dlqUrl), []);
  assert.is((await tableItems(ctx.b, ctx.table)).filter((i) => ids.includes((i.pk as { S: string }).S)).length, 3, "one record each");
  down.destroy();
});

test("a batch in which some records fail answers with exactly those, and does not fail the invocation", async (ctx) => {
  for (const ev of [cloudEvent(), cloudEvent({ type: "sluice.test.fault", data: { mode: "transient" } })]) assert.is((await ctx.ingest(postEvent(ev), lambdaContext())).statusCode, 202);
  const batch = await nextBatch(ctx);
  assert.is(batch.messages.length, 2);
  const res = await worker(ctx)(sqsEvent(batch.messages), lambdaContext());
  assert.is(res.batchItemFailures.length, 1);
  await ctx.b.sqsClient.send(new DeleteMessageBatchCommand({ QueueUrl: ctx.queueUrl, Entries: batch.messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
});

test.run();
