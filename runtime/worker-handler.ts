// The worker function: SQS batches with ReportBatchItemFailures. Each record is validated again,
// processed, and stored once with one conditional write (write 2, docs/adr/0001); records run in
// parallel and one record's failure never fails the others.
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { createDocumentClient } from "./aws-clients";
import { FUNCTION_ENVIRONMENT } from "./contract/environment";
import { TABLE_HASH_KEY, TABLE_TTL_ATTRIBUTE } from "./contract/table";
import { createEnvelopeValidator, createEventTypes } from "./event-types";
import type { EnvelopeValidator, EventTypeRegistry } from "./event-types";
import { createDynamoEventStore } from "./event-store";
import type { EventStore, FinalRecord } from "./event-store";
import { classifiedError, classifyFailure, failureReason, isRetried } from "./failure-classes";
import type { FailureCategory } from "./failure-classes";
import type { LambdaContextLike } from "./lambda-context";
import { createLogger, errorSummary } from "./log";
import type { Logger } from "./log";
import { processEvent } from "./process-event";
import { parseQueueMessage } from "./queue-message";
import type { QueueMessage } from "./queue-message";
import { readSettings } from "./settings";

export interface WorkerDeps {
  store: EventStore;
  registry: EventTypeRegistry;
  validator: EnvelopeValidator;
  windowSeconds: number;
  log: Logger;
  now?: () => number;
}

export type WorkerHandler = (event: SQSEvent, context: LambdaContextLike) => Promise<SQSBatchResponse>;

export type RecordOutcome = "stored" | "duplicate" | "conflict" | "failed-stored" | "retry" | "poison";

/** Time one record may take: what the invocation has left, minus a margin to report back in. */
export function recordBudgetMs(remainingMs: number): number {
  const margin = Math.min(1000, Math.floor(remainingMs / 5));
  return Math.max(1, remainingMs - margin);
}

async function withDeadline<T>(work: Promise<T>, budgetMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(classifiedError("TIMEOUT", `record not done within ${budgetMs} ms`)), budgetMs);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export function makeWorkerHandler(deps: WorkerDeps): WorkerHandler {
  const now = deps.now ?? Date.now;

  const finalRecord = (m: QueueMessage, record: SQSRecord, failure?: { category: FailureCategory; reason: string }): FinalRecord => {
    const receivedMs = Date.parse(m.receivedAt);
    const base = Number.isNaN(receivedMs) ? now() : receivedMs;
    return {
      [TABLE_HASH_KEY]: m.id,
      status: failure ? "failed" : "processed",
      payloadHash: m.payloadHash,
      key: m.key,
      source: String(m.event.source),
      type: String(m.event.type),
      receivedAt: m.receivedAt,
      [TABLE_TTL_ATTRIBUTE]: Math.floor(base / 1000) + deps.windowSeconds,
      requestId: m.requestId,
      sourceIp: m.sourceIp,
      userAgent: m.userAgent,
      event: m.event as Record<string, unknown>,
      processedAt: new Date(now()).toISOString(),
      errorCategory: failure?.category,
      errorReason: failure?.reason,
      receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? 1),
    };
  };

  const store = async (rec: FinalRecord, log: Logger): Promise<RecordOutcome> => {
    const outcome = await deps.store.complete(rec);
    if (outcome.written) return rec.status === "processed" ? "stored" : "failed-stored";
    const existing = outcome.existing;
    if (existing && existing.payloadHash === rec.payloadHash && (existing.status === "processed" || existing.status === "failed")) {
      log.info("duplicate delivery: already stored", { storedStatus: existing.status });
      return "duplicate";
    }
    // Another payload owns this key: the first event wins and is never overwritten.
    log.error("key owned by another payload: not stored", { storedStatus: existing?.status });
    return "conflict";
  };

  const handleRecord = async (record: SQSRecord, budgetMs: number): Promise<RecordOutcome> => {
    const parsed = parseQueueMessage(record.body);
    if (!parsed.ok) {
      deps.log.error("poison message: reported for redelivery until it reaches the DLQ", {
        messageId: record.messageId,
        reason: parsed.reason,
        receiveCount: record.attributes?.ApproximateReceiveCount,
      });
      return "poison";
    }
    const m = parsed.message;
    const log = deps.log.child({ eventId: m.id, requestId: m.requestId, messageId: record.messageId });
    try {
      return await withDeadline(
        (async () => {
          const checked = deps.validator.validate(m.event);
          if (!checked.ok) throw classifiedError("VALIDATION", checked.errors.map((e) => `${e.path || "/"}: ${e.message}`).join("; "));
          await processEvent(checked.value, deps.registry);
          return store(finalRecord({ ...m, event: checked.value }, record), log);
        })(),
        budgetMs,
      );
    } catch (err) {
      const category = classifyFailure(err);
      if (isRetried(category)) {
        log.warn("record failed: will be retried", { category, ...errorSummary(err), receiveCount: record.attributes?.ApproximateReceiveCount });
        return "retry";
      }
      log.warn("record failed: stored as failed", { category, ...errorSummary(err) });
      try {
        return await store(finalRecord(m, record, { category, reason: failureReason(err) }), log);
      } catch (storeErr) {
        log.error("could not store the failure: will be retried", { category: classifyFailure(storeErr), ...errorSummary(storeErr) });
        return "retry";
      }
    }
  };

  return async (event, context) => {
    const budgetMs = recordBudgetMs(context.getRemainingTimeInMillis());
    const records = event.Records ?? [];
    const outcomes = await Promise.all(
      records.map((r) =>
        handleRecord(r, budgetMs).catch((err): RecordOutcome => {
          deps.log.error("unexpected worker failure", { messageId: r.messageId, ...errorSummary(err) });
          return "retry";
        }),
      ),
    );
    const batchItemFailures = records.filter((_, i) => outcomes[i] === "retry" || outcomes[i] === "poison").map((r) => ({ itemIdentifier: r.messageId }));
    const counts: Record<string, number> = {};
    for (const o of outcomes) counts[o] = (counts[o] ?? 0) + 1;
    deps.log.info("batch handled", { awsRequestId: context.awsRequestId, records: records.length, ...counts });
    return { batchItemFailures };
  };
}

/** Pulumi `callbackFactory`: runs once per cold start. */
export function workerFactory(): WorkerHandler {
  const settings = readSettings(process.env, FUNCTION_ENVIRONMENT.worker.needs);
  const registry = createEventTypes({ testEvents: settings.testEvents });
  return makeWorkerHandler({
    store: createDynamoEventStore(createDocumentClient(), settings.tableName),
    registry,
    validator: createEnvelopeValidator(registry, { unknownTypes: settings.unknownTypes }),
    windowSeconds: settings.windowSeconds,
    log: createLogger({ fn: "worker", stage: settings.stage, version: settings.version }, { level: settings.logLevel }),
  });
}
