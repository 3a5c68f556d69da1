// The IdempotentTable behind a small interface: the lease write (ingest write 1), its compensation,
// the final write (worker write 2) and the read. Item layout (runtime/contract/table.ts) and the
// conditions live here, in one place. The event itself is one opaque binary document: nothing
// here, or in the SDK, ever turns user data into DynamoDB types.
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { ITEM_ATTRIBUTES as A, itemKey, TABLE_HASH_KEY, TABLE_TTL_ATTRIBUTE } from "./contract/table";
import { dependencyFailure } from "./failure-classes";
import type { FailureCategory } from "./failure-classes";
import { fromItem, hashBytes } from "./stored-record";
import type { StoredRecord } from "./stored-record";

export type { RecordStatus, StoredRecord } from "./stored-record";

export interface LeaseRecord {
  id: string;
  payloadHash: string;
  source: string;
  type: string;
  receivedAt: string;
  /** The end of the idempotency window, in epoch seconds: a lease never processed goes then. */
  ttlSeconds: number;
  leaseUntil: number;
  leaseToken: string;
}

export interface FinalRecord {
  id: string;
  status: "processed" | "failed";
  payloadHash: string;
  /** Absent only when a failed event has no usable `source`/`type` (an index key cannot be empty). */
  source?: string;
  type?: string;
  receivedAt: string;
  /** Epoch seconds after which DynamoDB may delete the event; absent: kept (no TTL). */
  ttlSeconds?: number;
  processedAt: string;
  attempts: number;
  errorCategory?: FailureCategory;
  errorReason?: string;
  /** Absent only on a minimal failure record, for an event that could not be stored at all. */
  document?: Uint8Array;
  /**
   * The replay run's id (the operator re-enqueued a stored event): it may overwrite a `processed` or
   * `failed` record of the same payload, never another payload's, and only once per run.
   */
  replay?: string;
}

export type WriteOutcome = { written: true } | { written: false; existing: StoredRecord | undefined };

export interface EventStore {
  /** Creates the lease, or takes over an expired lease on the same payload. */
  acquire(rec: LeaseRecord, nowMs: number): Promise<WriteOutcome>;
  /** Deletes the record only while it still holds our lease token. Returns whether it did. */
  release(id: string, leaseToken: string): Promise<boolean>;
  /**
   * Stores the final state once: only over our own `accepted` record, or where none exists (a
   * replay: over any record of the same payload). Adds `attempts` to the record's count.
   */
  complete(rec: FinalRecord): Promise<WriteOutcome>;
  /**
   * Notes a failure that will be retried on the event's existing `accepted` record (never creates
   * one, never touches a stored one), so the DLQ preview can say why; resolves false when there was
   * no record of this payload waiting to note on.
   */
  noteRetry(id: string, payloadHash: string, failure: { category: FailureCategory; reason: string }): Promise<boolean>;
  get(id: string): Promise<StoredRecord | undefined>;
}

// The hash key goes through a name placeholder, so the schema may name it anything, reserved words included.
const HASH_KEY_NAME = "#itemKey";
const NO_ITEM_YET = `attribute_not_exists(${HASH_KEY_NAME})`;

function isConditionFailure(err: unknown): err is ConditionalCheckFailedException & { Item?: Record<string, unknown> } {
  return err instanceof ConditionalCheckFailedException || (err as { name?: string } | null)?.name === "ConditionalCheckFailedException";
}

