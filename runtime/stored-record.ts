// One event's item as the code sees it, and the one decoder from the table's attributes
// (runtime/contract/table.ts) to it: the store, the listing and the operator read items through it.
import { ITEM_ATTRIBUTES as A, TABLE_HASH_KEY, TABLE_TTL_ATTRIBUTE } from "./contract/table";
import type { FailureCategory } from "./failure-classes";

export type RecordStatus = "accepted" | "processed" | "failed";

/** What the table holds for one idempotency key, decoded. */
export interface StoredRecord {
  id: string;
  status: RecordStatus;
  /** SHA-256 (hex) of the event as received. */
  payloadHash: string;
  source?: string;
  type?: string;
  receivedAt?: string;
  /** The TTL: epoch seconds after which DynamoDB may delete the item. */
  ttlSeconds?: number;
  /** Epoch milliseconds; only while `accepted`. */
  leaseUntil?: number;
  leaseToken?: string;
  processedAt?: string;
  /** Attempts at storing it so far, every delivery and replay that wrote it included. */
  attempts?: number;
  errorCategory?: FailureCategory;
  errorReason?: string;
  /** The last retried failure, while the event waits for another attempt (or sits in the DLQ). */
  retryCategory?: FailureCategory;
  retryReason?: string;
  /** The stored document (contract/stored-document.ts); absent while accepted and on a minimal failure record. */
  document?: Uint8Array;
}

/** The payload hash's bytes, as the table holds them. */
export const hashBytes = (hex: string): Buffer => Buffer.from(hex, "hex");

/** An item of the table (document-client types) as a StoredRecord. */
export function fromItem(item: Record<string, unknown>): StoredRecord {
  const hash = item[A.payloadHash];
  const rec: StoredRecord = {
    id: String(item[TABLE_HASH_KEY]),
    status: item[A.status] as RecordStatus,
    payloadHash: hash instanceof Uint8Array ? Buffer.from(hash).toString("hex") : String(hash ?? ""),
  };
  const copy = <K extends keyof StoredRecord>(field: K, attribute: string) => {
    if (item[attribute] !== undefined) rec[field] = item[attribute] as StoredRecord[K];
  };
  copy("source", A.source);
  copy("type", A.type);
  copy("receivedAt", A.receivedAt);
  copy("ttlSeconds", TABLE_TTL_ATTRIBUTE);
  copy("leaseUntil", A.leaseUntil);
  copy("leaseToken", A.leaseToken);
  copy("processedAt", A.processedAt);
  copy("attempts", A.attempts);
  copy("errorCategory", A.errorCategory);
  copy("errorReason", A.errorReason);
  copy("retryCategory", A.retryCategory);
  copy("retryReason", A.retryReason);
  copy("document", A.document);
  return rec;
}
