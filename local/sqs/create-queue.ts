// The local twin of an aws.sqs.Queue in local-aws-sqs, with the program's attributes. local-aws-sqs
// keeps messages in memory, so the local stack saves what is still queued when it stops and sends
// it again when it starts: an acknowledged event survives a restart.
import * as fs from "node:fs";
import * as path from "node:path";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type MessageAttributeValue,
  type SQSClient,
} from "@aws-sdk/client-sqs";

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

export interface SavedMessage {
  body: string;
  messageAttributes?: Record<string, MessageAttributeValue>;
  groupId?: string;
  deduplicationId?: string;
}

/** queue name → messages that were still queued when the stack stopped. */
export type SavedQueues = Record<string, SavedMessage[]>;

const SAVE_FILE = "sqs-undelivered.json";

/**
 * Takes every visible message out of each queue (they are hidden for 12 h, the stack is about to
 * stop) and writes them to `dataDir`. Queues are drained in the given order: sources before their
 * dead-letter queues, so a message the redrive moves on its last receive is still saved.
 */
export async function saveQueuedMessages(client: SQSClient, queues: LocalQueue[], dataDir: string): Promise<number> {
  const saved: SavedQueues = {};
  let count = 0;
  for (const q of queues) {
    const messages: SavedMessage[] = [];
    for (;;) {
      const got = await client.send(
        new ReceiveMessageCommand({ QueueUrl: q.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 43_200, MessageAttributeNames: ["All"], MessageSystemAttributeNames: ["MessageGroupId", "MessageDeduplicationId"], AttributeNames: ["All"] }),
      );
      const batch = got.Messages ?? [];
      if (batch.length === 0) break;
      for (const m of batch) {
        messages.push({
          body: m.Body ?? "",
          ...(m.MessageAttributes ? { messageAttributes: m.MessageAttributes } : {}),
          ...(m.Attributes?.MessageGroupId ? { groupId: m.Attributes.MessageGroupId } : {}),
          ...(m.Attributes?.MessageDeduplicationId ? { deduplicationId: m.Attributes.MessageDeduplicationId } : {}),
        });
      }
    }
    if (messages.length > 0) saved[q.name] = messages;
    count += messages.length;
  }
  const file = path.join(dataDir, SAVE_FILE);
  if (count > 0) {
    fs.mkdirSync(dataDir, { recursive: true });
    // Written then renamed: a crash mid-write must not leave half a file that loses the rest.
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(saved));
    fs.renameSync(`${file}.tmp`, file);
  }
  return count;
}

/** Sends the saved messages back to their queues, then removes the file. Returns how many. */
export async function restoreQueuedMessages(client: SQSClient, queues: LocalQueue[], dataDir: string, log: (line: string) => void): Promise<number> {
  const file = path.join(dataDir, SAVE_FILE);
  if (!fs.existsSync(file)) return 0;
  const saved = JSON.parse(fs.readFileSync(file, "utf8")) as SavedQueues;
  let count = 0;
  for (const [name, messages] of Object.entries(saved)) {
    const q = queues.find((x) => x.name === name);
    if (!q) {
      log(JSON.stringify({ level: "warn", source: "local", msg: "saved messages for a queue the program no longer declares: kept in the file", queue: name, count: messages.length }));
      continue;
    }
    await sendMessages(client, q, messages);
    count += messages.length;
    delete saved[name];
  }
  if (Object.keys(saved).length === 0) fs.rmSync(file);
  else fs.writeFileSync(file, JSON.stringify(saved));
  return count;
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
