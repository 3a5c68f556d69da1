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
    /** The same units by action (PutItem: the lease, UpdateItem: the final record…). */
    writeUnitsByAction: Record<string, number>;
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
    dynamodb: { ...emptyServiceMetrics(), writeUnits: 0, writeUnitsByAction: {}, readUnits: 0 },
    sqs: emptyServiceMetrics(),
    lambda: {},
  };
}

export function bump(map: Record<string, number>, key: string, by = 1): void {
  map[key] = (map[key] ?? 0) + by;
}

/** Zeroes every counter in place (the live objects stay those the servers and hosts write to). */
export function resetMetrics(m: LocalMetrics): void {
  const fresh = emptyMetrics();
  Object.assign(m.api, fresh.api);
  Object.assign(m.dynamodb, fresh.dynamodb);
  Object.assign(m.sqs, fresh.sqs);
  for (const fm of Object.values(m.lambda)) {
    Object.assign(fm, { invocations: 0, errors: 0, timeouts: 0, coldStarts: 0, durationMs: 0, initMs: 0, billedMs: 0, gbSeconds: 0 });
  }
}

/** Deep copy, so a caller cannot change the live counters. */
export function snapshot(m: LocalMetrics): LocalMetrics {
  return JSON.parse(JSON.stringify(m)) as LocalMetrics;
}

/**
 * Adds the counters of `delta` into `into`: numbers are summed, nested maps merged the same way.
 * The twin processes send what they counted since they last reported; the stack adds it up.
 */
export function addCounters<T extends object>(into: T, delta: Partial<T>): void {
  const target = into as Record<string, unknown>;
  for (const [key, value] of Object.entries(delta as Record<string, unknown>)) {
    if (typeof value === "number") target[key] = (typeof target[key] === "number" ? (target[key] as number) : 0) + value;
    else if (value && typeof value === "object") {
      if (!target[key] || typeof target[key] !== "object") target[key] = {};
      addCounters(target[key] as object, value as object);
    }
  }
}
