// The stack's failure mode (contract/failure-modes.ts) as one reserved item of the table: the
// operator writes it, the ingest and the worker read it, each instance at most once per refresh
// period. A read that fails keeps what the instance knew: a test switch must never take the
// pipeline down with it.
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { parseFailureModeSetting } from "./contract/failure-modes";
import type { FailureModeSetting } from "./contract/failure-modes";
import { FAILURE_MODE_ATTRIBUTE, FAILURE_MODE_ITEM_ID, itemKey } from "./contract/table";
import { dependencyFailure } from "./failure-classes";
import { errorSummary } from "./log";
import type { Logger } from "./log";

export interface FailureModeStore {
  /** The stored setting, or undefined when none is (or it is unreadable: then none applies). */
  read(): Promise<FailureModeSetting | undefined>;
  write(setting: FailureModeSetting): Promise<void>;
}

export function createDynamoFailureModeStore(doc: DynamoDBDocumentClient, tableName: string): FailureModeStore {
  return {
    async read() {
      try {
        const out = await doc.send(new GetCommand({ TableName: tableName, Key: itemKey(FAILURE_MODE_ITEM_ID), ConsistentRead: true }));
        return parseFailureModeSetting(out.Item?.[FAILURE_MODE_ATTRIBUTE]);
      } catch (err) {
        throw dependencyFailure(err, "dynamodb");
      }
    },
    async write(setting) {
      try {
        await doc.send(new PutCommand({ TableName: tableName, Item: { ...itemKey(FAILURE_MODE_ITEM_ID), [FAILURE_MODE_ATTRIBUTE]: JSON.stringify(setting) } }));
      } catch (err) {
        throw dependencyFailure(err, "dynamodb");
      }
    },
  };
}

/** The mode an instance acts on: read again once `refreshMs` has passed, one read at a time. */
export type CurrentFailureMode = () => Promise<FailureModeSetting | undefined>;

export function cachedFailureMode(store: FailureModeStore, refreshMs: number, log: Logger, now: () => number = Date.now): CurrentFailureMode {
  let known: FailureModeSetting | undefined;
  let readAt = -Infinity;
  let reading: Promise<FailureModeSetting | undefined> | undefined;
  return () => {
    if (now() - readAt < refreshMs) return Promise.resolve(known);
    reading ??= store
      .read()
      .then(
        (setting) => {
          if (setting?.mode !== known?.mode) log.warn("failure mode changed", { failureMode: setting?.mode ?? "none", setAt: setting?.setAt });
          known = setting;
          return known;
        },
        (err) => {
          log.error("could not read the failure mode: keeping the last one known", { failureMode: known?.mode ?? "none", ...errorSummary(err) });
          return known;
        },
      )
      .finally(() => {
        readAt = now();
        reading = undefined;
      });
    return reading;
  };
}
