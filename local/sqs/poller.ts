// The local twin of an aws.lambda.EventSourceMapping on an SQS queue, with Lambda's semantics:
// batches of up to `batchSize` gathered for at most the batching window; a failed invocation
// (error, crash, timeout) fails the whole batch and leaves it to reappear after the queue's
// visibility timeout; with ReportBatchItemFailures only the reported items stay and the rest are
// deleted; the queue's own redrive policy moves a message to its DLQ after maxReceiveCount
// receives; at most `maxConcurrency` batches at once. The function may change a failed message's
// visibility itself (the worker's backoff): the poller never assumes when a message it left
// behind becomes visible again, and the SQS twin applies the change.
import { ChangeMessageVisibilityCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import type { InvokeOutcome } from "../lambda/invoke-outcome";

export interface MappingSpec {
  logicalName: string;
  functionName: string;
  queueUrl: string;
  queueArn: string;
  region: string;
  /** Lambda's default for SQS is 10. */
  batchSize: number;
  /** 0 means: invoke with what one receive returns. */
  batchingWindowSeconds: number;
  reportBatchItemFailures: boolean;
  /** Lambda's scalingConfig.maximumConcurrency; locally defaults to 5 (Lambda's initial poller count). */
  maxConcurrency: number;
  /** Whether the mapping is enabled (Lambda's `enabled`, default true). */
  enabled: boolean;
}

export interface PollerDeps {
  /** What Lambda's pollers call with: signed as the function's execution role. */
  sqs: SQSClient;
  /** The local stack's own client, for what Lambda never does (see stop). Default `sqs`. */
  admin?: SQSClient;
  invoke(event: SQSEvent): Promise<InvokeOutcome>;
  log(line: string): void;
}

/** SQS keeps a message hidden at most 12 hours from a receive. */
const MAX_VISIBILITY_MS = 43_200_000;

/** Long-poll wait per idle receive (AWS's pollers use 20 s); short, so that stopping never waits long. */
const RECEIVE_WAIT_SECONDS = 1;

/** The Lambda SQS event record for a received message. */
export function toSqsRecord(m: Message, queueArn: string, region: string): SQSRecord {
  const messageAttributes: SQSRecord["messageAttributes"] = {};
  for (const [name, v] of Object.entries(m.MessageAttributes ?? {})) {
    messageAttributes[name] = {
      ...(v.StringValue !== undefined ? { stringValue: v.StringValue } : {}),
      ...(v.BinaryValue !== undefined ? { binaryValue: Buffer.from(v.BinaryValue).toString("base64") } : {}),
      stringListValues: v.StringListValues ?? [],
      binaryListValues: (v.BinaryListValues ?? []).map((b) => Buffer.from(b).toString("base64")),
      dataType: (v.DataType ?? "String") as SQSRecord["messageAttributes"][string]["dataType"],
    };
  }
  const a = m.Attributes ?? {};
  return {
    messageId: m.MessageId!,
    receiptHandle: m.ReceiptHandle!,
    body: m.Body ?? "",
    attributes: {
      ApproximateReceiveCount: a.ApproximateReceiveCount ?? "1",
      SentTimestamp: a.SentTimestamp ?? String(Date.now()),
      SenderId: a.SenderId ?? "local",
      ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      ...(a.MessageGroupId ? { MessageGroupId: a.MessageGroupId } : {}),
      ...(a.MessageDeduplicationId ? { MessageDeduplicationId: a.MessageDeduplicationId } : {}),
      ...(a.SequenceNumber ? { SequenceNumber: a.SequenceNumber } : {}),
      // The X-Ray trace header the sender set (runtime/trace-header.ts), as Lambda passes it on.
      ...(a.AWSTraceHeader ? { AWSTraceHeader: a.AWSTraceHeader } : {}),
    },
    messageAttributes,
    md5OfBody: m.MD5OfBody ?? "",
    ...(m.MD5OfMessageAttributes ? { md5OfMessageAttributes: m.MD5OfMessageAttributes } : {}),
    eventSource: "aws:sqs",
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

/**
 * Which records of a batch to delete after an invocation, by Lambda's rules. `null` means the
 * whole batch failed (nothing is deleted).
 */
export function recordsToDelete(records: SQSRecord[], outcome: InvokeOutcome, reportBatchItemFailures: boolean): SQSRecord[] | null {
  if (!outcome.ok) return null;
  if (!reportBatchItemFailures) return records;
  const response = outcome.value as SQSBatchResponse | null | undefined;
  if (response === null || response === undefined || typeof response !== "object") return records;
  const failures = response.batchItemFailures;
  if (failures === null || failures === undefined) return records;
  if (!Array.isArray(failures)) return null;
  const ids = new Set(records.map((r) => r.messageId));
  const failed = new Set<string>();
  for (const f of failures) {
    // An empty, missing or unknown identifier makes Lambda treat the whole batch as failed.
    if (!f || typeof f.itemIdentifier !== "string" || !ids.has(f.itemIdentifier)) return null;
    failed.add(f.itemIdentifier);
  }
  return records.filter((r) => !failed.has(r.messageId));
}

export class SqsPoller {
  private stopping = false;
  private loops: Promise<void>[] = [];
  /**
   * Messages this mapping left on the queue after a failure, by message id, until it receives them
   * again: hidden for the queue's visibility timeout, or for whatever the function set instead.
   */
  private held = new Map<string, { receiptHandle: string; heldAt: number }>();
  batches = 0;

  constructor(
    readonly spec: MappingSpec,
    private readonly deps: PollerDeps,
  ) {}

  start(): void {
    if (!this.spec.enabled) return;
    for (let i = 0; i < Math.max(1, this.spec.maxConcurrency); i++) this.loops.push(this.loop());
  }

  private log(fields: Record<string, unknown>): void {
    this.deps.log(JSON.stringify({ source: "local", mapping: this.spec.logicalName, ...fields }));
  }

  private async receive(max: number, waitSeconds: number): Promise<Message[]> {
    const out = await this.deps.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.spec.queueUrl,
        MaxNumberOfMessages: Math.min(10, max),
        WaitTimeSeconds: waitSeconds,
        MessageAttributeNames: ["All"],
        MessageSystemAttributeNames: ["All"],
        // local-aws-sqs reads only the older name; AWS accepts both.
        AttributeNames: ["All"],
      }),
    );
    return out.Messages ?? [];
  }

  private async collect(): Promise<Message[]> {
    // local-aws-sqs holds a long poll open until it can fill MaxNumberOfMessages (AWS answers as
    // soon as it has any). With a batching window that is exactly Lambda's rule (a full batch, or
    // what came within the window), in one receive per batch.
    if (this.spec.batchingWindowSeconds >= 1 && this.spec.batchSize <= 10) {
      return this.receive(this.spec.batchSize, Math.min(20, Math.floor(this.spec.batchingWindowSeconds)));
    }
    // Without a window: a long poll for one message to wake up on the first arrival, then short
    // polls for what is already there.
    const batch = await this.receive(1, RECEIVE_WAIT_SECONDS);
    if (batch.length === 0) return batch;
    const deadline = Date.now() + this.spec.batchingWindowSeconds * 1000;
    while (batch.length < this.spec.batchSize && !this.stopping) {
      const more = await this.receive(this.spec.batchSize - batch.length, 0);
      batch.push(...more);
      if (more.length > 0) continue;
      const left = deadline - Date.now();
      if (left <= 0) break;
      await new Promise((r) => setTimeout(r, Math.min(100, left)));
    }
    return batch;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      let messages: Message[];
      try {
        messages = await this.collect();
      } catch (err) {
        if (this.stopping) break;
        this.log({ level: "error", msg: "receive failed", error: (err as Error).message });
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      if (messages.length === 0) continue;
      await this.handle(messages);
    }
  }

  private async handle(messages: Message[]): Promise<void> {
    const receivedAt = Date.now();
    const records = messages.map((m) => toSqsRecord(m, this.spec.queueArn, this.spec.region));
    this.batches += 1;
    const outcome = await this.deps.invoke({ Records: records });
    const toDelete = recordsToDelete(records, outcome, this.spec.reportBatchItemFailures);
    const kept = toDelete === null ? records : records.filter((r) => !toDelete.includes(r));
    // A message received again is no longer held by its earlier receive.
    for (const r of records) this.held.delete(r.messageId);
    for (const r of kept) this.held.set(r.messageId, { receiptHandle: r.receiptHandle, heldAt: receivedAt });
    if (kept.length > 0) {
      this.log({ level: "warn", requestId: outcome.requestId, msg: toDelete === null ? "batch failed: every message returns to the queue" : "partial batch failure", failed: kept.length, of: records.length, ...(outcome.ok ? {} : { errorType: outcome.errorType }) });
    }
    for (let i = 0; i < (toDelete ?? []).length; i += 10) {
      const chunk = toDelete!.slice(i, i + 10);
      try {
        const out = await this.deps.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: this.spec.queueUrl, Entries: chunk.map((r, j) => ({ Id: String(j), ReceiptHandle: r.receiptHandle })) }));
        if (out.Failed && out.Failed.length > 0) this.log({ level: "warn", requestId: outcome.requestId, msg: "some deletes failed (receipt expired?): those messages will be delivered again", failed: out.Failed.length });
      } catch (err) {
        this.log({ level: "error", requestId: outcome.requestId, msg: "delete failed: those messages will be delivered again", error: (err as Error).message });
      }
    }
    // No visibility outlasts SQS's 12 hours: an entry that old holds nothing any more.
    const now = Date.now();
    for (const [id, h] of this.held) if (now - h.heldAt > MAX_VISIBILITY_MS) this.held.delete(id);
  }

  /**
   * Stops receiving and waits for the batches in flight (each bounded by the function timeout).
   * Messages held back by a failure are made visible again, however long the function asked them to
   * stay hidden, so that whoever saves the queue next sees them.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled(this.loops);
    for (const [id, h] of this.held) {
      try {
        await (this.deps.admin ?? this.deps.sqs).send(new ChangeMessageVisibilityCommand({ QueueUrl: this.spec.queueUrl, ReceiptHandle: h.receiptHandle, VisibilityTimeout: 0 }));
      } catch {
        // Visible again and received elsewhere, dead-lettered or deleted since: nothing held any more.
      }
      this.held.delete(id);
    }
  }
}
