// The dead-letter queue behind a small interface, for the operator: its depth, a receive that
// only borrows messages (a visibility the caller chooses), giving them back at once, and deleting
// one after it was sent back to the main queue.
import { ChangeMessageVisibilityBatchCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { QUEUE_LIMITS } from "./contract/limits";
import { dependencyFailure } from "./failure-classes";

/** Visibility batches in flight at once while giving messages back. */
export const RELEASE_CONCURRENCY = 4;

export interface DeadLetter {
  messageId: string;
  receiptHandle: string;
  body: string;
  /** Epoch ms SQS first accepted the message (the DLQ keeps the original's). */
  sentTimestamp?: number;
}

export interface DeadLetters {
  depth(): Promise<{ visible: number; inFlight: number }>;
  /**
   * Up to 10 messages, invisible to others for `visibilitySeconds`, waiting up to `waitSeconds` for
   * one (0: a short poll, which samples only some of SQS's servers and may miss messages).
   */
  receive(visibilitySeconds: number, waitSeconds?: number): Promise<DeadLetter[]>;
  /** Makes the messages visible again at once; resolves with how many SQS did not take back. */
  release(receiptHandles: readonly string[]): Promise<number>;
  remove(receiptHandle: string): Promise<void>;
}

export function createSqsDeadLetters(sqs: SQSClient, dlqUrl: string): DeadLetters {
  const call = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      throw dependencyFailure(err, "sqs");
    }
  };
  return {
    async depth() {
      const out = await call(() => sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] })));
      return { visible: Number(out.Attributes?.ApproximateNumberOfMessages ?? 0), inFlight: Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0) };
    },
    async receive(visibilitySeconds, waitSeconds = 0) {
      const out = await call(() =>
        sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: waitSeconds, VisibilityTimeout: visibilitySeconds, MessageSystemAttributeNames: ["SentTimestamp"] })),
      );
      return (out.Messages ?? []).map((m) => ({
        messageId: m.MessageId ?? "",
        receiptHandle: m.ReceiptHandle ?? "",
        body: m.Body ?? "",
        sentTimestamp: m.Attributes?.SentTimestamp ? Number(m.Attributes.SentTimestamp) : undefined,
      }));
    },
    async release(receiptHandles) {
      const chunks: string[][] = [];
      for (let i = 0; i < receiptHandles.length; i += QUEUE_LIMITS.maxBatchEntries) chunks.push(receiptHandles.slice(i, i + QUEUE_LIMITS.maxBatchEntries));
      // A few batches at a time: a thousand borrowed messages go back in a fraction of a second,
      // without a burst of a hundred calls at once. A batch that fails counts as not taken back.
      let refused = 0;
      let next = 0;
      const worker = async () => {
        while (next < chunks.length) {
          const chunk = chunks[next++];
          try {
            const out = await call(() =>
              sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: dlqUrl, Entries: chunk.map((h, j) => ({ Id: String(j), ReceiptHandle: h, VisibilityTimeout: 0 })) })),
            );
            refused += out.Failed?.length ?? 0;
          } catch {
            refused += chunk.length;
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(RELEASE_CONCURRENCY, chunks.length) }, worker));
      return refused;
    },
    async remove(receiptHandle) {
      await call(() => sqs.send(new DeleteMessageCommand({ QueueUrl: dlqUrl, ReceiptHandle: receiptHandle })));
    },
  };
}
