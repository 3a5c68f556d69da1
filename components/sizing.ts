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
