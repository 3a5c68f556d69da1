// Worker batch time: one SQS batch of 10 new events through the worker's real handler
// (makeWorkerHandler) and the real DynamoDB event store on dynalite, with every store call delayed
// by the injected latency. The same run times one delayed store call alone: the target is two of
// those round trips per batch, which only parallel records can meet.
import type { SQSEvent } from "aws-lambda";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../local/aws/local-account";
import { startDynalite } from "../local/dynamodb/dynalite-server";
import { TABLE_HASH_KEY, TABLE_HASH_KEY_TYPE } from "../runtime/contract/table";
import { createDynamoEventStore, type EventStore } from "../runtime/event-store";
import { createEventTypes } from "../runtime/event-types";
import { createEnvelopeValidator } from "../runtime/event-validator";
import { createLogger } from "../runtime/log";
import { prepareEvent } from "../runtime/prepare-event";
import { makeWorkerHandler } from "../runtime/worker-handler";
import { eventBody } from "./event";
import { median, sleep } from "./stats";

/** Delays every call of the store by `ms` before it reaches DynamoDB. */
export function withLatency(store: EventStore, ms: number): EventStore & { calls: number } {
  const wrapped = {
    calls: 0,
    async acquire(...args: Parameters<EventStore["acquire"]>) {
      wrapped.calls++;
      await sleep(ms);
      return store.acquire(...args);
    },
    async release(...args: Parameters<EventStore["release"]>) {
      wrapped.calls++;
      await sleep(ms);
      return store.release(...args);
    },
    async complete(...args: Parameters<EventStore["complete"]>) {
      wrapped.calls++;
      await sleep(ms);
      return store.complete(...args);
    },
    async noteRetry(...args: Parameters<EventStore["noteRetry"]>) {
      wrapped.calls++;
      await sleep(ms);
      return store.noteRetry(...args);
    },
    async get(...args: Parameters<EventStore["get"]>) {
      wrapped.calls++;
      await sleep(ms);
      return store.get(...args);
    },
  };
  return wrapped;
}

export interface WorkerBatchResult {
  msPerBatch: number;
  /** One delayed store call alone (a GetItem), median. */
  roundTripMs: number;
  /** As many delayed store calls as a batch makes, all at once, without the handler, median. */
  parallelStoreMs: number;
  storeCallsPerBatch: number;
  batches: number;
  latencyMs: number;
}

function sqsBatch(batchNo: number, size: number): SQSEvent {
  const validator = createEnvelopeValidator(createEventTypes({}), {});
  const records = Array.from({ length: size }, (_, i) => {
    const id = `worker-${batchNo}-${i}`;
    const prepared = prepareEvent(
      { headers: { "content-type": "application/cloudevents+json" }, body: eventBody(id), requestId: `req-${id}`, receivedAt: new Date().toISOString() },
      { validator, maxBodyBytes: 204800 },
    );
    if (!prepared.ok) throw new Error(`bench event rejected: ${JSON.stringify(prepared.problem)}`);
    return {
      messageId: id,
      receiptHandle: `rh-${id}`,
      body: prepared.prepared.body,
      attributes: { ApproximateReceiveCount: "1", SentTimestamp: String(Date.now()), SenderId: "bench", ApproximateFirstReceiveTimestamp: String(Date.now()) },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:us-east-1:123456789012:bench",
      awsRegion: "us-east-1",
    };
  });
  return { Records: records } as SQSEvent;
}

export async function measureWorkerBatch(opts: { batches: number; latencyMs: number; batchSize: number }): Promise<WorkerBatchResult> {
  const dynalite = await startDynalite();
  const ddb = new DynamoDBClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: dynalite.endpoint });
  try {
    const tableName = "bench-worker";
    await ddb.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [{ AttributeName: TABLE_HASH_KEY, AttributeType: TABLE_HASH_KEY_TYPE }],
        KeySchema: [{ AttributeName: TABLE_HASH_KEY, KeyType: "HASH" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
    const store = withLatency(createDynamoEventStore(DynamoDBDocumentClient.from(ddb, { marshallOptions: { removeUndefinedValues: true } }), tableName), opts.latencyMs);
    const registry = createEventTypes({});
    const handler = makeWorkerHandler({
      store,
      registry,
      validator: createEnvelopeValidator(registry, {}),
      windowSeconds: 86400,
      retentionDays: 0,
      log: createLogger({ fn: "worker", stage: "bench" }, { level: "silent" }),
    });
    const context = { awsRequestId: "bench", getRemainingTimeInMillis: () => 30_000 };
    await handler(sqsBatch(-1, opts.batchSize), context); // warm-up: connections and JIT, as on a warm instance
    const times: number[] = [];
    const callsBefore = store.calls;
    for (let b = 0; b < opts.batches; b++) {
      const event = sqsBatch(b, opts.batchSize);
      const start = performance.now();
      const result = await handler(event, context);
      times.push(performance.now() - start);
      if (result.batchItemFailures.length > 0) throw new Error(`worker failed ${result.batchItemFailures.length} records of a bench batch`);
    }
    const storeCallsPerBatch = (store.calls - callsBefore) / opts.batches;
    const trips: number[] = [];
    for (let i = 0; i < opts.batches; i++) {
      const start = performance.now();
      await store.get(`worker-missing-${i}`);
      trips.push(performance.now() - start);
    }
    const parallel: number[] = [];
    for (let i = 0; i < opts.batches; i++) {
      const start = performance.now();
      await Promise.all(Array.from({ length: Math.round(storeCallsPerBatch) }, (_, j) => store.get(`worker-missing-${i}-${j}`)));
      parallel.push(performance.now() - start);
    }
    return { msPerBatch: median(times), roundTripMs: median(trips), parallelStoreMs: median(parallel), storeCallsPerBatch, batches: opts.batches, latencyMs: opts.latencyMs };
  } finally {
    ddb.destroy();
    await dynalite.close();
  }
}
