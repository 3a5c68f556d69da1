// The table's indexes behind a small interface: one partition's keys in receivedAt order (both
// indexes are keys-only, runtime/contract/table.ts), and the items those keys name, read
// consistently, so a listing always shows an event's current status.
import { BatchGetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { BY_SOURCE_INDEX, BY_SOURCE_INDEX_KEYS, FAILED_INDEX_KEYS, ITEM_ATTRIBUTES as A, itemKey, TABLE_HASH_KEY, TABLE_TTL_ATTRIBUTE } from "./contract/table";
import { dependencyFailure } from "./failure-classes";
import { fromItem } from "./stored-record";
import type { StoredRecord } from "./stored-record";

/** An index entry: the event id and its receipt time. */
export interface IndexKey {
  id: string;
  receivedAt: string;
}

export interface PartitionRead {
  /** Inclusive ISO lower bound. */
  since?: string;
  /** Exclusive ISO upper bound. */
  until?: string;
  /** Resume after this key. */
  after?: IndexKey;
  limit: number;
}

export interface EventIndex {
  /** Keys of one partition (a source, or a failure category), ascending; `more` when the read stopped early. */
  page(index: string, partition: string, read: PartitionRead): Promise<{ keys: IndexKey[]; more: boolean }>;
  /** The records of `ids` that exist, in no particular order; with `document`, their stored documents too. */
  getMany(ids: readonly string[], opts: { document: boolean }): Promise<StoredRecord[]>;
}

/** BatchGetItem's limit. */
export const MAX_BATCH_GET = 100;
const UNPROCESSED_RETRIES = 5;

export function createDynamoEventIndex(doc: DynamoDBDocumentClient, tableName: string): EventIndex {
  const call = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      throw dependencyFailure(err, "dynamodb");
    }
  };
  const summaryAttributes = [TABLE_HASH_KEY, A.status, A.payloadHash, A.source, A.type, A.receivedAt, A.processedAt, A.attempts, A.errorCategory, A.errorReason, A.retryCategory, A.retryReason, TABLE_TTL_ATTRIBUTE];

  return {
    async page(index, partition, read) {
      const hashKey = index === BY_SOURCE_INDEX ? BY_SOURCE_INDEX_KEYS.hashKey : FAILED_INDEX_KEYS.hashKey;
      const values: Record<string, unknown> = { ":p": partition };
      let range = "";
      // `until` is exclusive; receivedAt has millisecond precision, so BETWEEN ends 1 ms before it.
      const untilInclusive = read.until ? new Date(Date.parse(read.until) - 1).toISOString() : undefined;
      if (read.since && untilInclusive) {
        range = " AND #r BETWEEN :since AND :until";
        Object.assign(values, { ":since": read.since, ":until": untilInclusive });
      } else if (read.since) {
        range = " AND #r >= :since";
        values[":since"] = read.since;
      } else if (untilInclusive) {
        range = " AND #r <= :until";
        values[":until"] = untilInclusive;
      }
      const out = await call(() =>
        doc.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: index,
            KeyConditionExpression: `#h = :p${range}`,
            ExpressionAttributeNames: range ? { "#h": hashKey, "#r": A.receivedAt } : { "#h": hashKey },
            ExpressionAttributeValues: values,
            ExclusiveStartKey: read.after ? { [hashKey]: partition, [A.receivedAt]: read.after.receivedAt, [TABLE_HASH_KEY]: read.after.id } : undefined,
            Limit: read.limit,
            ScanIndexForward: true,
          }),
        ),
      );
      const keys = (out.Items ?? []).map((item) => ({ id: String(item[TABLE_HASH_KEY]), receivedAt: String(item[A.receivedAt]) }));
      return { keys, more: out.LastEvaluatedKey !== undefined };
    },

    async getMany(ids, opts) {
      const attributes = opts.document ? [...summaryAttributes, A.document] : summaryAttributes;
      const names = Object.fromEntries(attributes.map((a, i) => [`#a${i}`, a]));
      const found: StoredRecord[] = [];
      for (let i = 0; i < ids.length; i += MAX_BATCH_GET) {
        let keys: Record<string, unknown>[] = [...new Set(ids.slice(i, i + MAX_BATCH_GET))].map(itemKey);
        for (let attempt = 0; keys.length > 0; attempt++) {
          if (attempt > UNPROCESSED_RETRIES) throw dependencyFailure(new Error(`DynamoDB left ${keys.length} keys unprocessed`), "dynamodb");
          if (attempt > 0) await new Promise((r) => setTimeout(r, 25 * 2 ** attempt));
          const request = keys;
          const out = await call(() =>
            doc.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: request, ConsistentRead: true, ProjectionExpression: Object.keys(names).join(", "), ExpressionAttributeNames: names } } })),
          );
          for (const item of out.Responses?.[tableName] ?? []) found.push(fromItem(item));
          keys = out.UnprocessedKeys?.[tableName]?.Keys ?? [];
        }
      }
      return found;
    },
  };
}
