// What one request to a local AWS server counts for, as AWS would bill it: requests per action,
// SQS's 64 KB request chunks and empty receives, DynamoDB's consumed capacity units.
import { bump, type LocalMetrics, type ServiceMetrics } from "../metrics";

const DYNAMODB_WRITES = new Set(["PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"]);
const DYNAMODB_READS = new Set(["GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"]);
const SQS_CHUNK_BYTES = 64 * 1024;

/** Whether a DynamoDB action can report consumed capacity. */
export function reportsCapacity(action: string): boolean {
  return DYNAMODB_WRITES.has(action) || DYNAMODB_READS.has(action);
}

/** Adds `ReturnConsumedCapacity: TOTAL` to a DynamoDB JSON request that did not ask for it. */
export function askForCapacity(action: string, body: Buffer): Buffer {
  if (!reportsCapacity(action)) return body;
  try {
    const request = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
    if (request.ReturnConsumedCapacity !== undefined) return body;
    return Buffer.from(JSON.stringify({ ...request, ReturnConsumedCapacity: "TOTAL" }));
  } catch {
    return body;
  }
}

function countRequest(m: ServiceMetrics, action: string, status: number, bytes: number): void {
  m.requests += 1;
  bump(m.byAction, action);
  if (status >= 400) bump(m.errorsByAction, action);
  m.requestBytes += bytes;
  m.billedRequests += Math.max(1, Math.ceil(bytes / SQS_CHUNK_BYTES));
}

function capacityUnits(responseBody: Buffer): number {
  try {
    const parsed = JSON.parse(responseBody.toString("utf8")) as { ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[] };
    const consumed = parsed.ConsumedCapacity;
    const list = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
    return list.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
  } catch {
    return 0;
  }
}

export function recordDynamoDb(m: LocalMetrics["dynamodb"], action: string, status: number, requestBody: Buffer, responseBody: Buffer): void {
  countRequest(m, action, status, requestBody.length);
  const units = status < 400 ? capacityUnits(responseBody) : 0;
  if (DYNAMODB_WRITES.has(action)) {
    // A write whose condition fails is still billed (at least 1 WCU); the error carries no figure.
    const charged = status < 400 ? units : responseBody.includes("ConditionalCheckFailed") ? 1 : 0;
    m.writeUnits += charged;
    bump(m.writeUnitsByAction, action, charged);
  } else if (DYNAMODB_READS.has(action)) {
    m.readUnits += units;
  }
}

export function recordSqs(m: ServiceMetrics, action: string, status: number, requestBody: Buffer, responseBody: Buffer): void {
  countRequest(m, action, status, requestBody.length);
  // JSON protocol answers {"Messages":[…]} when it has any, {} when not.
  if (action === "ReceiveMessage" && status < 400 && !responseBody.includes('"Messages"') && !responseBody.includes("<Message>")) m.emptyReceives += 1;
}
