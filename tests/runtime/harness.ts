// Shared by the runtime suites: real dynalite and local-aws-sqs on random loopback ports, the table
// and queues created through the SDK, API Gateway v2 / SQS event builders, and a poller with the
// event source mapping's partial-batch semantics.
import { CreateTableCommand, DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import type { APIGatewayProxyEventV2, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { randomUUID } from "node:crypto";
import { localAwsEnv, LOCAL_CREDENTIALS, LOCAL_REGION } from "../../local/aws/local-account";
import type { LocalServer } from "../../local/aws/loopback-server";
import { startDynalite } from "../../local/dynamodb/dynalite-server";
import { startSqs } from "../../local/sqs/sqs-server";
import { BY_SOURCE_INDEX, BY_SOURCE_INDEX_KEYS, FAILED_INDEX, FAILED_INDEX_KEYS, ITEM_ATTRIBUTES } from "../../runtime/contract/table";
import { decodeStoredDocument } from "../../runtime/contract/stored-document";
import type { StoredDocument } from "../../runtime/contract/stored-document";
import { parseQueueMessage } from "../../runtime/queue-message";
import type { QueueMessage } from "../../runtime/queue-message";
import { ingestFactory } from "../../runtime/ingest-handler";
import { queryFactory } from "../../runtime/query-handler";
import { workerFactory } from "../../runtime/worker-handler";

export interface Backends {
  dynamo: LocalServer;
  sqs: LocalServer;
  ddb: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  sqsClient: SQSClient;
  close(): Promise<void>;
}

export async function startBackends(): Promise<Backends> {
  const dynamo = await startDynalite();
  const sqs = await startSqs();
  const common = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
  const ddb = new DynamoDBClient({ ...common, endpoint: dynamo.endpoint });
  const doc = DynamoDBDocumentClient.from(ddb);
  const sqsClient = new SQSClient({ ...common, endpoint: sqs.endpoint });
  return {
    dynamo,
    sqs,
    ddb,
    doc,
    sqsClient,
    async close() {
      ddb.destroy();
      sqsClient.destroy();
      await Promise.all([dynamo.close(), sqs.close()]);
    },
  };
}

/** A table as the program makes it; with `indexes`, the failed and by-source GSIs of the contract too. */
export async function createTable(b: Backends, name = `events-${randomUUID().slice(0, 8)}`, opts: { indexes?: boolean } = {}): Promise<string> {
  const gsi = (IndexName: string, keys: { hashKey: string; rangeKey: string }) => ({
    IndexName,
    KeySchema: [
      { AttributeName: keys.hashKey, KeyType: "HASH" as const },
      { AttributeName: keys.rangeKey, KeyType: "RANGE" as const },
    ],
    Projection: { ProjectionType: "KEYS_ONLY" as const },
  });
  await b.ddb.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        ...(opts.indexes ? [FAILED_INDEX_KEYS.hashKey, FAILED_INDEX_KEYS.rangeKey, BY_SOURCE_INDEX_KEYS.hashKey].map((n) => ({ AttributeName: n, AttributeType: "S" as const })) : []),
      ],
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
      BillingMode: "PAY_PER_REQUEST",
      ...(opts.indexes ? { GlobalSecondaryIndexes: [gsi(FAILED_INDEX, FAILED_INDEX_KEYS), gsi(BY_SOURCE_INDEX, BY_SOURCE_INDEX_KEYS)] } : {}),
    }),
  );
  return name;
}

export async function createQueues(b: Backends, opts: { maxReceiveCount?: number; name?: string } = {}): Promise<{ queueUrl: string; dlqUrl: string }> {
  const name = opts.name ?? `events-${randomUUID().slice(0, 8)}`;
  const dlq = await b.sqsClient.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
  const attrs = await b.sqsClient.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl!, AttributeNames: ["QueueArn"] }));
  const main = await b.sqsClient.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: {
        VisibilityTimeout: "30",
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: attrs.Attributes!.QueueArn, maxReceiveCount: opts.maxReceiveCount ?? 3 }),
      },
    }),
  );
  return { queueUrl: main.QueueUrl!, dlqUrl: dlq.QueueUrl! };
}

