// Retries that back off: a record the worker returns for redelivery gets a visibility timeout from
// its receive count, exponential with full jitter (AWS Architecture Blog, "Exponential Backoff And
// Jitter"): a random delay between 1 s and min(max, base × 2^(receives − 1)). Without it every retry
// waits the queue's whole visibility timeout, however often the record has failed. The change is
// one ChangeMessageVisibilityBatch per 10 records; if it fails, the record simply comes back after
// the queue's own visibility timeout, so nothing depends on it.
import { ChangeMessageVisibilityBatchCommand } from "@aws-sdk/client-sqs";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { errorSummary } from "./log";
import type { Logger } from "./log";

export interface RetryPolicy {
  /** The ceiling at the first receive, in seconds. */
  baseSeconds: number;
  /** The highest ceiling, in seconds (below SQS's 12-hour visibility limit). */
  maxSeconds: number;
}

/** SQS refuses a visibility beyond 12 hours from the receive. */
export const SQS_MAX_VISIBILITY_SECONDS = 43_200;

/** The ceiling of the delay before delivery `receiveCount + 1`. */
export function backoffCeilingSeconds(receiveCount: number, policy: RetryPolicy): number {
  const receives = Number.isFinite(receiveCount) && receiveCount >= 1 ? Math.floor(receiveCount) : 1;
  // 2^30 × any base is far past the cap: stop doubling there rather than overflow.
  const doubled = policy.baseSeconds * 2 ** Math.min(receives - 1, 30);
  return Math.max(1, Math.min(policy.maxSeconds, SQS_MAX_VISIBILITY_SECONDS, doubled));
}

/** Full jitter: a whole number of seconds, at least 1 (never an immediate redelivery), at most the ceiling. */
export function retryDelaySeconds(receiveCount: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = backoffCeilingSeconds(receiveCount, policy);
  return Math.min(ceiling, Math.max(1, Math.ceil(random() * ceiling)));
}

export interface VisibilityChange {
  /** The record's message id (the batch entry's id). */
  messageId: string;
  receiptHandle: string;
  seconds: number;
}

export interface VisibilityChanger {
  /** Applies the changes; resolves with the message ids whose change failed (never throws). */
  change(changes: VisibilityChange[]): Promise<string[]>;
}

/** Entry ids SQS takes: alphanumerics, hyphens and underscores, up to 80 characters. */
function entryId(i: number): string {
  return `r${i}`;
}

export function createSqsVisibilityChanger(sqs: SQSClient, queueUrl: string, log: Logger): VisibilityChanger {
  const changeChunk = async (chunk: VisibilityChange[]): Promise<string[]> => {
    try {
      const out = await sqs.send(
        new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: chunk.map((c, i) => ({ Id: entryId(i), ReceiptHandle: c.receiptHandle, VisibilityTimeout: c.seconds })) }),
      );
      const failed = (out.Failed ?? []).map((f) => chunk[Number(String(f.Id).slice(1))]?.messageId).filter((id): id is string => id !== undefined);
      if (failed.length > 0) log.warn("visibility not changed: those records come back after the queue's visibility timeout", { failed: failed.length, code: out.Failed?.[0]?.Code });
      return failed;
    } catch (err) {
      log.warn("visibility change failed: those records come back after the queue's visibility timeout", errorSummary(err));
      return chunk.map((c) => c.messageId);
    }
  };
  return {
    async change(changes) {
      const chunks: VisibilityChange[][] = [];
      for (let i = 0; i < changes.length; i += 10) chunks.push(changes.slice(i, i + 10));
      return (await Promise.all(chunks.map(changeChunk))).flat();
    },
  };
}
