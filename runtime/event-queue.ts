// The main queue behind a small interface: one message per event, or batch requests for many.
// What a message holds is runtime/queue-message.ts; this is the SQS I/O. A SendMessageBatch takes
// at most 10 entries and 256 KiB in all, so a batch is split into as many requests as that needs.
import { SendMessageBatchCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { QUEUE_LIMITS } from "./contract/limits";
import { dependencyFailure } from "./failure-classes";
import { messageBytes } from "./queue-message";

export interface BatchFailure {
  entryId: string;
  code: string;
  message: string;
  /** SQS blamed the entry itself (its size, its characters): retrying cannot help. */
  senderFault: boolean;
}

export interface BatchEntry {
  entryId: string;
  /** An encoded message body (queue-message.ts). */
  body: string;
}

export interface EventQueue {
  /** One message; `delaySeconds` (0–900) holds it back from consumers that long. */
  send(body: string, opts?: { delaySeconds?: number }): Promise<void>;
  /**
   * Any number of entries, each within the message limit. Resolves with the entries that were not
   * queued: refused by SQS, or in a request that failed as a whole (never thrown).
   */
  sendBatch(entries: BatchEntry[]): Promise<BatchFailure[]>;
}

/** Entries packed in order into requests of at most 10 entries and 256 KiB of bodies. */
export function batchRequests(entries: readonly BatchEntry[]): BatchEntry[][] {
  const requests: BatchEntry[][] = [];
  let current: BatchEntry[] = [];
  let bytes = 0;
  for (const e of entries) {
    const size = messageBytes(e.body);
    if (current.length > 0 && (current.length === QUEUE_LIMITS.maxBatchEntries || bytes + size > QUEUE_LIMITS.maxBatchBytes)) {
      requests.push(current);
      current = [];
      bytes = 0;
    }
    current.push(e);
    bytes += size;
  }
  if (current.length > 0) requests.push(current);
  return requests;
}

export function createSqsEventQueue(sqs: SQSClient, queueUrl: string): EventQueue {
  const sendOne = async (entries: BatchEntry[]): Promise<BatchFailure[]> => {
    let out;
    try {
      out = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries.map((e) => ({ Id: e.entryId, MessageBody: e.body })) }));
    } catch (err) {
      const e = err as { name?: string; message?: string };
      return entries.map((x) => ({ entryId: x.entryId, code: e?.name ?? "RequestFailed", message: String(e?.message ?? err), senderFault: false }));
    }
    const sent = new Set((out.Successful ?? []).map((s) => s.Id));
    const failures: BatchFailure[] = (out.Failed ?? []).map((f) => ({ entryId: f.Id ?? "", code: f.Code ?? "Unknown", message: f.Message ?? "", senderFault: Boolean(f.SenderFault) }));
    // An entry SQS reports neither way was not confirmed: treat it as failed, never as queued.
    for (const e of entries) {
      if (!sent.has(e.entryId) && !failures.some((f) => f.entryId === e.entryId)) {
        failures.push({ entryId: e.entryId, code: "Unconfirmed", message: "SQS did not confirm this entry", senderFault: false });
      }
    }
    return failures;
  };
  return {
    async send(body, opts) {
      try {
        await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body, DelaySeconds: opts?.delaySeconds || undefined }));
      } catch (err) {
        throw dependencyFailure(err, "sqs");
      }
    },
    async sendBatch(entries) {
      if (entries.length === 0) return [];
      const results = await Promise.all(batchRequests(entries).map(sendOne));
      return results.flat();
    },
  };
}