/** Sets the function environment for a suite; returns the restore function. */
export function applyEnv(vars: Record<string, string>): () => void {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(vars)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

export function functionEnv(b: Backends, tableName: string, queueUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...localAwsEnv({ dynamodb: b.dynamo.endpoint, sqs: b.sqs.endpoint }),
    SLUICE_STAGE: "test",
    SLUICE_VERSION: "9.9.9",
    SLUICE_TABLE_NAME: tableName,
    SLUICE_QUEUE_URL: queueUrl,
    SLUICE_MAX_BODY_BYTES: "4096",
    SLUICE_IDEMPOTENCY_WINDOW_SECONDS: "3600",
    SLUICE_LEASE_SECONDS: "30",
    SLUICE_EVENT_RETENTION_DAYS: "7",
    SLUICE_UNKNOWN_TYPES: "reject",
    SLUICE_TEST_EVENTS: "on",
    SLUICE_DEMO_SOURCE: "on",
    SLUICE_LOG_LEVEL: process.env.SLUICE_TEST_LOG_LEVEL ?? "silent",
    // A retried record comes back after 1 s, the visibility the test poller receives with.
    SLUICE_RETRY_BASE_SECONDS: "1",
    SLUICE_RETRY_MAX_SECONDS: "1",
    ...extra,
  };
}

export function lambdaContext(remainingMs = 30_000): { awsRequestId: string; getRemainingTimeInMillis(): number } {
  const started = Date.now();
  return { awsRequestId: randomUUID(), getRemainingTimeInMillis: () => remainingMs - (Date.now() - started) };
}

export interface ApiCall {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | unknown;
  base64?: boolean;
  /** The IAM identity API Gateway adds on an AWS_IAM route (`requestContext.authorizer.iam`); absent: an open route. */
  iam?: { userArn: string };
}

/** The identity an AWS_IAM route's authorization hands the operator in these tests. */
export const TEST_OPERATOR_IAM = { accessKey: "AKIDTESTOPERATOR", accountId: "123456789012", callerId: "AKIDTESTOPERATOR", principalOrgId: null, userArn: "arn:aws:iam::123456789012:user/operator", userId: "AKIDTESTOPERATOR" };

/** An admin request as API Gateway hands it to the operator after AWS_IAM authorization. */
export function adminEvent(call: Omit<ApiCall, "iam">): APIGatewayProxyEventV2 {
  return apiEvent({ ...call, iam: TEST_OPERATOR_IAM });
}

/** An HTTP API payload v2 event, as API Gateway builds it for the `$default` stage. */
export function apiEvent(call: ApiCall): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(call.headers ?? {})) headers[k.toLowerCase()] = v;
  let body: string | undefined;
  if (call.body !== undefined) body = typeof call.body === "string" ? call.body : JSON.stringify(call.body);
  if (body !== undefined && call.base64) body = Buffer.from(body, "utf8").toString("base64");
  const requestId = randomUUID();
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: call.path,
    rawQueryString: "",
    headers,
    body,
    isBase64Encoded: Boolean(call.base64),
    requestContext: {
      accountId: "123456789012",
      apiId: "local",
      domainName: "localhost",
      domainPrefix: "localhost",
      http: { method: call.method, path: call.path, protocol: "HTTP/1.1", sourceIp: "198.51.100.7", userAgent: "sluice-tests/1" },
      requestId,
      routeKey: "$default",
      stage: "$default",
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
      ...(call.iam ? { authorizer: { iam: call.iam } } : {}),
    },
  } as APIGatewayProxyEventV2;
}

