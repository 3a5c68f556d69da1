// The IdempotentTable behind a small interface: the lease write (ingest write 1), its compensation,
// the final write (worker write 2) and the read. Conditions live here, in one place.
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { FailureCategory } from "./failure-classes";

export type RecordStatus = "accepted" | "processed" | "failed";

/** What the table holds for one idempotency key. */
export interface StoredRecord {
  pk: string;
  status: RecordStatus;
  payloadHash: string;
  source?: string;
  type?: string;
  receivedAt?: string;
  expiresAt?: number;
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
  pk: string;
  payloadHash: string;
  source: string;
  type: string;
  receivedAt: string;
  expiresAt: number;
  leaseUntil: number;
  leaseToken: string;
}

export interface FinalRecord {
  pk: string;
  status: "processed" | "failed";
  payloadHash: string;
  key: string;
  source: string;
  type: string;
  receivedAt: string;
  expiresAt: number;
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
  release(pk: string, leaseToken: string): Promise<boolean>;
  /** Stores the final state once: only over our own `accepted` record, or where none exists. */
  complete(rec: FinalRecord): Promise<WriteOutcome>;
  get(pk: string): Promise<StoredRecord | undefined>;
}

function isConditionFailure(err: unknown): err is ConditionalCheckFailedException & { Item?: Record<string, unknown> } {
  return err instanceof ConditionalCheckFailedException || (err as { name?: string } | null)?.name === "ConditionalCheckFailedException";
}

export function createDynamoEventStore(doc: DynamoDBDocumentClient, tableName: string): EventStore {
  const get = async (pk: string): Promise<StoredRecord | undefined> => {
    const out = await doc.send(new GetCommand({ TableName: tableName, Key: { pk }, ConsistentRead: true }));
    return out.Item as StoredRecord | undefined;
  };

  // DynamoDB hands back the old item with ReturnValuesOnConditionCheckFailure; a store that does
  // not (dynalite) costs one consistent read instead. The item may also have vanished meanwhile.
  const existingAfterConflict = async (err: { Item?: Record<string, unknown> }, pk: string): Promise<StoredRecord | undefined> => {
    // The document client does not translate items attached to errors: they are still typed values.
    if (err.Item) return unmarshall(err.Item as Parameters<typeof unmarshall>[0]) as unknown as StoredRecord;
    return get(pk);
  };

  return {
    get,

    async acquire(rec, nowMs) {
      try {
        await doc.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...rec, status: "accepted" },
            ConditionExpression: "attribute_not_exists(pk) OR (#status = :accepted AND leaseUntil < :now AND payloadHash = :hash)",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: { ":accepted": "accepted", ":now": nowMs, ":hash": rec.payloadHash },
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          }),
        );
        return { written: true };
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
        return { written: false, existing: await existingAfterConflict(err, rec.pk) };
      }
    },

    async release(pk, leaseToken) {
      try {
        await doc.send(
          new DeleteCommand({
            TableName: tableName,
            Key: { pk },
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
      const { pk, ...fields } = rec;
      const names: Record<string, string> = { "#status": "status" };
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
            Key: { pk },
            UpdateExpression: `SET ${sets.join(", ")} REMOVE leaseUntil, leaseToken`,
            ConditionExpression: "attribute_not_exists(pk) OR (#status = :accepted AND payloadHash = :hash)",
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          }),
        );
        return { written: true };
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
        return { written: false, existing: await existingAfterConflict(err, pk) };
      }
    },
  };
}
