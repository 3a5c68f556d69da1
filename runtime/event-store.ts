// The IdempotentTable behind a small interface: the lease write (ingest write 1), its compensation,
// the final write (worker write 2) and the read. Conditions live here, in one place.
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { itemKey, TABLE_HASH_KEY, TABLE_TTL_ATTRIBUTE } from "./contract/table";
import type { FailureCategory } from "./failure-classes";

export type RecordStatus = "accepted" | "processed" | "failed";

/** What the table holds for one idempotency key. */
export interface StoredRecord {
  /** The event id. */
  [TABLE_HASH_KEY]: string;
  status: RecordStatus;
  payloadHash: string;
  source?: string;
  type?: string;
  receivedAt?: string;
  [TABLE_TTL_ATTRIBUTE]?: number;
  /** Epoch milliseconds; only while `accepted`. */
  leaseUntil?: number;
  leaseToken?: string;
  key?: string;
  requestId?: string;
  sourceIp?: string;
  userAgent?: string;
  event?: Record<string, unknown>;
  processedAt?: string;
  errorCategory?: FailureCategory;
  errorReason?: string;
  receiveCount?: number;
}

export interface LeaseRecord {
  [TABLE_HASH_KEY]: string;
  payloadHash: string;
  source: string;
  type: string;
  receivedAt: string;
  [TABLE_TTL_ATTRIBUTE]: number;
  leaseUntil: number;
  leaseToken: string;
}

export interface FinalRecord {
  [TABLE_HASH_KEY]: string;
  status: "processed" | "failed";
  payloadHash: string;
  key: string;
  source: string;
  type: string;
  receivedAt: string;
  [TABLE_TTL_ATTRIBUTE]: number;
  requestId: string;
  sourceIp?: string;
  userAgent?: string;
  event: Record<string, unknown>;
  processedAt: string;
  errorCategory?: FailureCategory;
  errorReason?: string;
  receiveCount?: number;
}

export type WriteOutcome = { written: true } | { written: false; existing: StoredRecord | undefined };

export interface EventStore {
  /** Creates the lease, or takes over an expired lease on the same payload. */
  acquire(rec: LeaseRecord, nowMs: number): Promise<WriteOutcome>;
  /** Deletes the record only while it still holds our lease token. Returns whether it did. */
  release(id: string, leaseToken: string): Promise<boolean>;
  /** Stores the final state once: only over our own `accepted` record, or where none exists. */
  complete(rec: FinalRecord): Promise<WriteOutcome>;
  get(id: string): Promise<StoredRecord | undefined>;
}

// The hash key goes through a name placeholder, so the schema may name it anything, reserved
// words included. (Not `#key`: the final write also sets an attribute called `key`.)
const HASH_KEY_NAME = "#itemKey";
const NO_ITEM_YET = `attribute_not_exists(${HASH_KEY_NAME})`;

function isConditionFailure(err: unknown): err is ConditionalCheckFailedException & { Item?: Record<string, unknown> } {
  return err instanceof ConditionalCheckFailedException || (err as { name?: string } | null)?.name === "ConditionalCheckFailedException";
}

export function createDynamoEventStore(doc: DynamoDBDocumentClient, tableName: string): EventStore {
  const get = async (id: string): Promise<StoredRecord | undefined> => {
    const out = await doc.send(new GetCommand({ TableName: tableName, Key: itemKey(id), ConsistentRead: true }));
    return out.Item as StoredRecord | undefined;
  };

  // DynamoDB hands back the old item with ReturnValuesOnConditionCheckFailure; a store that does
  // not (dynalite) costs one consistent read instead. The item may also have vanished meanwhile.
  const existingAfterConflict = async (err: { Item?: Record<string, unknown> }, id: string): Promise<StoredRecord | undefined> => {
    // The document client does not translate items attached to errors: they are still typed values.
    if (err.Item) return unmarshall(err.Item as Parameters<typeof unmarshall>[0]) as unknown as StoredRecord;
    return get(id);
  };

  return {
    get,

    async acquire(rec, nowMs) {
      try {
        await doc.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...rec, status: "accepted" },
            ConditionExpression: `${NO_ITEM_YET} OR (#status = :accepted AND leaseUntil < :now AND payloadHash = :hash)`,
            ExpressionAttributeNames: { [HASH_KEY_NAME]: TABLE_HASH_KEY, "#status": "status" },
            ExpressionAttributeValues: { ":accepted": "accepted", ":now": nowMs, ":hash": rec.payloadHash },
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          }),
        );
        return { written: true };
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
        return { written: false, existing: await existingAfterConflict(err, rec[TABLE_HASH_KEY]) };
      }
    },

    async release(id, leaseToken) {
      try {
        await doc.send(
          new DeleteCommand({
            TableName: tableName,
            Key: itemKey(id),
            ConditionExpression: "leaseToken = :token AND #status = :accepted",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: { ":token": leaseToken, ":accepted": "accepted" },
          }),
        );
        return true;
      } catch (err) {
        if (isConditionFailure(err)) return false;
        throw err;
      }
    },

    async complete(rec) {
      const { [TABLE_HASH_KEY]: id, ...fields } = rec;
      const names: Record<string, string> = { [HASH_KEY_NAME]: TABLE_HASH_KEY, "#status": "status" };
      const values: Record<string, unknown> = { ":accepted": "accepted", ":hash": rec.payloadHash };
      const sets: string[] = [];
      for (const [name, value] of Object.entries(fields)) {
        if (value === undefined) continue;
        names[`#${name}`] = name;
        values[`:${name}`] = value;
        sets.push(`#${name} = :${name}`);
      }
      try {
        await doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: itemKey(id),
            UpdateExpression: `SET ${sets.join(", ")} REMOVE leaseUntil, leaseToken`,
            ConditionExpression: `${NO_ITEM_YET} OR (#status = :accepted AND payloadHash = :hash)`,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          }),
        );
        return { written: true };
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
        return { written: false, existing: await existingAfterConflict(err, id) };
      }
    },
  };
}
