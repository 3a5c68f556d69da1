// SQS's limits on a batch, with the body limit raised (maxBodyBytes 1 MiB): ten events whose
// messages add up to more than the 256 KiB one SendMessageBatch may carry are all queued (the
// ingest splits the request), and an event whose own message is over the limit is a 413 for that
// item alone, with nothing stored for it, never a 503.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { QUEUE_LIMITS } from "../../runtime/contract/limits";
import { createDocumentClient, createSqsClient } from "../../runtime/aws-clients";
import { createDynamoEventStore } from "../../runtime/event-store";
import { createSqsEventQueue } from "../../runtime/event-queue";
import { createEventTypes } from "../../runtime/event-types";
import { createEnvelopeValidator } from "../../runtime/event-validator";
import { makeIngestHandler } from "../../runtime/ingest-handler";
import { createLogger } from "../../runtime/log";
import { apiEvent, cloudEvent, json, lambdaContext, queueMessage, receiveAll, startPipeline, storedRecord } from "./harness";
import type { Pipeline } from "./harness";

const test = suite<Pipeline>("batches past SQS's 256 KiB per request");

test.before(async (ctx) => {
  Object.assign(ctx, await startPipeline({ env: { SLUICE_MAX_BODY_BYTES: String(1024 * 1024) } }));
});
test.after((ctx) => ctx.close());

function event(bytes: number): Record<string, unknown> {
  return cloudEvent({ type: "sluice.webhook.received", data: { provider: "p", event: "e", payload: { blob: "b".repeat(bytes) } } });
}

function postBatch(ctx: Pipeline, events: unknown[]) {
  return ctx.ingest(apiEvent({ method: "POST", path: "/events/batch", headers: { "content-type": "application/cloudevents-batch+json" }, body: events }), lambdaContext());
}

test("ten 60 KB events (600 KB of messages): 202, sent in requests of at most 256 KiB, every one queued", async (ctx) => {
  // local-aws-sqs takes any size, so the requests are watched on their way out, as SQS would see them.
  const requests: number[] = [];
  const sqs = createSqsClient();
  sqs.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as { Entries?: { MessageBody?: string }[] };
      if (input.Entries) requests.push(input.Entries.reduce((sum, e) => sum + Buffer.byteLength(e.MessageBody ?? ""), 0));
      return next(args);
    },
    { step: "initialize" },
  );
  const registry = createEventTypes({ testEvents: true });
  const ingest = makeIngestHandler({
    store: createDynamoEventStore(createDocumentClient(), ctx.table),
    queue: createSqsEventQueue(sqs, ctx.queueUrl),
    validator: createEnvelopeValidator(registry, { unknownTypes: "reject" }),
    maxBodyBytes: 1024 * 1024,
    windowSeconds: 3600,
    leaseSeconds: 30,
    log: createLogger({ fn: "ingest" }, { level: "silent" }),
  });
  const events = Array.from({ length: 10 }, () => event(60 * 1024));
  const res = await ingest(apiEvent({ method: "POST", path: "/events/batch", headers: { "content-type": "application/cloudevents-batch+json" }, body: events }), lambdaContext());
  assert.is(res.statusCode, 202, res.body.slice(0, 300));
  assert.ok(requests.length >= 3, `${requests.length} SendMessageBatch requests`);
  assert.ok(requests.every((bytes) => bytes <= QUEUE_LIMITS.maxBatchBytes), `request sizes ${requests.join(", ")}`);
  const ids = json(res).items.map((i: { id: string }) => i.id).sort();
  const queued = await receiveAll(ctx.b, ctx.queueUrl);
  assert.equal(queued.map((m) => queueMessage(m.body).id).sort(), ids);
  sqs.destroy();
});

test("one event whose message is over SQS's limit: 413 for it alone, nothing stored for it; the others accepted", async (ctx) => {
  const events = [event(1000), event(QUEUE_LIMITS.maxMessageBytes), event(1000)];
  const res = await postBatch(ctx, events);
  assert.is(res.statusCode, 207, res.body.slice(0, 300));
  const items = json(res).items;
  assert.equal(items.map((i: { httpStatus: number }) => i.httpStatus), [202, 413, 202]);
  assert.is(items[1].problem.type, "urn:sluice:problem:payload-too-large");
  assert.is((await receiveAll(ctx.b, ctx.queueUrl)).length, 2);
  for (const i of [0, 2]) assert.is((await storedRecord(ctx.b, ctx.table, items[i].id))?.status, "accepted");
});

test.run();
