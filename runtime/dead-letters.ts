// The dead-letter queue behind a small interface, for the operator: its depth, a receive that
// only borrows messages (a visibility the caller chooses), giving them back at once, and deleting
// one after it was sent back to the main queue.
import { ChangeMessageVisibilityBatchCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { QUEUE_LIMITS } from "./contract/limits";
import { dependencyFailure } from "./failure-classes";

export interface DeadLetter {
  messageId: string;
  receiptHandle: string;
  body: string;
  /** Epoch ms SQS first accepted the message (the DLQ keeps the original's). */
  sentTimestamp?: number;
}

export interface DeadLetters {
  depth(): Promise<{ visible: number; inFlight: number }>;
  /** Up to 10 messages, invisible to others for `visibilitySeconds`; a short poll (it may miss some). */
  receive(visibilitySeconds: number): Promise<DeadLetter[]>;
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
    async receive(visibilitySeconds) {
      const out = await call(() =>
        sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: visibilitySeconds, MessageSystemAttributeNames: ["SentTimestamp"] })),
      );
      return (out.Messages ?? []).map((m) => ({
        messageId: m.MessageId ?? "",
        receiptHandle: m.ReceiptHandle ?? "",
        body: m.Body ?? "",
        sentTimestamp: m.Attributes?.SentTimestamp ? Number(m.Attributes.SentTimestamp) : undefined,
      }));
    },
    async release(receiptHandles) {
      let refused = 0;
      for (let i = 0; i < receiptHandles.length; i += QUEUE_LIMITS.maxBatchEntries) {
        const chunk = receiptHandles.slice(i, i + QUEUE_LIMITS.maxBatchEntries);
        const out = await call(() =>
          sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: dlqUrl, Entries: chunk.map((h, j) => ({ Id: String(j), ReceiptHandle: h, VisibilityTimeout: 0 })) })),
        );
        refused += out.Failed?.length ?? 0;
      }
      return refused;
    },
    async remove(receiptHandle) {
      await call(() => sqs.send(new DeleteMessageCommand({ QueueUrl: dlqUrl, ReceiptHandle: receiptHandle })));
    },
  };
}
