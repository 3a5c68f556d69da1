// The worker function: SQS batches with ReportBatchItemFailures. Each record is validated again,
// processed, and stored once with one conditional write (write 2, docs/adr/0001); records run in
// parallel and one record's failure never fails the others.
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { createDocumentClient } from "./aws-clients";
import { FUNCTION_ENVIRONMENT } from "./contract/environment";
import { INPUT_LIMITS } from "./contract/limits";
import { encodeStoredDocument } from "./contract/stored-document";
import type { ScannedEvent } from "./cloudevent-envelope";
import { createEventTypes } from "./event-types";
import type { EventTypeRegistry } from "./event-types";
import { createEnvelopeValidator } from "./event-validator";
import type { EnvelopeValidator } from "./event-validator";
import { createDynamoEventStore } from "./event-store";
import type { EventStore, FinalRecord } from "./event-store";
import { classifiedError, classifyFailure, failureReason, isRetried } from "./failure-classes";
import type { FailureCategory } from "./failure-classes";
import { scanJson } from "./json-scan";
import type { LambdaContextLike } from "./lambda-context";
import { createLogger, errorSummary } from "./log";
import type { Logger } from "./log";
import { processEvent } from "./process-event";
import { parseQueueMessage } from "./queue-message";
import type { QueueMessage } from "./queue-message";
import { readSettings } from "./settings";
import { failureModesApply } from "./contract/failure-modes";
import { cachedFailureMode, createDynamoFailureModeStore } from "./failure-mode-store";
import { workerFault } from "./failure-injection";
import type { WorkerFault } from "./failure-injection";
import { noteRetriedFailure } from "./retry-note";

