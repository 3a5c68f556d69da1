// The main queue behind a small interface: one message per event, or one batch request for many.
// What a message holds and how its body is written is runtime/queue-message.ts; this is the SQS I/O.
import { SendMessageBatchCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { encodeMessageBody } from "./queue-message";
import type { QueueMessage } from "./queue-message";

export interface BatchFailure {
  entryId: string;
  code: string;
  message: string;
  senderFault: boolean;
}

export interface EventQueue {
  send(message: QueueMessage): Promise<void>;
  /** At most 10 entries. Resolves with the entries SQS refused; rejects if the request itself failed. */
  sendBatch(entries: { entryId: string; message: QueueMessage }[]): Promise<BatchFailure[]>;
}

export function createSqsEventQueue(sqs: SQSClient, queueUrl: string): EventQueue {
  return {
    async send(message) {
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: encodeMessageBody(message) }));
    },
    async sendBatch(entries) {
      if (entries.length === 0) return [];
      const out = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: entries.map((e) => ({ Id: e.entryId, MessageBody: encodeMessageBody(e.message) })),
        }),
      );
      const sent = new Set((out.Successful ?? []).map((s) => s.Id));
      const failures: BatchFailure[] = (out.Failed ?? []).map((f) => ({
        entryId: f.Id ?? "",
        code: f.Code ?? "Unknown",
        message: f.Message ?? "",
        senderFault: Boolean(f.SenderFault),
      }));
      // An entry SQS reports neither way was not confirmed: treat it as failed, never as queued.
      for (const e of entries) {
        if (!sent.has(e.entryId) && !failures.some((f) => f.entryId === e.entryId)) {
          failures.push({ entryId: e.entryId, code: "Unconfirmed", message: "SQS did not confirm this entry", senderFault: false });
        }
      }
      return failures;
    },
  };
}
