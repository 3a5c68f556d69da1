// Timeouts that must agree with each other are computed from one another here, never typed in
// twice: a queue whose visibility is shorter than its consumer's run redelivers messages that are
// still being worked on, and a lease shorter than the ingest timeout lets a duplicate slip past
// a request that is still writing.

/** AWS's rule for SQS-triggered functions: 6 × the function timeout plus the batching window. */
export function visibilityTimeoutFor(consumerTimeoutSeconds: number, batchingWindowSeconds = 0): number {
  assertPositiveInteger("consumer timeout", consumerTimeoutSeconds);
  if (!Number.isInteger(batchingWindowSeconds) || batchingWindowSeconds < 0) {
    throw new Error(`batching window must be a non-negative integer, got ${batchingWindowSeconds}`);
  }
  const seconds = 6 * consumerTimeoutSeconds + batchingWindowSeconds;
  if (seconds > 43_200) throw new Error(`visibility timeout ${seconds}s exceeds the SQS maximum of 43200s: lower the worker timeout`);
  return seconds;
}

/**
 * The lease on a new idempotency record outlives the longest ingest run (its timeout) by the
 * same again, so a live request never sees its own lease expire under it.
 */
export function leaseSecondsFor(ingestTimeoutSeconds: number): number {
  assertPositiveInteger("ingest timeout", ingestTimeoutSeconds);
  return 2 * ingestTimeoutSeconds;
}

/** Duration alarm threshold: 80 % of the timeout, in milliseconds (Lambda reports ms). */
export function durationAlarmThresholdMs(timeoutSeconds: number): number {
  assertPositiveInteger("timeout", timeoutSeconds);
  return Math.floor(timeoutSeconds * 1000 * 0.8);
}

function assertPositiveInteger(what: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${what} must be a positive integer, got ${value}`);
}

/** SQS CreateQueue, MessageRetentionPeriod: 60 s to 1,209,600 s (14 days). */
export const SQS_RETENTION_RANGE = { min: 60, max: 1_209_600 } as const;

/** Least time a dead-lettered message is left in the DLQ to be looked at and redriven. */
export const MIN_DLQ_GRACE_SECONDS = 86_400;

/**
 * The DLQ must keep messages longer than the main queue, by at least MIN_DLQ_GRACE_SECONDS: for a
 * standard queue SQS keeps a message's original enqueue timestamp when it moves it to the DLQ, so
 * the DLQ's retention counts from the first send, not from the move ("Setting-up dead-letter
 * queue retention in Amazon SQS", SQS Developer Guide: "always set the retention period of a
 * dead-letter queue to be longer than the retention period of the original queue"). With equal
 * retentions, a message that failed late in its life would expire the moment it reached the DLQ.
 */
export function checkDlqRetention(queue: string, mainSeconds: number, dlqSeconds: number): void {
  for (const [what, seconds] of [["message retention", mainSeconds], ["DLQ retention", dlqSeconds]] as const) {
    if (!Number.isInteger(seconds) || seconds < SQS_RETENTION_RANGE.min || seconds > SQS_RETENTION_RANGE.max) {
      throw new Error(`queue ${queue}: ${what} ${seconds}s is outside SQS's ${SQS_RETENTION_RANGE.min}-${SQS_RETENTION_RANGE.max}s`);
    }
  }
  if (dlqSeconds - mainSeconds < MIN_DLQ_GRACE_SECONDS) {
    throw new Error(
      `queue ${queue}: the DLQ keeps messages ${dlqSeconds}s counted from their first send (SQS keeps the original enqueue timestamp), ` +
        `so the main queue's retention ${mainSeconds}s must be at least ${MIN_DLQ_GRACE_SECONDS}s shorter: ` +
        `set sluice:messageRetentionSeconds to at most ${dlqSeconds - MIN_DLQ_GRACE_SECONDS}`,
    );
  }
}

/** `reservedConcurrentExecutions` for "no reservation" (the provider's own default). */
export const UNRESERVED = -1;

/**
 * A function's reserved concurrency: -1 (none) or at least 1. Zero stops the function entirely,
 * which is an emergency brake (`aws lambda put-function-concurrency`), not a configuration. Lambda
 * itself refuses a reservation that leaves the account's UnreservedConcurrentExecution under its
 * floor: 100 on an account with the default quota of 1,000 ("leave at least 100 simultaneous
 * executions unreserved", Lambda API Reference, PutFunctionConcurrency), and the whole quota on a
 * new account whose quota is reduced to 10 ("New AWS accounts have reduced concurrency and memory
 * quotas", Lambda Developer Guide, "Lambda quotas"): there, any reservation fails the deploy.
 */
