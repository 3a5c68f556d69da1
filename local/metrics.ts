// Counters the local stack keeps where things happen (the AWS proxies, the HTTP API, the function
// hosts), so the bench can price an event from what was really sent, not from what we think the
// code does.

/** One function's invocation figures since the last reset. */
export interface FunctionMetrics {
  /** Physical name of the function (the program's `name` or Pulumi's auto-name). */
  physicalName: string;
  /** What triggers it locally: HTTP routes, SQS event source mappings, or nothing. */
  triggers: string[];
  memoryMb: number;
  timeoutSeconds: number;
  invocations: number;
  /** Invocations that threw, returned a rejected promise or crashed the instance. */
  errors: number;
  /** Invocations stopped at the configured timeout. */
  timeouts: number;
  /** Invocations that needed a fresh instance (process start + require + factory). */
  coldStarts: number;
  /** Sum of handler durations, ms (not rounded). */
  durationMs: number;
  /** Sum of init durations of the cold starts, ms. */
  initMs: number;
  /** Sum of billed durations: each invocation rounded up to 1 ms, plus init (billed since 2025). */
  billedMs: number;
  /** billedMs × memory, in GB-seconds, the unit Lambda prices compute in. */
  gbSeconds: number;
}

/** Requests one AWS service answered, by API action (the X-Amz-Target operation). */
export interface ServiceMetrics {
  /** Every request, whatever its answer. */
  requests: number;
  /** Action → count, e.g. { PutItem: 3, GetItem: 1 } or { SendMessage: 2, ReceiveMessage: 9 }. */
  byAction: Record<string, number>;
  /** Action → count of requests answered with an HTTP error (conditional check failures included). */
  errorsByAction: Record<string, number>;
  /** Request payload bytes summed, for the per-64 KB SQS request chunks. */
  requestBytes: number;
  /** SQS bills each 64 KB chunk of a request's payload as one request: this is that count. */
  billedRequests: number;
  /** ReceiveMessage calls that returned nothing (idle polling; billed on AWS too). */
  emptyReceives: number;
}

export interface LocalMetrics {
  api: {
    /** HTTP requests that reached the local HTTP API (throttled and unrouted ones included). */
    requests: number;
    byStatus: Record<string, number>;
    byRoute: Record<string, number>;
    throttled: number;
  };
  dynamodb: ServiceMetrics & {
    /** Write capacity units DynamoDB reported for the writes (ConsumedCapacity TOTAL). */
    writeUnits: number;
    /** Read capacity units DynamoDB reported for the reads. */
    readUnits: number;
  };
  sqs: ServiceMetrics;
  /** Keyed by the function's logical name in the program. */
  lambda: Record<string, FunctionMetrics>;
}

export function emptyServiceMetrics(): ServiceMetrics {
  return { requests: 0, byAction: {}, errorsByAction: {}, requestBytes: 0, billedRequests: 0, emptyReceives: 0 };
}

export function emptyMetrics(): LocalMetrics {
  return {
    api: { requests: 0, byStatus: {}, byRoute: {}, throttled: 0 },
    dynamodb: { ...emptyServiceMetrics(), writeUnits: 0, readUnits: 0 },
    sqs: emptyServiceMetrics(),
    lambda: {},
  };
}

export function bump(map: Record<string, number>, key: string, by = 1): void {
  map[key] = (map[key] ?? 0) + by;
}

/** Deep copy, so a caller cannot change the live counters. */
export function snapshot(m: LocalMetrics): LocalMetrics {
  return JSON.parse(JSON.stringify(m)) as LocalMetrics;
}

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
    m.writeUnits += status < 400 ? units : responseBody.includes("ConditionalCheckFailed") ? 1 : 0;
  } else if (DYNAMODB_READS.has(action)) {
    m.readUnits += units;
  }
}

export function recordSqs(m: ServiceMetrics, action: string, status: number, requestBody: Buffer, responseBody: Buffer): void {
  countRequest(m, action, status, requestBody.length);
  // JSON protocol answers {"Messages":[…]} when it has any, {} when not.
  if (action === "ReceiveMessage" && status < 400 && !responseBody.includes('"Messages"') && !responseBody.includes("<Message>")) m.emptyReceives += 1;
}
