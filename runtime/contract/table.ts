// The IdempotentTable's schema, written once: components/idempotent-table.ts creates the table
// from it and runtime/event-store.ts builds its items, keys and conditions from it. An item holds
// the event as one binary document (stored-document.ts) and, beside it, only what queries and
// conditions read. Names that nothing queries are short: every byte of every item is paid for.

/** The partition key: one item per idempotency key, holding the event id (`evt_…`). */
export const TABLE_HASH_KEY = "pk";
/** DynamoDB attribute type of the partition key (S: string). */
export const TABLE_HASH_KEY_TYPE = "S";

/** Epoch seconds after which DynamoDB may delete the item (absent: kept). */
export const TABLE_TTL_ATTRIBUTE = "expiresAt";

/** The item's other attributes. `source` and `receivedAt` stay top-level, named, for indexes. */
export const ITEM_ATTRIBUTES = {
  /** S: `accepted`, `processed` or `failed`. */
  status: "status",
  /** B: SHA-256 (32 bytes) of the event as received; conditions compare it. */
  payloadHash: "h",
  /** S: the event's `source`. */
  source: "source",
  /** S: the event's `type`. */
  type: "type",
  /** S: ISO 8601 time the ingest accepted the request. */
  receivedAt: "receivedAt",
  /** S: ISO 8601 time the worker stored the final state. */
  processedAt: "pa",
  /** N: receives of the queue message when it was stored (1 = first attempt). */
  attempts: "n",
  /** S: failure category (VALIDATION, PERMANENT, PROCESSING…); only on `failed` items (the failed index's key). */
  errorCategory: "ec",
  /** S: a short reason; only on `failed` items. */
  errorReason: "er",
  /**
   * S: category of the last failed attempt that is retried (TRANSIENT, TIMEOUT), while the event is
   * not stored: what the DLQ preview groups by. Not `ec`, so the event stays out of the failed index.
   */
  retryCategory: "rc",
  /** S: that attempt's short reason. */
  retryReason: "rr",
  /** N: epoch milliseconds until which the ingest's lease holds; only while `accepted`. */
  leaseUntil: "lu",
  /** S: the token of the request holding the lease; only while `accepted`. */
  leaseToken: "lt",
  /** B: the stored document: the event's exact text and the request's metadata. */
  document: "d",
  /**
   * S: the id of the replay run that last stored the event (the queue message's `replay`); a
   * second delivery of that run's message is refused by the condition: a duplicate, not a store.
   */
  replayId: "rp",
} as const;

/**
 * The optional keys-only GSI for listing a source's events in arrival order (config `listIndex`).
 * Every item has both keys from the lease write on, so it costs one write unit per event there;
 * the worker's write keeps them unchanged and so does not touch the index.
 */
export const BY_SOURCE_INDEX = "bySource";
/** Its keys: the event's `source` and the ISO `receivedAt` time, both strings. */
export const BY_SOURCE_INDEX_KEYS = { hashKey: ITEM_ATTRIBUTES.source, rangeKey: ITEM_ATTRIBUTES.receivedAt, type: "S" } as const;

/**
 * The sparse keys-only GSI of failed events, always there: only `failed` items carry `ec`, so an
 * event that is processed never costs it a write, and failed events are found without a scan.
 */
export const FAILED_INDEX = "failedByCategory";
/** Its keys: the failure category and the ISO `receivedAt` time, both strings. */
export const FAILED_INDEX_KEYS = { hashKey: ITEM_ATTRIBUTES.errorCategory, rangeKey: ITEM_ATTRIBUTES.receivedAt, type: "S" } as const;

/**
 * The one item that is not an event: the stack's failure mode (contract/failure-modes.ts), set by
 * the operator and read by the ingest and the worker. Its key can never be an event id (`evt_…`),
 * and it carries none of the indexes' keys.
 */
export const FAILURE_MODE_ITEM_ID = "sluice:failure-mode";
/** S: the failure mode item's setting, as JSON (contract/failure-modes.ts, `FailureModeSetting`). */
export const FAILURE_MODE_ATTRIBUTE = "fm";

/** The key object of one item. */
export function itemKey(id: string): Record<typeof TABLE_HASH_KEY, string> {
  return { [TABLE_HASH_KEY]: id };
}
