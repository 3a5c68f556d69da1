// The main queue behind a small interface: one message per event, or one batch request for many.
import { SendMessageBatchCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { CloudEventRecord } from "./event-types";

/** The queue message body (docs/architecture.md, "Queue message"). */
export interface QueueMessage {
  v: 1;
  id: string;
  key: string;
  payloadHash: string;
  receivedAt: string;
  requestId: string;
  sourceIp?: string;
  userAgent?: string;
  event: CloudEventRecord;
}

/** SQS's message size limit (the classic 256 KiB; queues may allow more, none allow less). */
export const SQS_MAX_MESSAGE_BYTES = 256 * 1024;

// SQS accepts only #x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF. JSON.stringify escapes
// the control characters and lone surrogates, but leaves U+FFFE and U+FFFF as they are: escaping
// them keeps the JSON identical in meaning and stops SQS refusing an event a client sent in good faith.
const SQS_FORBIDDEN_IN_JSON = /[\uFFFE\uFFFF]/g;

/** The message body as sent: JSON that SQS accepts for any event. */
export function encodeMessageBody(message: QueueMessage): string {
  return JSON.stringify(message).replace(SQS_FORBIDDEN_IN_JSON, (c) => "\\u" + c.charCodeAt(0).toString(16));
}

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