export function createDynamoEventStore(doc: DynamoDBDocumentClient, tableName: string): EventStore {
  const call = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      if (isConditionFailure(err)) throw err;
      throw dependencyFailure(err, "dynamodb");
    }
  };

  const get = async (id: string): Promise<StoredRecord | undefined> => {
    const out = await call(() => doc.send(new GetCommand({ TableName: tableName, Key: itemKey(id), ConsistentRead: true })));
    return out.Item ? fromItem(out.Item) : undefined;
  };

  // DynamoDB hands back the old item with ReturnValuesOnConditionCheckFailure; a store that does
  // not (dynalite) costs one consistent read instead. The item may also have vanished meanwhile.
  const existingAfterConflict = async (err: { Item?: Record<string, unknown> }, id: string): Promise<StoredRecord | undefined> => {
    // The document client does not translate items attached to errors: they are still typed values.
    if (err.Item) return fromItem(unmarshall(err.Item as Parameters<typeof unmarshall>[0]));
    return get(id);
  };

  return {
    get,

    async acquire(rec, nowMs) {
      try {
        await call(() =>
          doc.send(
            new PutCommand({
              TableName: tableName,
              Item: {
                [TABLE_HASH_KEY]: rec.id,
                [A.status]: "accepted",
                [A.payloadHash]: hashBytes(rec.payloadHash),
                [A.source]: rec.source,
                [A.type]: rec.type,
                [A.receivedAt]: rec.receivedAt,
                [TABLE_TTL_ATTRIBUTE]: rec.ttlSeconds,
                [A.leaseUntil]: rec.leaseUntil,
                [A.leaseToken]: rec.leaseToken,
              },
              ConditionExpression: `${NO_ITEM_YET} OR (#st = :accepted AND #lu < :now AND #h = :hash)`,
              ExpressionAttributeNames: { [HASH_KEY_NAME]: TABLE_HASH_KEY, "#st": A.status, "#h": A.payloadHash, "#lu": A.leaseUntil },
              ExpressionAttributeValues: { ":accepted": "accepted", ":now": nowMs, ":hash": hashBytes(rec.payloadHash) },
              ReturnValuesOnConditionCheckFailure: "ALL_OLD",
            }),
          ),
        );
        return { written: true };
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
        return { written: false, existing: await existingAfterConflict(err, rec.id) };
      }
    },

    async release(id, leaseToken) {
      try {
        await call(() =>
          doc.send(
            new DeleteCommand({
              TableName: tableName,
              Key: itemKey(id),
              ConditionExpression: "#lt = :token AND #st = :accepted",
              ExpressionAttributeNames: { "#st": A.status, "#lt": A.leaseToken },
              ExpressionAttributeValues: { ":token": leaseToken, ":accepted": "accepted" },
            }),
          ),
        );
        return true;
      } catch (err) {
        if (isConditionFailure(err)) return false;
        throw err;
      }
    },

    async complete(rec) {
      // [placeholder, attribute, value]; an undefined value is removed (a TTL the lease had, say).
      const fields: [string, string, unknown][] = [
        ["#st", A.status, rec.status],
        ["#h", A.payloadHash, hashBytes(rec.payloadHash)],
        ["#src", A.source, rec.source],
        ["#ty", A.type, rec.type],
        ["#ra", A.receivedAt, rec.receivedAt],
        ["#pa", A.processedAt, rec.processedAt],
        ["#ttl", TABLE_TTL_ATTRIBUTE, rec.ttlSeconds],
        ["#ec", A.errorCategory, rec.errorCategory],
        ["#er", A.errorReason, rec.errorReason],
        ["#d", A.document, rec.document],
      ];
      // A replay run's id stays on the item: a second copy of that run's message (delivered twice,
      // or redriven after it was sent but not deleted) is a duplicate, not a second store.
      if (rec.replay !== undefined) fields.push(["#rp", A.replayId, rec.replay]);
      // The lease and a retried failure's note go; attempts add up over deliveries and replays.
      const names: Record<string, string> = { [HASH_KEY_NAME]: TABLE_HASH_KEY, "#lu": A.leaseUntil, "#lt": A.leaseToken, "#rc": A.retryCategory, "#rr": A.retryReason, "#n": A.attempts };
      const values: Record<string, unknown> = { ":hash": hashBytes(rec.payloadHash), ":n": rec.attempts, ":zero": 0 };
      const sets: string[] = ["#n = if_not_exists(#n, :zero) + :n"];
      const removes = ["#lu", "#lt", "#rc", "#rr"];
      for (const [placeholder, attribute, value] of fields) {
        names[placeholder] = attribute;
        if (value === undefined) {
          removes.push(placeholder);
        } else {
          values[`:${placeholder.slice(1)}`] = value;
          sets.push(`${placeholder} = :${placeholder.slice(1)}`);
        }
      }
      try {
        await call(() =>
          doc.send(
            new UpdateCommand({
              TableName: tableName,
              Key: itemKey(rec.id),
              UpdateExpression: `SET ${sets.join(", ")} REMOVE ${removes.join(", ")}`,
              ConditionExpression:
                rec.replay !== undefined
                  ? `${NO_ITEM_YET} OR (#h = :hash AND (attribute_not_exists(#rp) OR #rp <> :rp))`
                  : `${NO_ITEM_YET} OR (#st = :accepted AND #h = :hash)`,
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: rec.replay !== undefined ? values : { ...values, ":accepted": "accepted" },
              ReturnValuesOnConditionCheckFailure: "ALL_OLD",
            }),
          ),
        );
        return { written: true };
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
        return { written: false, existing: await existingAfterConflict(err, rec.id) };
      }
    },

    async noteRetry(id, payloadHash, failure) {
      try {
        await call(() =>
          doc.send(
            new UpdateCommand({
              TableName: tableName,
              Key: itemKey(id),
              UpdateExpression: "SET #rc = :category, #rr = :reason",
              // Only while the event waits (`accepted`): a late note (a TIMEOUT whose attempt stored
              // after all, or another delivery's) never lands on a processed or failed record.
              ConditionExpression: `attribute_exists(${HASH_KEY_NAME}) AND #h = :hash AND #st = :accepted`,
              ExpressionAttributeNames: { [HASH_KEY_NAME]: TABLE_HASH_KEY, "#rc": A.retryCategory, "#rr": A.retryReason, "#h": A.payloadHash, "#st": A.status },
              ExpressionAttributeValues: { ":category": failure.category, ":reason": failure.reason.slice(0, 500), ":hash": hashBytes(payloadHash), ":accepted": "accepted" },
            }),
          ),
        );
        return true;
      } catch (err) {
        if (isConditionFailure(err)) return false;
        throw err;
      }
    },
  };
}
