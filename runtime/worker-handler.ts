// The worker function: SQS batches with ReportBatchItemFailures. Each record is validated again,
// processed, and stored once with one conditional write (write 2, docs/adr/0001); records run in
// parallel and one record's failure never fails the others; what follows (publishing, backoff,
// metrics, the answer) is runtime/batch-settlement.ts.
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { CALL_DEADLINE_MS, createDocumentClient, createSqsClient } from "./aws-clients";
import { settleBatch } from "./batch-settlement";
import type { RecordResult, SettlementDeps } from "./batch-settlement";
import { FUNCTION_ENVIRONMENT } from "./contract/environment";
import { INPUT_LIMITS } from "./contract/limits";
import { encodeStoredDocument } from "./contract/stored-document";
import type { ScannedEvent } from "./cloudevent-envelope";
import { createEventTypes } from "./event-types";
import type { EventTypeRegistry } from "./event-types";
import { createEnvelopeValidator } from "./event-validator";
import type { EnvelopeValidator } from "./event-validator";
import { createEventBridgeClient, createEventBridgePublisher } from "./event-publisher";
import { createDynamoEventStore } from "./event-store";
import type { EventStore, FinalRecord, StoredRecord } from "./event-store";
import { classifiedError, classifyFailure, failureReason, isRetried, itemTooLarge } from "./failure-classes";
import type { FailureCategory } from "./failure-classes";
import { scanJson } from "./json-scan";
import type { LambdaContextLike } from "./lambda-context";
import { createLogger, errorSummary } from "./log";
import type { Logger } from "./log";
import { withDeadline } from "./deadline";
import { createMetricsWriter } from "./metrics";
import { processEvent } from "./process-event";
import { parseQueueMessage } from "./queue-message";
import type { QueueMessage } from "./queue-message";
import { createSqsVisibilityChanger } from "./retry-backoff";
import { readSettings } from "./settings";
import { failureModesApply } from "./contract/failure-modes";
import { cachedFailureMode, createDynamoFailureModeStore } from "./failure-mode-store";
import { workerFault } from "./failure-injection";
import type { WorkerFault } from "./failure-injection";
import { noteRetriedFailure } from "./retry-note";
import { traceRoot } from "./trace-header";

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
  /** Publishing, backoff and metrics (runtime/batch-settlement.ts). Default: none of them, retries without backoff. */
  settlement?: Omit<SettlementDeps, "log">;
}

export type WorkerHandler = (event: SQSEvent, context: LambdaContextLike) => Promise<SQSBatchResponse>;

export type { RecordOutcome } from "./batch-settlement";

const NO_SETTLEMENT: Omit<SettlementDeps, "log"> = { publish: "none", retry: { baseSeconds: 1, maxSeconds: 1 } };

/** What the published event says of a stored record, from the record and the message. */
function storedMeta(rec: FinalRecord | StoredRecord, m: QueueMessage, redelivered: boolean): NonNullable<RecordResult["stored"]>["meta"] {
  return {
    id: m.id,
    status: rec.status === "failed" ? "failed" : "processed",
    source: rec.source,
    type: rec.type,
    receivedAt: m.receivedAt,
    processedAt: rec.processedAt,
    attempts: rec.attempts,
    errorCategory: rec.errorCategory,
    errorReason: rec.errorReason,
    ...(redelivered ? { redelivered: true as const } : {}),
  };
}

