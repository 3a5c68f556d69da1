// Failure classification for the worker (DESIGN §3.5): only TRANSIENT and TIMEOUT are retried.
import { FAILURE_CATEGORIES } from "./contract/metrics";

export type FailureCategory = (typeof FAILURE_CATEGORIES)[number];

export const RETRIED_CATEGORIES: readonly FailureCategory[] = ["TRANSIENT", "TIMEOUT"];

export function isRetried(category: FailureCategory): boolean {
  return RETRIED_CATEGORIES.includes(category);
}

/** An Error that carries its category; plain objects, because classes serialize poorly into archives. */
export type ClassifiedError = Error & { category: FailureCategory };

export function classifiedError(category: FailureCategory, message: string): ClassifiedError {
  const err = new Error(message) as ClassifiedError;
  err.name = `Sluice${category.charAt(0)}${category.slice(1).toLowerCase()}Error`;
  err.category = category;
  return err;
}

// AWS error names that mean "try again later": throttling and service-side trouble.
// Arrays, not Sets: the closure serializer cannot carry a Set into a function archive.
const TRANSIENT_AWS_ERRORS = [
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "Throttling",
  "RequestLimitExceeded",
  "TransactionConflictException",
  "InternalServerError",
  "InternalFailure",
  "ServiceUnavailable",
  "RequestThrottled",
  "KMSThrottlingException",
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
  "AbortError",
];

// Errors about our own wiring (missing table, missing permission): not the record's fault, so it
// is retried and, if the wiring stays broken, lands in the DLQ where it can be redriven once fixed.
const INFRASTRUCTURE_AWS_ERRORS = [
  "ResourceNotFoundException",
  "AccessDeniedException",
  "UnrecognizedClientException",
  "InvalidSignatureException",
  "MissingAuthenticationTokenException",
  "ExpiredTokenException",
  "AWS.SimpleQueueService.NonExistentQueue",
  "QueueDoesNotExist",
];

const NETWORK_CODES = ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EAI_AGAIN", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "ECONNABORTED"];

/** A service the functions call. A failed call to one is a 503 at the edge; anything else thrown is a bug (500). */
export type Dependency = "dynamodb" | "sqs" | "secretsmanager";

/** Marks `err` as the failure of a call to `dependency` (the store and the queue do, around every call). */
export function dependencyFailure(err: unknown, dependency: Dependency): Error & { dependency: Dependency } {
  const e = (err instanceof Error ? err : new Error(String(err))) as Error & { dependency: Dependency };
  e.dependency = dependency;
  return e;
}

/** The dependency whose call failed, or undefined for anything else (a bug). */
export function failedDependency(err: unknown): Dependency | undefined {
  const d = (err as { dependency?: unknown } | null)?.dependency;
  return d === "dynamodb" || d === "sqs" || d === "secretsmanager" ? d : undefined;
}

/** Decides the category of anything thrown while handling one record. */
export function classifyFailure(err: unknown): FailureCategory {
  if (err === null || typeof err !== "object") return "PROCESSING";
  const e = err as { category?: unknown; name?: unknown; code?: unknown; $retryable?: unknown; $fault?: unknown; $metadata?: { httpStatusCode?: number } };
  if (typeof e.category === "string" && (FAILURE_CATEGORIES as readonly string[]).includes(e.category)) {
    return e.category as FailureCategory;
  }
  const name = typeof e.name === "string" ? e.name : "";
  const code = typeof e.code === "string" ? e.code : "";
  if (TRANSIENT_AWS_ERRORS.includes(name) || e.$retryable) return "TRANSIENT";
  if (INFRASTRUCTURE_AWS_ERRORS.includes(name) || INFRASTRUCTURE_AWS_ERRORS.includes(code)) return "TRANSIENT";
  if (NETWORK_CODES.includes(code) || NETWORK_CODES.includes(name)) return "TRANSIENT";
  const status = e.$metadata?.httpStatusCode;
  if (e.$fault === "server" || (typeof status === "number" && status >= 500)) return "TRANSIENT";
  // A client-side AWS error about this record (e.g. an item over 400 KB) will fail the same way again.
  if (e.$fault === "client" || (typeof status === "number" && status >= 400)) return "PERMANENT";
  // A call to DynamoDB or SQS that failed in a way not named above is the dependency's trouble, not the record's.
  if (failedDependency(err)) return "TRANSIENT";
  return "PROCESSING";
}

/**
 * DynamoDB refused a write for the size of the item itself (400 KB): the one client error on which
 * the same write can never succeed. Any other client error on a write (a malformed expression, a
 * wrong attribute type) is our bug or wiring, retried into the DLQ to be redriven once fixed.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-items
 */
export function itemTooLarge(err: unknown): boolean {
  const e = err as { name?: unknown; message?: unknown } | null;
  return e?.name === "ValidationException" && typeof e.message === "string" && /item size (to update )?has exceeded the maximum allowed size/i.test(e.message);
}

/** A short, log-safe reason for storing with a failed record. */
export function failureReason(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`.slice(0, 500);
  return String(err).slice(0, 500);
}
