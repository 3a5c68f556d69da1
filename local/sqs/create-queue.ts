// The local twin of one aws.sqs.Queue in local-aws-sqs: the program's inputs as CreateQueue
// attributes (ARNs mapped to the local account), the queue made, and messages sent back to it.
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageBatchCommand, type MessageAttributeValue, type SQSClient } from "@aws-sdk/client-sqs";
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from "../aws/local-account";

export interface QueueInputs {
  fifoQueue?: boolean;
  contentBasedDeduplication?: boolean;
  deduplicationScope?: string;
  fifoThroughputLimit?: string;
  delaySeconds?: number;
  maxMessageSize?: number;
  messageRetentionSeconds?: number;
  receiveWaitTimeSeconds?: number;
  visibilityTimeoutSeconds?: number;
  redrivePolicy?: string;
  redriveAllowPolicy?: string;
  sqsManagedSseEnabled?: boolean;
  kmsMasterKeyId?: string;
  kmsDataKeyReusePeriodSeconds?: number;
}

export interface LocalQueue {
  name: string;
  url: string;
  arn: string;
  attributes: Record<string, string>;
}

/** The queue name AWS would use: a FIFO queue's name ends in `.fifo`. */
export function queueName(physical: string, inputs: QueueInputs): string {
  return inputs.fifoQueue && !physical.endsWith(".fifo") ? `${physical}.fifo` : physical;
}

/** Every SQS ARN the program knows is mapped to the local queue of the same name. */
export function localQueueArn(arn: string): string {
  return `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:${arn.slice(arn.lastIndexOf(":") + 1)}`;
}

/**
 * The CreateQueue attributes for these Pulumi inputs. `resolveArn` maps an ARN the program knows
 * (a dead-letter target) to the local queue's ARN.
 */
export function queueAttributes(inputs: QueueInputs, resolveArn: (arn: string) => string): Record<string, string> {
  const attrs: Record<string, string> = {};
  const put = (key: string, value: unknown) => {
    if (value !== undefined && value !== null && value !== "") attrs[key] = String(value);
  };
  put("FifoQueue", inputs.fifoQueue ? "true" : undefined);
  put("ContentBasedDeduplication", inputs.fifoQueue ? inputs.contentBasedDeduplication : undefined);
  put("DeduplicationScope", inputs.fifoQueue ? inputs.deduplicationScope : undefined);
  put("FifoThroughputLimit", inputs.fifoQueue ? inputs.fifoThroughputLimit : undefined);
  put("DelaySeconds", inputs.delaySeconds);
  put("MaximumMessageSize", inputs.maxMessageSize);
  put("MessageRetentionPeriod", inputs.messageRetentionSeconds);
  put("ReceiveMessageWaitTimeSeconds", inputs.receiveWaitTimeSeconds);
  put("VisibilityTimeout", inputs.visibilityTimeoutSeconds);
  put("KmsMasterKeyId", inputs.kmsMasterKeyId);
  put("KmsDataKeyReusePeriodSeconds", inputs.kmsMasterKeyId ? inputs.kmsDataKeyReusePeriodSeconds : undefined);
  put("SqsManagedSseEnabled", inputs.kmsMasterKeyId ? undefined : inputs.sqsManagedSseEnabled);
  if (inputs.redrivePolicy) {
    const policy = JSON.parse(inputs.redrivePolicy) as { deadLetterTargetArn: string; maxReceiveCount: number | string };
    attrs.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: resolveArn(policy.deadLetterTargetArn), maxReceiveCount: Number(policy.maxReceiveCount) });
  }
  if (inputs.redriveAllowPolicy) {
    const policy = JSON.parse(inputs.redriveAllowPolicy) as { redrivePermission: string; sourceQueueArns?: string[] };
    attrs.RedriveAllowPolicy = JSON.stringify({ ...policy, ...(policy.sourceQueueArns ? { sourceQueueArns: policy.sourceQueueArns.map(resolveArn) } : {}) });
  }
  return attrs;
}

/**
 * Creates the queue. Its URL is given on `publicEndpoint`: the SDK sends SQS requests to the host
 * of the queue URL, so that must be the server's reachable address.
 */
export async function createQueueTwin(client: SQSClient, name: string, attributes: Record<string, string>, publicEndpoint: string): Promise<LocalQueue> {
  const created = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  const url = new URL(new URL(created.QueueUrl!).pathname, publicEndpoint).toString();
  const got = await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }));
  return { name, url, arn: got.Attributes!.QueueArn!, attributes };
}

/** A message to send again: what SendMessage needs to recreate it. */
export interface SavedMessage {
  /** The id SQS gave it, kept so a resend that crashes can name it (resend-guard.ts). */
  id?: string;
  body: string;
  messageAttributes?: Record<string, MessageAttributeValue>;
  groupId?: string;
  deduplicationId?: string;
}

/** Sends `messages` to queue `q`, ten per request. */
export async function sendMessages(client: SQSClient, q: LocalQueue, messages: SavedMessage[]): Promise<void> {
  for (let i = 0; i < messages.length; i += 10) {
    const chunk = messages.slice(i, i + 10);
    const out = await client.send(
      new SendMessageBatchCommand({
        QueueUrl: q.url,
        Entries: chunk.map((m, j) => ({
          Id: String(j),
          MessageBody: m.body,
          ...(m.messageAttributes ? { MessageAttributes: m.messageAttributes } : {}),
          ...(m.groupId ? { MessageGroupId: m.groupId } : {}),
          ...(m.deduplicationId ? { MessageDeduplicationId: m.deduplicationId } : {}),
        })),
      }),
    );
    if (out.Failed && out.Failed.length > 0) throw new Error(`could not send ${out.Failed.length} messages to ${q.name}: ${out.Failed[0].Message}`);
  }
}