let counter = 0;
export function cloudEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  counter += 1;
  return {
    specversion: "1.0",
    id: `evt-${Date.now()}-${counter}-${randomUUID().slice(0, 6)}`,
    source: "urn:sluice:tests",
    type: "sluice.demo.user",
    data: { id: "42", name: " Ada ", email: "ada@example.com", active: "true" },
    ...overrides,
  };
}

export function postEvent(event: unknown, headers: Record<string, string> = {}): APIGatewayProxyEventV2 {
  return apiEvent({ method: "POST", path: "/events", headers: { "content-type": "application/cloudevents+json", ...headers }, body: event });
}

export function getEvent(id: string): APIGatewayProxyEventV2 {
  return apiEvent({ method: "GET", path: `/events/${id}` });
}

export type Worker = (event: SQSEvent, context: ReturnType<typeof lambdaContext>) => Promise<SQSBatchResponse>;

export interface PollResult {
  delivered: number;
  failed: string[];
  /** The invocation threw (every record failed): Lambda deletes nothing and counts an error. */
  invocationFailed?: boolean;
}

/** Visibility timeout the test poller receives with: what a failed record waits before its retry. */
export const POLL_VISIBILITY_SECONDS = 1;

/**
 * One poll of an SQS event source mapping with ReportBatchItemFailures: receive up to `batchSize`,
 * invoke the worker, delete what succeeded, and leave the failed records to reappear when their
 * visibility timeout ends (short here), exactly as Lambda does. (Changing their visibility to 0
 * instead would be faster, but local-aws-sqs counts that as one more receive.)
 */
export async function pollOnce(b: Backends, queueUrl: string, worker: Worker, opts: { batchSize?: number; remainingMs?: number } = {}): Promise<PollResult> {
  const out = await b.sqsClient.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: opts.batchSize ?? 10,
      WaitTimeSeconds: 0,
      VisibilityTimeout: POLL_VISIBILITY_SECONDS,
      MessageSystemAttributeNames: ["All"],
      // local-aws-sqs reads only the older name; AWS takes both.
      AttributeNames: ["All"] as never,
    }),
  );
  const messages = out.Messages ?? [];
  if (messages.length === 0) return { delivered: 0, failed: [] };
  const event: SQSEvent = {
    Records: messages.map((m) => ({
      messageId: m.MessageId!,
      receiptHandle: m.ReceiptHandle!,
      body: m.Body!,
      attributes: {
        ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? "1",
        SentTimestamp: m.Attributes?.SentTimestamp ?? String(Date.now()),
        SenderId: "local",
        ApproximateFirstReceiveTimestamp: m.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
        ...(m.Attributes?.AWSTraceHeader ? { AWSTraceHeader: m.Attributes.AWSTraceHeader } : {}),
      },
      messageAttributes: {},
      md5OfBody: m.MD5OfBody ?? "",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:us-east-1:123456789012:local",
      awsRegion: "us-east-1",
    })),
  };
  let response: SQSBatchResponse;
  try {
    response = await worker(event, lambdaContext(opts.remainingMs ?? 30_000));
  } catch {
    // A failed invocation: as Lambda does, nothing is deleted and every record comes back.
    return { delivered: messages.length, failed: messages.map((m) => m.MessageId!), invocationFailed: true };
  }
  const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
  const done = messages.filter((m) => !failed.has(m.MessageId!));
  if (done.length > 0) {
    await b.sqsClient.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
  }
  return { delivered: messages.length, failed: [...failed] };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until the queue holds nothing, visible or in flight (failed records are waited for). */
export async function drain(b: Backends, queueUrl: string, worker: Worker, opts: { batchSize?: number; remainingMs?: number; maxPolls?: number } = {}): Promise<PollResult[]> {
  const polls: PollResult[] = [];
  for (let i = 0; i < (opts.maxPolls ?? 200); i++) {
    const r = await pollOnce(b, queueUrl, worker, opts);
    if (r.delivered > 0) {
      polls.push(r);
      continue;
    }
    if ((await queueDepth(b, queueUrl)) === 0) break;
    await sleep(100);
  }
  return polls;
}