/** Time one record may take: what the invocation has left, minus a margin to report back in. */
export function recordBudgetMs(remainingMs: number): number {
  const margin = Math.min(1000, Math.floor(remainingMs / 5));
  return Math.max(1, remainingMs - margin);
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
    replay: m.replay,
    // The event's text goes in as it came out of the queue: one binary attribute, never a map.
    document: opts.document
      ? encodeStoredDocument({ event: m.event, key: m.key, requestId: m.requestId, sourceIp: m.sourceIp, userAgent: m.userAgent, receipt: m.receipt, rawOf: m.rawOf, raw: m.raw })
      : undefined,
  });

  const store = async (rec: FinalRecord, m: QueueMessage, log: Logger): Promise<RecordResult> => {
    const outcome = await deps.store.complete(rec);
    if (outcome.written) {
      const endToEndMs = Date.parse(rec.processedAt) - Date.parse(rec.receivedAt);
      log.info("stored", { status: rec.status, attempts: rec.attempts, endToEndMs });
      return {
        outcome: rec.status === "processed" ? "stored" : "failed-stored",
        category: rec.errorCategory,
        stored: { meta: storedMeta(rec, m, false), eventText: m.event },
        endToEndMs: Number.isFinite(endToEndMs) ? endToEndMs : undefined,
      };
    }
    const existing = outcome.existing;
    if (existing && existing.payloadHash === rec.payloadHash && (existing.status === "processed" || existing.status === "failed")) {
      log.info("duplicate delivery: already stored", { storedStatus: existing.status });
      // Published again: the delivery that stored it may have failed to publish (consumers dedupe by id).
      return { outcome: "duplicate", stored: { meta: storedMeta(existing, m, true), eventText: m.event } };
    }
    // Another payload owns this key: the first event wins and is never overwritten.
    log.error("key owned by another payload: not stored", { storedStatus: existing?.status });
    return { outcome: "conflict" };
  };

  // A failed event is stored with its document, so it can be replayed once fixed. If the table
  // refuses that write for a reason in the item itself, a minimal record (status, category,
  // reason, no event) is stored instead: a write that cannot succeed is never retried forever.
  const storeFailure = async (m: QueueMessage, event: ScannedEvent, record: SQSRecord, failure: { category: FailureCategory; reason: string }, withDocument: boolean, log: Logger): Promise<RecordResult> => {
    if (withDocument) {
      try {
        return await store(finalRecord(m, event, record, { failure, document: true }), m, log);
      } catch (err) {
        if (!itemTooLarge(err)) throw err;
        log.error("the failed event could not be stored whole: storing a minimal record", errorSummary(err));
        failure = { category: failure.category, reason: `${failure.reason}; the event itself could not be stored: ${failureReason(err)}`.slice(0, 500) };
      }
    }
    return store(finalRecord(m, event, record, { failure, document: false }), m, log);
  };

  const handleRecord = async (record: SQSRecord, budgetMs: number): Promise<RecordResult> => {
    const deadline = Date.now() + budgetMs;
    const parsed = parseQueueMessage(record.body);
    const scanned = parsed.ok ? scanJson(parsed.message.event, { maxDepth: INPUT_LIMITS.maxDepth }) : undefined;
    if (!parsed.ok || !scanned?.ok || scanned.node.k !== "object") {
      deps.log.error("poison message: reported for redelivery until it reaches the DLQ", {
        messageId: record.messageId,
        reason: parsed.ok ? `the event is not a JSON object within the limits: ${scanned?.ok ? "not an object" : scanned?.error.message}` : parsed.reason,
        receiveCount: record.attributes?.ApproximateReceiveCount,
      });
      return { outcome: "poison" };
    }
    const m = parsed.message;
    const event: ScannedEvent = { text: m.event, root: scanned.node };
    // The ingest's trace id: one query finds the request's lines in both functions.
    const log = deps.log.child({ eventId: m.id, requestId: m.requestId, messageId: record.messageId, traceId: traceRoot(record.attributes?.AWSTraceHeader), ...(m.replay ? { replay: m.replay } : {}) });
    let storing = false;
    try {
      return await withDeadline(
        (async () => {
          const checked = deps.validator.check(event);
          if (!checked.ok) throw classifiedError("VALIDATION", checked.errors.map((e) => `${e.path || "/"}: ${e.message}`).join("; "));
          await processEvent({ type: checked.event.envelope.type, text: m.event }, deps.registry);
          await deps.faults?.(deadline);
          storing = true;
          return store(finalRecord(m, event, record, { document: true }), m, log);
        })(),
        budgetMs,
        () => {
          throw classifiedError("TIMEOUT", `record not done within ${budgetMs} ms`);
        },
      );
    } catch (err) {
      // The table refusing the event's own write for anything but its size is our wiring, not the
      // event: retried like an access denial, into the DLQ if it stays broken.
      const classified = classifyFailure(err);
      const category = storing && classified === "PERMANENT" && !itemTooLarge(err) ? "TRANSIENT" : classified;
      if (isRetried(category)) {
        log.warn("record failed: will be retried", { category, ...errorSummary(err), receiveCount: record.attributes?.ApproximateReceiveCount });
        await noteRetriedFailure(deps.store, m, { category, reason: failureReason(err) }, log);
        return { outcome: "retry", category };
      }
      log.warn("record failed: stored as failed", { category, ...errorSummary(err) });
      try {
        // The table refused the event's own write for a reason in the item: the same write would fail again.
        const documentFits = !(storing && itemTooLarge(err));
        const reason = documentFits ? failureReason(err) : `the event itself could not be stored: ${failureReason(err)}`.slice(0, 500);
        return await storeFailure(m, event, record, { category, reason }, documentFits, log);
      } catch (storeErr) {
        log.error("could not store the failure: will be retried", { category: classifyFailure(storeErr), ...errorSummary(storeErr) });
        return { outcome: "retry", category: classifyFailure(storeErr) };
      }
    }
  };

  return async (event, context) => {
    // Publishing and the visibility changes come after the records: leave them their calls' deadlines
    // (at most a quarter of the time left), so that a slow record does not run the batch out of time.
    const remainingMs = context.getRemainingTimeInMillis();
    const settlement = deps.settlement ?? NO_SETTLEMENT;
    const afterRecordsMs = Math.min(((settlement.publisher ? 1 : 0) + (settlement.visibility ? 1 : 0)) * CALL_DEADLINE_MS, Math.floor(remainingMs / 4));
    const budgetMs = recordBudgetMs(remainingMs - afterRecordsMs);
    const records = event.Records ?? [];
    const results = await Promise.all(
      records.map((r) =>
        handleRecord(r, budgetMs).catch((err): RecordResult => {
          deps.log.error("unexpected worker failure", { messageId: r.messageId, ...errorSummary(err), stack: (err as Error)?.stack });
          return { outcome: "retry", category: "PROCESSING" };
        }),
      ),
    );
    return settleBatch(records, results, { ...settlement, log: deps.log }, context.awsRequestId);
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
    settlement: {
      publish: settings.publish,
      // Only a worker that publishes loads and builds the EventBridge client.
      publisher: settings.publish === "none" ? undefined : createEventBridgePublisher(createEventBridgeClient(), settings.eventBusName, log),
      visibility: createSqsVisibilityChanger(createSqsClient(), settings.queueUrl, log),
      retry: { baseSeconds: settings.retryBaseSeconds, maxSeconds: settings.retryMaxSeconds },
      metrics: createMetricsWriter({ stage: settings.stage, logLevel: settings.logLevel }),
    },
  });
}
