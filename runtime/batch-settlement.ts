// What the worker does with a batch once every record has its result: publishes the stored events
// (at least once: a record whose publish failed is retried, and its redelivery publishes again),
// gives each retried record its backoff (runtime/retry-backoff.ts), writes the batch's metrics
// (one EMF line), and answers. A batch in which every record failed fails the invocation instead
// (as Powertools' FullBatchFailureError does), so Lambda's Errors metric and alarm see it and the
// event source mapping scales its pollers down; nothing is deleted then, so nothing is lost.
import type { SQSBatchResponse, SQSRecord } from "aws-lambda";
import { publishes } from "./contract/fan-out";
import type { FanOutDetail, PublishMode } from "./contract/fan-out";
import { fanOutEntry } from "./event-publisher";
import type { EventPublisher, PublishEntry } from "./event-publisher";
import type { FailureCategory } from "./failure-classes";
import type { Logger } from "./log";
import { count, createTally, observe } from "./metrics";
import type { MetricsWriter } from "./metrics";
import { retryDelaySeconds } from "./retry-backoff";
import type { RetryPolicy, VisibilityChanger } from "./retry-backoff";

export type RecordOutcome = "stored" | "duplicate" | "conflict" | "failed-stored" | "retry" | "poison";

/** One record's result, with what the fan-out and the metrics need of it. */
export interface RecordResult {
  outcome: RecordOutcome;
  /** The failure's category: a record stored as failed, or one retried after a failure. */
  category?: FailureCategory;
  /** A stored event (by this delivery or, for a duplicate, an earlier one): what its published event says. */
  stored?: { meta: Omit<FanOutDetail, "event" | "eventOmitted">; eventText: string };
  /** Receipt to stored, for a record this delivery stored. */
  endToEndMs?: number;
}

export interface SettlementDeps {
  publish: PublishMode;
  publisher?: EventPublisher;
  visibility?: VisibilityChanger;
  retry: RetryPolicy;
  metrics?: MetricsWriter;
  log: Logger;
  random?: () => number;
}

/** The error a fully failed batch throws: Lambda then retries the whole batch and counts an error. */
export function fullBatchFailure(records: number): Error {
  const err = new Error(`all ${records} records of the batch failed: the invocation fails, so Lambda backs off and counts an error`);
  err.name = "FullBatchFailureError";
  return err;
}

function receiveCount(record: SQSRecord): number {
  return Number(record.attributes?.ApproximateReceiveCount ?? 1);
}

export async function settleBatch(records: SQSRecord[], results: RecordResult[], deps: SettlementDeps, awsRequestId: string): Promise<SQSBatchResponse> {
  const tally = createTally();
  // 1. Publish what is stored; a record whose entry failed goes back to the queue.
  const entries: PublishEntry[] = [];
  results.forEach((r, i) => {
    if (r.stored && deps.publisher && publishes(deps.publish, r.stored.meta.status)) {
      entries.push(fanOutEntry(records[i].messageId, r.stored.meta, r.stored.eventText, records[i].attributes?.AWSTraceHeader));
    }
  });
  const notPublished = deps.publisher && entries.length > 0 ? await deps.publisher.publish(entries) : [];
  count(tally, "Published", entries.length - notPublished.length);
  count(tally, "PublishFailed", notPublished.length);
  const outcomes = results.map((r, i): RecordOutcome => (notPublished.includes(records[i].messageId) ? "retry" : r.outcome));

  // 2. Retried records back off by their receive count; poison keeps the queue's timeout (it fails the same way every time).
  const changes = records
    .map((rec, i) => ({ rec, i }))
    .filter(({ i }) => outcomes[i] === "retry")
    .map(({ rec }) => ({ messageId: rec.messageId, receiptHandle: rec.receiptHandle, seconds: retryDelaySeconds(receiveCount(rec), deps.retry, deps.random) }));
  if (changes.length > 0 && deps.visibility) await deps.visibility.change(changes);

  // 3. The batch's metrics, in one line.
  results.forEach((r, i) => {
    if (r.outcome === "stored") count(tally, "Processed");
    if (r.outcome === "duplicate") count(tally, "Duplicates");
    if (r.outcome === "conflict") count(tally, "Conflicts");
    if (r.outcome === "poison") count(tally, "Poison");
    if (r.category && (r.outcome === "failed-stored" || r.outcome === "retry")) count(tally, "Failed", 1, r.category);
    if (outcomes[i] === "retry" || outcomes[i] === "poison") count(tally, "Retried");
    if (r.endToEndMs !== undefined) observe(tally, "EndToEndMs", r.endToEndMs);
  });
  deps.metrics?.write(tally);

  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[o] = (counts[o] ?? 0) + 1;
  deps.log.info("batch handled", { awsRequestId, records: records.length, ...counts, ...(entries.length > 0 ? { published: entries.length - notPublished.length } : {}) });

  const batchItemFailures = records.filter((_, i) => outcomes[i] === "retry" || outcomes[i] === "poison").map((r) => ({ itemIdentifier: r.messageId }));
  if (records.length > 0 && batchItemFailures.length === records.length) {
    deps.log.warn("every record of the batch failed: failing the invocation", { awsRequestId, records: records.length, ...counts });
    throw fullBatchFailure(records.length);
  }
  return { batchItemFailures };
}