export interface WorkerDeps {
  store: EventStore;
  registry: EventTypeRegistry;
  validator: EnvelopeValidator;
  /** The idempotency window: a stored event is kept at least this long, so its key is remembered. */
  windowSeconds: number;
  /** Days a stored event is kept; 0 keeps it. */
  retentionDays: number;
  log: Logger;
  now?: () => number;
  /** The stack's failure mode, where failure modes apply (failure-injection.ts). Default none. */
  faults?: WorkerFault;
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

/** A string attribute read straight from the event's top level, for a record whose event failed its checks. */
function topLevelString(event: ScannedEvent, name: string): string | undefined {
  const n = event.root.keys.indexOf(name);
  const node = n === -1 ? undefined : event.root.values[n];
  return node?.k === "string" && node.v !== "" && Buffer.byteLength(node.v) <= INPUT_LIMITS.maxAttributeBytes ? node.v : undefined;
}

export function makeWorkerHandler(deps: WorkerDeps): WorkerHandler {
  const now = deps.now ?? Date.now;

  /** Kept for the retention, never less than the idempotency window; no TTL when kept. */
  const ttlOf = (receivedAt: string): number | undefined => {
    if (deps.retentionDays === 0) return undefined;
    const receivedMs = Date.parse(receivedAt);
    const base = Number.isNaN(receivedMs) ? now() : receivedMs;
    return Math.floor(base / 1000) + Math.max(deps.retentionDays * 86400, deps.windowSeconds);
  };

  const finalRecord = (m: QueueMessage, event: ScannedEvent, record: SQSRecord, opts: { failure?: { category: FailureCategory; reason: string }; document: boolean }): FinalRecord => ({
    id: m.id,
    status: opts.failure ? "failed" : "processed",
    payloadHash: m.payloadHash,
    source: topLevelString(event, "source"),
    type: topLevelString(event, "type"),
    receivedAt: m.receivedAt,
    ttlSeconds: ttlOf(m.receivedAt),
    processedAt: new Date(now()).toISOString(),
    attempts: Number(record.attributes?.ApproximateReceiveCount ?? 1),
    errorCategory: opts.failure?.category,
    errorReason: opts.failure?.reason,
    replay: m.replay !== undefined,
    // The event's text goes in as it came out of the queue: one binary attribute, never a map.
    document: opts.document
      ? encodeStoredDocument({ event: m.event, key: m.key, requestId: m.requestId, sourceIp: m.sourceIp, userAgent: m.userAgent, receipt: m.receipt, rawOf: m.rawOf, raw: m.raw })
      : undefined,
  });

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

  // A failed event is stored with its document, so it can be replayed once fixed. If the table
  // refuses that write for a reason in the item itself, a minimal record (status, category,
  // reason, no event) is stored instead: a write that cannot succeed is never retried forever.
  const storeFailure = async (m: QueueMessage, event: ScannedEvent, record: SQSRecord, failure: { category: FailureCategory; reason: string }, withDocument: boolean, log: Logger): Promise<RecordOutcome> => {
    if (withDocument) {
      try {
        return await store(finalRecord(m, event, record, { failure, document: true }), log);
      } catch (err) {
        if (classifyFailure(err) !== "PERMANENT") throw err;
        log.error("the failed event could not be stored whole: storing a minimal record", errorSummary(err));
        failure = { category: failure.category, reason: `${failure.reason}; the event itself could not be stored: ${failureReason(err)}`.slice(0, 500) };
      }
    }
    return store(finalRecord(m, event, record, { failure, document: false }), log);
  };

  const handleRecord = async (record: SQSRecord, budgetMs: number): Promise<RecordOutcome> => {
    const deadline = Date.now() + budgetMs;
    const parsed = parseQueueMessage(record.body);
    const scanned = parsed.ok ? scanJson(parsed.message.event, { maxDepth: INPUT_LIMITS.maxDepth }) : undefined;
    if (!parsed.ok || !scanned?.ok || scanned.node.k !== "object") {
      deps.log.error("poison message: reported for redelivery until it reaches the DLQ", {
        messageId: record.messageId,
        reason: parsed.ok ? `the event is not a JSON object within the limits: ${scanned?.ok ? "not an object" : scanned?.error.message}` : parsed.reason,
        receiveCount: record.attributes?.ApproximateReceiveCount,
      });
      return "poison";
    }
    const m = parsed.message;
    const event: ScannedEvent = { text: m.event, root: scanned.node };
    const log = deps.log.child({ eventId: m.id, requestId: m.requestId, messageId: record.messageId, ...(m.replay ? { replay: m.replay } : {}) });
    let storing = false;
    try {
      return await withDeadline(
        (async () => {
          const checked = deps.validator.check(event);
          if (!checked.ok) throw classifiedError("VALIDATION", checked.errors.map((e) => `${e.path || "/"}: ${e.message}`).join("; "));
          await processEvent({ type: checked.event.envelope.type, text: m.event }, deps.registry);
          await deps.faults?.(deadline);
          storing = true;
          return store(finalRecord(m, event, record, { document: true }), log);
        })(),
        budgetMs,
      );
    } catch (err) {
      const category = classifyFailure(err);
      if (isRetried(category)) {
        log.warn("record failed: will be retried", { category, ...errorSummary(err), receiveCount: record.attributes?.ApproximateReceiveCount });
        await noteRetriedFailure(deps.store, m, { category, reason: failureReason(err) }, log);
        return "retry";
      }
      log.warn("record failed: stored as failed", { category, ...errorSummary(err) });
      try {
        // The table refused the event's own write for a reason in the item: the same write would fail again.
        const documentFits = !(storing && category === "PERMANENT");
        const reason = documentFits ? failureReason(err) : `the event itself could not be stored: ${failureReason(err)}`.slice(0, 500);
        return await storeFailure(m, event, record, { category, reason }, documentFits, log);
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
          deps.log.error("unexpected worker failure", { messageId: r.messageId, ...errorSummary(err), stack: (err as Error)?.stack });
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
  const doc = createDocumentClient();
  const log = createLogger({ fn: "worker", stage: settings.stage, version: settings.version }, { level: settings.logLevel });
  return makeWorkerHandler({
    store: createDynamoEventStore(doc, settings.tableName),
    registry,
    validator: createEnvelopeValidator(registry, { unknownTypes: settings.unknownTypes }),
    windowSeconds: settings.windowSeconds,
    retentionDays: settings.retentionDays,
    log,
    faults: failureModesApply(settings)
      ? workerFault(cachedFailureMode(createDynamoFailureModeStore(doc, settings.tableName), settings.failureModeRefreshSeconds * 1000, log))
      : undefined,
  });
}
