// Requests per event, end to end: a local stack from the same index.ts, N single-event POSTs, then
// N events in POSTs of 10. Every AWS request is counted where it lands (inside dynalite and
// local-aws-sqs, at the HTTP API, at the function hosts); this file only divides. Idle polling's
// empty receives and the bench's own queue-depth checks are taken out.
import * as fs from "node:fs";
import * as path from "node:path";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../local/aws/local-account";
import type { LocalMetrics, LocalStack } from "../local/stack";
import { routePath } from "../runtime/contract/routes";
import { TABLE_HASH_KEY } from "../runtime/contract/table";
import { deriveKey, eventIdForKey } from "../runtime/idempotency-key";
import { costPerMillion, type PerEventUsage } from "./cost";
import { EVENT_SOURCE, eventBody } from "./event";
import { itemBytes, STORAGE_OVERHEAD_BYTES } from "./item-size";
import { round, sleep } from "./stats";

export interface PhaseResult {
  events: number;
  posts: number;
  accepted: number;
  requestsPerEvent: Record<string, number>;
  dynamoWritesPerEvent: number;
  /** Write units DynamoDB reported, per event, in all and by action (PutItem, UpdateItem…). */
  dynamoWriteUnitsPerEvent: number;
  writeUnitsPerEventByAction: Record<string, number>;
  /** Bytes the functions and the access log wrote, per event. */
  logBytesPerEvent: number;
  /** Mean DynamoDB size of the events' final items, and what storage bills (plus 100 B each). */
  itemBytes: number;
  usagePerEvent: PerEventUsage;
  costPerMillion: Record<string, number> & { total: number };
  lambda: Record<string, { invocations: number; billedMsPerInvocation: number; memoryMb: number; coldStarts: number }>;
  drainMs: number;
  /** Requests left out of the per-event figures: idle polling and the bench's own queue checks. */
  excluded: { emptyReceives: number; ownQueueChecks: number };
}

/** Counts log bytes the functions and the API would send to CloudWatch Logs. */
export class LogMeter {
  bytes = 0;
  readonly sink = (line: string): void => {
    if (!line.includes('"source":"local"')) this.bytes += Buffer.byteLength(line) + 1;
  };
}

