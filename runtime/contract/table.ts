// The IdempotentTable's schema, written once: components/idempotent-table.ts creates the table
// from it and runtime/event-store.ts builds its keys and condition expressions from it.

/** The partition key: one item per idempotency key, holding the event id (`evt_…`). */
export const TABLE_HASH_KEY = "pk";
/** DynamoDB attribute type of the partition key (S: string). */
export const TABLE_HASH_KEY_TYPE = "S";

/** Epoch seconds after which DynamoDB may delete the item: the end of the idempotency window. */
export const TABLE_TTL_ATTRIBUTE = "expiresAt";

/** The optional GSI for listing a source's events in arrival order (`bySourceIndex` in config). */
export const BY_SOURCE_INDEX = "bySource";
/** Its keys: the event's `source` and the ISO `receivedAt` time, both strings. */
export const BY_SOURCE_INDEX_KEYS = { hashKey: "source", rangeKey: "receivedAt", type: "S" } as const;

/** The key object of one item. */
export function itemKey(id: string): Record<typeof TABLE_HASH_KEY, string> {
  return { [TABLE_HASH_KEY]: id };
}