export function checkReservedConcurrency(fn: string, reserved: number): number {
  if (reserved === UNRESERVED) return reserved;
  if (!Number.isInteger(reserved) || reserved < 1) {
    throw new Error(`${fn}: reserved concurrency must be -1 (none) or a positive integer, got ${reserved}; 0 would stop the function`);
  }
  return reserved;
}

/** The ScalingConfig range of an SQS event source mapping (Lambda API Reference, ScalingConfig). */
export const SQS_MAX_CONCURRENCY_RANGE = { min: 2, max: 1000 } as const;

/**
 * An SQS event source mapping may drive at most the consumer's reserved concurrency: above it,
 * Lambda throttles the extra batches, which go back to the queue and count towards
 * maxReceiveCount, so healthy events end in the DLQ ("Configuring scaling behavior for SQS event
 * source mappings", Lambda Developer Guide: maximum concurrency should not exceed the function's
 * reserved concurrency).
 */
export function checkMappingConcurrency(consumer: string, maxConcurrency: number, reserved: number): void {
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < SQS_MAX_CONCURRENCY_RANGE.min || maxConcurrency > SQS_MAX_CONCURRENCY_RANGE.max) {
    throw new Error(`${consumer}: the queue's maximum concurrency must be ${SQS_MAX_CONCURRENCY_RANGE.min}-${SQS_MAX_CONCURRENCY_RANGE.max}, got ${maxConcurrency}`);
  }
  if (reserved !== UNRESERVED && maxConcurrency > reserved) {
    throw new Error(
      `${consumer}: the queue may drive ${maxConcurrency} concurrent invocations (sluice:workerMaxConcurrency) but only ${reserved} are reserved ` +
        `(sluice:workerReservedConcurrency): Lambda would throttle the rest and their messages would count towards maxReceiveCount. ` +
        `Raise the reservation to at least ${maxConcurrency} or lower the maximum concurrency`,
    );
  }
}

/**
 * A function's timeout must outlast `calls` SDK calls in series that each run into their deadline
 * (runtime/aws-clients.ts), plus a second to answer: otherwise Lambda kills it first and API
 * Gateway answers its own 500 instead of the function's 503 with Retry-After.
 */
export function checkOutlastsCalls(fn: string, timeoutSeconds: number, calls: number, callDeadlineMs: number): void {
  const needed = Math.ceil((calls * callDeadlineMs) / 1000) + 1;
  if (timeoutSeconds < needed) {
    throw new Error(`${fn}: a timeout of ${timeoutSeconds}s cannot outlast ${calls} AWS call(s) of up to ${callDeadlineMs} ms each: set sluice:${fn}TimeoutSeconds to at least ${needed}`);
  }
}

/** SQS ChangeMessageVisibility: at most 12 hours, counted from the receive. */
export const SQS_MAX_VISIBILITY_SECONDS = 43_200;

/**
 * A retried record's backoff (runtime/retry-backoff.ts) is set near the end of a worker run, so its
 * cap plus the worker's timeout must stay within SQS's 12 hours from the receive, or the change is
 * refused and the record waits the queue's visibility timeout instead.
 */
export function checkRetryBackoff(baseSeconds: number, maxSeconds: number, workerTimeoutSeconds: number): void {
  assertPositiveInteger("sluice:retryBaseSeconds", baseSeconds);
  assertPositiveInteger("sluice:retryMaxSeconds", maxSeconds);
  if (maxSeconds < baseSeconds) throw new Error(`sluice:retryMaxSeconds (${maxSeconds}) must be at least sluice:retryBaseSeconds (${baseSeconds})`);
  const limit = SQS_MAX_VISIBILITY_SECONDS - workerTimeoutSeconds;
  if (maxSeconds > limit) {
    throw new Error(`sluice:retryMaxSeconds ${maxSeconds}s plus the worker timeout ${workerTimeoutSeconds}s exceeds SQS's visibility limit of ${SQS_MAX_VISIBILITY_SECONDS}s from the receive: set it to at most ${limit}`);
  }
}