async function postAll(url: string, bodies: Array<{ path: string; body: string; contentType: string }>, concurrency: number): Promise<number> {
  let next = 0;
  let accepted = 0;
  const runOne = async () => {
    while (next < bodies.length) {
      const b = bodies[next++];
      const res = await fetch(url + b.path, { method: "POST", headers: { "content-type": b.contentType }, body: b.body });
      const text = await res.text();
      if (!b.path.endsWith("/batch") && res.status === 202) accepted++;
      else if (b.path.endsWith("/batch") && res.status < 300) {
        const items = (JSON.parse(text) as { items?: Array<{ status?: unknown }> }).items ?? [];
        accepted += items.filter((i) => i.status === 202 || i.status === "accepted").length;
      } else throw new Error(`POST ${b.path} answered ${res.status}: ${text.slice(0, 300)}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, runOne));
  return accepted;
}

/** Waits until the main queue holds nothing, visible or in flight; returns how many checks it made. */
export async function drain(sqs: SQSClient, queueUrl: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let checks = 0;
  let emptyInARow = 0;
  while (Date.now() < deadline) {
    await sleep(200);
    checks++;
    const a = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"] }));
    const left = Number(a.Attributes?.ApproximateNumberOfMessages ?? 0) + Number(a.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0) + Number(a.Attributes?.ApproximateNumberOfMessagesDelayed ?? 0);
    emptyInARow = left === 0 ? emptyInARow + 1 : 0;
    // Twice in a row: the last batch's delete has landed and no invocation is still running.
    if (emptyInARow >= 2) return checks;
  }
  throw new Error(`the queue did not drain within ${timeoutMs} ms`);
}

function perEvent(n: number, events: number): number {
  return round(n / events, 3);
}

export function splitRequests(m: LocalMetrics, events: number, ownChecks: number): { requests: Record<string, number>; usage: Omit<PerEventUsage, "storedBytes" | "storedDays" | "logBytes"> } {
  const sqs = { ...m.sqs.byAction };
  sqs.GetQueueAttributes = (sqs.GetQueueAttributes ?? 0) - ownChecks;
  const receives = (sqs.ReceiveMessage ?? 0) - m.sqs.emptyReceives;
  const dynamoWrites = ["PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"].reduce((s, a) => s + (m.dynamodb.byAction[a] ?? 0), 0);
  const dynamoReads = ["GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"].reduce((s, a) => s + (m.dynamodb.byAction[a] ?? 0), 0);
  const invocations = Object.values(m.lambda).reduce((s, f) => s + f.invocations, 0);
  const requests: Record<string, number> = {
    httpRequests: perEvent(m.api.requests, events),
    lambdaInvocations: perEvent(invocations, events),
    sqsSends: perEvent((sqs.SendMessage ?? 0) + (sqs.SendMessageBatch ?? 0), events),
    sqsReceives: perEvent(receives, events),
    sqsDeletes: perEvent((sqs.DeleteMessage ?? 0) + (sqs.DeleteMessageBatch ?? 0), events),
    sqsOther: perEvent(Object.entries(sqs).filter(([a]) => !/^(SendMessage|SendMessageBatch|ReceiveMessage|DeleteMessage|DeleteMessageBatch)$/.test(a)).reduce((s, [, c]) => s + c, 0), events),
    sqsTotal: 0,
    dynamoWrites: perEvent(dynamoWrites, events),
    dynamoReads: perEvent(dynamoReads, events),
  };
  requests.sqsTotal = round(requests.sqsSends + requests.sqsReceives + requests.sqsDeletes + requests.sqsOther, 3);
  for (const [fn, f] of Object.entries(m.lambda)) requests[`invocations.${fn}`] = perEvent(f.invocations, events);
  for (const [a, c] of Object.entries(m.dynamodb.byAction)) requests[`dynamodb.${a}`] = perEvent(c, events);
  for (const [a, c] of Object.entries(sqs)) if (c > 0) requests[`sqs.${a}`] = perEvent(c, events);
  // Billed SQS requests: 64 KB chunks of every request, less the empty receives and our own checks.
  const sqsBilled = m.sqs.billedRequests - m.sqs.emptyReceives - ownChecks;
  return {
    requests,
    usage: {
      apiRequests: m.api.requests / events,
      lambdaInvocations: invocations / events,
      lambdaGbSeconds: Object.values(m.lambda).reduce((s, f) => s + f.gbSeconds, 0) / events,
      sqsBilledRequests: sqsBilled / events,
      dynamoWriteUnits: m.dynamodb.writeUnits / events,
      dynamoReadUnits: m.dynamodb.readUnits / events,
    },
  };
}

/** Waits until the stack's main queue is empty (the worker is done), for measurements that need a quiet stack. */
export async function drainStack(stack: LocalStack, timeoutMs: number): Promise<number> {
  const sqs = new SQSClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: stack.endpoints.sqs });
  const start = Date.now();
  try {
    await drain(sqs, String(stack.outputs.queueUrl), timeoutMs);
    return Date.now() - start;
  } finally {
    sqs.destroy();
  }
}

/** Mean item size of the events' records, read back from the table (after the counted requests). */
async function meanItemBytes(stack: LocalStack, ids: string[]): Promise<number> {
  const wanted = new Set(ids.map((id) => eventIdForKey(deriveKey({ source: EVENT_SOURCE, id }))));
  const ddb = new DynamoDBClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: stack.endpoints.dynamodb });
  let total = 0;
  let count = 0;
  try {
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await ddb.send(new ScanCommand({ TableName: String(stack.outputs.tableName), ExclusiveStartKey: start }));
      for (const item of page.Items ?? []) {
        if (!wanted.has(String(item[TABLE_HASH_KEY]?.S))) continue;
        total += itemBytes(item);
        count++;
      }
      start = page.LastEvaluatedKey;
    } while (start);
  } finally {
    ddb.destroy();
  }
  if (count !== wanted.size) throw new Error(`expected ${wanted.size} stored events, found ${count}`);
  return total / count;
}

/** `storedDays`: how long the events are kept (the stack's retention), priced at most a month. */
export async function runPhase(stack: LocalStack, logs: LogMeter, opts: { label: string; events: number; batch: number; concurrency: number; storedDays: number }): Promise<PhaseResult> {
  const queueUrl = String(stack.outputs.queueUrl);
  const sqs = new SQSClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: stack.endpoints.sqs });
  try {
    const ids = Array.from({ length: opts.events }, (_, i) => `${opts.label}-${process.pid}-${Date.now()}-${i}`);
    const bodies: Array<{ path: string; body: string; contentType: string }> = [];
    if (opts.batch <= 1) {
      for (const id of ids) bodies.push({ path: routePath("postEvent"), body: eventBody(id), contentType: "application/cloudevents+json" });
    } else {
      for (let i = 0; i < ids.length; i += opts.batch) {
        bodies.push({ path: routePath("postBatch"), body: `[${ids.slice(i, i + opts.batch).map(eventBody).join(",")}]`, contentType: "application/cloudevents-batch+json" });
      }
    }
    await stack.resetMetrics();
    const logStart = logs.bytes;
    const accepted = await postAll(String(stack.apiUrl).replace(/\/$/, ""), bodies, opts.concurrency);
    // Per-event figures divide by events: every one of them must have been accepted.
    if (accepted !== opts.events) throw new Error(`${opts.label}: ${accepted} of ${opts.events} events were accepted`);
    const drainStart = Date.now();
    const checks = await drain(sqs, queueUrl, 120_000);
    const drainMs = Date.now() - drainStart;
    const m = await stack.metrics();
    const logBytes = (logs.bytes - logStart) / opts.events;
    const { requests, usage } = splitRequests(m, opts.events, checks);
    const size = await meanItemBytes(stack, ids);
    const full: PerEventUsage = { ...usage, storedBytes: size + STORAGE_OVERHEAD_BYTES, storedDays: Math.min(30, opts.storedDays), logBytes };
    return {
      events: opts.events,
      posts: bodies.length,
      accepted,
      requestsPerEvent: requests,
      dynamoWritesPerEvent: requests.dynamoWrites,
      dynamoWriteUnitsPerEvent: round(m.dynamodb.writeUnits / opts.events, 3),
      writeUnitsPerEventByAction: Object.fromEntries(Object.entries(m.dynamodb.writeUnitsByAction).map(([a, u]) => [a, round(u / opts.events, 3)])),
      logBytesPerEvent: round(logBytes, 1),
      itemBytes: round(size, 1),
      usagePerEvent: full,
      costPerMillion: roundAll(costPerMillion(full)),
      lambda: Object.fromEntries(
        Object.entries(m.lambda).map(([fn, f]) => [fn, { invocations: f.invocations, billedMsPerInvocation: f.invocations ? round(f.billedMs / f.invocations, 1) : 0, memoryMb: f.memoryMb, coldStarts: f.coldStarts }]),
      ),
      drainMs,
      excluded: { emptyReceives: m.sqs.emptyReceives, ownQueueChecks: checks },
    };
  } finally {
    sqs.destroy();
  }
}

function roundAll<T extends Record<string, number>>(o: T): T {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round(v, 4)])) as T;
}

export function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value, null, 2) + "\n");
}