export async function queueDepth(b: Backends, queueUrl: string): Promise<number> {
  const out = await b.sqsClient.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }),
  );
  return Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) + Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
}

/**
 * Takes every message out of the queue (received and deleted). An empty receive is not proof of an
 * empty queue with local-aws-sqs, so this stops only when the queue's counters say so.
 */
export async function receiveAll(b: Backends, queueUrl: string): Promise<{ body: string }[]> {
  const all: { body: string }[] = [];
  for (let i = 0; i < 100; i++) {
    const out = await b.sqsClient.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 30 }));
    const messages = out.Messages ?? [];
    if (messages.length > 0) {
      all.push(...messages.map((m) => ({ body: m.Body! })));
      await b.sqsClient.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: messages.map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle! })) }));
      continue;
    }
    if ((await queueDepth(b, queueUrl)) === 0) return all;
  }
  throw new Error(`queue ${queueUrl} did not empty`);
}

export async function tableItems(b: Backends, tableName: string): Promise<Record<string, unknown>[]> {
  const out = await b.ddb.send(new ScanCommand({ TableName: tableName, ConsistentRead: true }));
  return out.Items ?? [];
}

/** The item as the table holds it (attribute names from runtime/contract/table.ts). */
export async function storedRecord(b: Backends, tableName: string, id: string): Promise<Record<string, any> | undefined> {
  const out = await b.doc.send(new GetCommand({ TableName: tableName, Key: { pk: id }, ConsistentRead: true }));
  return out.Item;
}

/** The stored document of an item, decoded: the event's exact text and the request's metadata. */
export async function storedDocument(b: Backends, tableName: string, id: string): Promise<StoredDocument | undefined> {
  const item = await storedRecord(b, tableName, id);
  const bytes = item?.[ITEM_ATTRIBUTES.document] as Uint8Array | undefined;
  return bytes ? decodeStoredDocument(bytes) : undefined;
}

/** The queue message in a body, or a thrown error naming why it is not one. */
export function queueMessage(body: string): QueueMessage {
  const parsed = parseQueueMessage(body);
  if (!parsed.ok) throw new Error(`not a queue message: ${parsed.reason}`);
  return parsed.message;
}

export function json(res: { body?: string }): any {
  return JSON.parse(res.body ?? "null");
}

/** Backends, a table, a queue with its DLQ, and the three handlers built by their factories from the env. */
export interface Pipeline {
  b: Backends;
  table: string;
  queueUrl: string;
  dlqUrl: string;
  ingest: ReturnType<typeof ingestFactory>;
  query: ReturnType<typeof queryFactory>;
  worker: ReturnType<typeof workerFactory>;
  /** Restores the environment and stops the backends. */
  close(): Promise<void>;
}

/**
 * `env` overrides the functions' environment for this pipeline (e.g. a larger body limit);
 * `operations` adds the indexes and the operator's settings (DLQ, list index, failure modes).
 */
export async function startPipeline(opts: { maxReceiveCount?: number; env?: Record<string, string>; operations?: boolean } = {}): Promise<Pipeline> {
  const b = await startBackends();
  const table = await createTable(b, undefined, { indexes: opts.operations });
  const { queueUrl, dlqUrl } = await createQueues(b, opts);
  const operations: Record<string, string> = opts.operations
    ? { SLUICE_DLQ_URL: dlqUrl, SLUICE_LIST_INDEX: "on", SLUICE_FAILURE_MODES: "on", SLUICE_FAILURE_MODE_REFRESH_SECONDS: "1" }
    : {};
  const restore = applyEnv(functionEnv(b, table, queueUrl, { ...operations, ...opts.env }));
  return {
    b,
    table,
    queueUrl,
    dlqUrl,
    ingest: ingestFactory(),
    query: queryFactory(),
    worker: workerFactory(),
    async close() {
      restore();
      await b.close();
    },
  };
}
