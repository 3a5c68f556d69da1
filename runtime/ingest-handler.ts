// The ingest function: POST /events and POST /events/batch. Validates, takes the idempotency lease
// (write 1), queues the event and answers 202 only once the queue has it (docs/adr/0001).
import { randomUUID } from "node:crypto";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { createDocumentClient, createSqsClient } from "./aws-clients";
import { FUNCTION_ENVIRONMENT } from "./contract/environment";
import { problem } from "./contract/problems";
import type { ProblemBody } from "./contract/problems";
import { routePath } from "./contract/routes";
import { createEventTypes } from "./event-types";
import { createEnvelopeValidator } from "./event-validator";
import type { EnvelopeValidator } from "./event-validator";
import { createSqsEventQueue } from "./event-queue";
import type { EventQueue } from "./event-queue";
import { createDynamoEventStore } from "./event-store";
import type { EventStore, StoredRecord } from "./event-store";
import { headerOf } from "./http-request";
import { jsonResponse, problemResponse } from "./http-response";
import type { HttpResult } from "./http-response";
import type { LambdaContextLike } from "./lambda-context";
import { failedDependency } from "./failure-classes";
import { ingestTally } from "./ingest-metrics";
import { createLogger, errorSummary } from "./log";
import type { Logger } from "./log";
import { createMetricsWriter } from "./metrics";
import type { MetricsWriter } from "./metrics";
import { prepareBatch, prepareEvent } from "./prepare-event";
import type { IngestRequest, PreparedMessage } from "./prepare-event";
import { internalError, routeRequest } from "./route-request";
import { readSettings } from "./settings";
import { failureModesApply } from "./contract/failure-modes";
import { cachedFailureMode, createDynamoFailureModeStore } from "./failure-mode-store";
import { withDuplicateSubmit } from "./failure-injection";
import { currentTraceHeader, traceRoot } from "./trace-header";

export interface IngestDeps {
  store: EventStore;
  queue: EventQueue;
  validator: EnvelopeValidator;
  maxBodyBytes: number;
  windowSeconds: number;
  leaseSeconds: number;
  log: Logger;
  /** Where each answer's metrics go (one EMF line per request). Default: none. */
  metrics?: MetricsWriter;
  /** Epoch milliseconds; injectable so lease expiry can be tested without waiting. */
  now?: () => number;
}

export type IngestHandler = (event: APIGatewayProxyEventV2, context: LambdaContextLike) => Promise<HttpResult>;

/** Seconds a client should wait before retrying after a dependency failure. */
export const DEPENDENCY_RETRY_AFTER_SECONDS = 2;

type AcquireResult =
  | { kind: "acquired"; leaseToken: string }
  | { kind: "replayed" }
  | { kind: "conflict"; problem: ProblemBody; retryAfter?: number }
  | { kind: "unavailable"; error: unknown };

function acceptedBody(id: string): { id: string; status: "accepted" } {
  return { id, status: "accepted" };
}

function locationOf(id: string): string {
  return routePath("getEvent", { id });
}

function unavailable(detail: string, requestId: string): HttpResult {
  return problemResponse(problem("dependency-unavailable", detail, { requestId }), { "retry-after": String(DEPENDENCY_RETRY_AFTER_SECONDS) });
}

// SQS errors that blame the message itself: retrying cannot help, so the client gets a 4xx.
const SENDER_REJECTIONS = ["InvalidParameterValue", "InvalidParameterValueException", "MessageTooLong", "InvalidMessageContents"];

/** The problem for a send SQS refused because of the message, or undefined for an outage. */
export function senderRejection(err: unknown, requestId: string): ProblemBody | undefined {
  const e = err as { name?: string; Code?: string; message?: string } | null;
  if (!e || ![e.name, e.Code].some((n) => n !== undefined && SENDER_REJECTIONS.includes(n))) return undefined;
  const text = String(e.message ?? "");
  if (/shorter|too long|size/i.test(text)) return problem("payload-too-large", `the queue refused the event for its size: ${text}`, { requestId });
  return problem("validation-failed", `the queue refused the event: ${text}`, { requestId });
}

/** Upper bound on the Retry-After of a 409 while a lease is live. */
const IN_FLIGHT_RETRY_SECONDS = 2;

/** Decides what an existing record means for a request that could not take the lease. */
export function decideConflict(existing: StoredRecord | undefined, hash: string, nowMs: number, requestId: string): AcquireResult {
  if (!existing) {
    // The record disappeared between our write and our read: another request just released it.
    return { kind: "conflict", problem: problem("idempotency-key-in-flight", "another request with this key is being handled; retry shortly", { requestId }), retryAfter: 1 };
  }
  if (existing.payloadHash !== hash) {
    return { kind: "conflict", problem: problem("idempotency-key-reused", "this idempotency key was already used with a different payload", { requestId }) };
  }
  if (existing.status === "processed" || existing.status === "failed") return { kind: "replayed" };
  const leaseLeft = Math.max(1, Math.ceil(((existing.leaseUntil ?? nowMs) - nowMs) / 1000));
  // Most live leases belong to events already queued, which the worker stores within a batching
  // window; asking for the whole lease would make an immediate rerun wait ~20 s for nothing.
  return {
    kind: "conflict",
    problem: problem("idempotency-key-in-flight", "a request with this key is in flight; retry after the indicated delay", { requestId }),
    retryAfter: Math.min(leaseLeft, IN_FLIGHT_RETRY_SECONDS),
  };
}

export function makeIngestHandler(deps: IngestDeps): IngestHandler {
  const now = deps.now ?? Date.now;

  // Only a failed call to the table is a 503; anything else thrown here is a bug and goes up (500).
  const acquire = async (p: PreparedMessage, log: Logger): Promise<AcquireResult> => {
    const { message } = p;
    const nowMs = now();
    const leaseToken = randomUUID();
    try {
      const outcome = await deps.store.acquire(
        {
          id: message.id,
          payloadHash: message.payloadHash,
          source: p.source,
          type: p.type,
          receivedAt: message.receivedAt,
          ttlSeconds: Math.floor(nowMs / 1000) + deps.windowSeconds,
          leaseUntil: nowMs + deps.leaseSeconds * 1000,
          leaseToken,
        },
        nowMs,
      );
      if (outcome.written) return { kind: "acquired", leaseToken };
      return decideConflict(outcome.existing, message.payloadHash, now(), message.requestId);
    } catch (err) {
      if (!failedDependency(err)) throw err;
      log.error("lease write failed", errorSummary(err));
      return { kind: "unavailable", error: err };
    }
  };

  // Never delete a record we did not acquire: the condition on our token guarantees it.
  const compensate = async (id: string, leaseToken: string, log: Logger): Promise<void> => {
    try {
      const released = await deps.store.release(id, leaseToken);
      log.warn("lease released after a failed send", { released });
    } catch (err) {
      log.error("compensation failed: the record keeps its lease until it expires", errorSummary(err));
    }
  };

  const single = async (req: IngestRequest, log: Logger, traceHeader: string | undefined): Promise<HttpResult> => {
    const prepared = prepareEvent(req, deps);
    if (!prepared.ok) {
      log.info("rejected", { status: prepared.problem.status, problem: prepared.problem.type });
      return problemResponse(prepared.problem);
    }
    const p = prepared.prepared;
    const id = p.message.id;
    const elog = log.child({ eventId: id, type: p.type });
    const lease = await acquire(p, elog);
    if (lease.kind === "unavailable") return unavailable("the event store is unavailable; retry later", req.requestId);
    if (lease.kind === "replayed") {
      elog.info("replayed");
      return jsonResponse(202, acceptedBody(id), { location: locationOf(id), "idempotent-replayed": "true" });
    }
    if (lease.kind === "conflict") {
      elog.info("idempotency conflict", { status: lease.problem.status, problem: lease.problem.type });
      return problemResponse(lease.problem, lease.retryAfter ? { "retry-after": String(lease.retryAfter) } : {});
    }
    try {
      await deps.queue.send(p.body, { traceHeader });
    } catch (err) {
      elog.error("send failed", errorSummary(err));
      await compensate(id, lease.leaseToken, elog);
      if (!failedDependency(err)) throw err;
      const rejected = senderRejection(err, req.requestId);
      if (rejected) return problemResponse(rejected);
      return unavailable("the queue is unavailable; retry later", req.requestId);
    }
    elog.info("accepted");
    return jsonResponse(202, acceptedBody(id), { location: locationOf(id) });
  };

  type ItemResult = { index: number; id?: string; status: "accepted" | "replayed" | "rejected" | "failed"; httpStatus: number; problem?: ProblemBody };

  const batch = async (req: IngestRequest, log: Logger, traceHeader: string | undefined): Promise<HttpResult> => {
    const prepared = prepareBatch(req, deps);
    if (!prepared.ok) {
      log.info("rejected", { status: prepared.problem.status, problem: prepared.problem.type });
      return problemResponse(prepared.problem);
    }
    const results: ItemResult[] = new Array(prepared.items.length);
    const toSend: { index: number; prepared: PreparedMessage; leaseToken: string }[] = [];
    await Promise.all(
      prepared.items.map(async (item) => {
        if (!item.ok) {
          results[item.index] = { index: item.index, status: "rejected", httpStatus: item.problem.status, problem: item.problem };
          return;
        }
        const id = item.prepared.message.id;
        const lease = await acquire(item.prepared, log.child({ eventId: id, index: item.index }));
        if (lease.kind === "acquired") toSend.push({ index: item.index, prepared: item.prepared, leaseToken: lease.leaseToken });
        else if (lease.kind === "replayed") results[item.index] = { index: item.index, id, status: "replayed", httpStatus: 202 };
        else if (lease.kind === "conflict") results[item.index] = { index: item.index, id, status: "rejected", httpStatus: lease.problem.status, problem: lease.problem };
        else results[item.index] = { index: item.index, id, status: "failed", httpStatus: 503, problem: problem("dependency-unavailable", "the event store is unavailable", { requestId: req.requestId }) };
      }),
    );
    toSend.sort((a, b) => a.index - b.index);
    let failures: { entryId: string; code: string; message: string; senderFault: boolean }[];
    try {
      // As many SendMessageBatch requests as 10 entries and 256 KiB per request need (event-queue.ts).
      failures = await deps.queue.sendBatch(toSend.map((s) => ({ entryId: String(s.index), body: s.prepared.body, traceHeader })));
    } catch (err) {
      // Not a failed request (those come back as failures): a bug. Give the leases back, then 500.
      await Promise.all(toSend.map((s) => compensate(s.prepared.message.id, s.leaseToken, log)));
      throw err;
    }
    if (failures.length > 0) log.warn("batch entries not queued", { failed: failures.length, of: toSend.length });
    const failedById = new Map(failures.map((f) => [f.entryId, f]));
    await Promise.all(
      toSend.map(async (s) => {
        const id = s.prepared.message.id;
        const failure = failedById.get(String(s.index));
        if (!failure) {
          results[s.index] = { index: s.index, id, status: "accepted", httpStatus: 202 };
          return;
        }
        const elog = log.child({ eventId: id, index: s.index });
        elog.warn("batch entry not queued", { code: failure.code, senderFault: failure.senderFault });
        await compensate(id, s.leaseToken, elog);
        const refused = failure.senderFault ? senderRejection({ name: failure.code, message: failure.message }, req.requestId) : undefined;
        results[s.index] = refused
          ? { index: s.index, id, status: "rejected", httpStatus: refused.status, problem: refused }
          : failure.senderFault
            ? { index: s.index, id, status: "rejected", httpStatus: 422, problem: problem("validation-failed", `the queue refused this event: ${failure.code}`, { requestId: req.requestId }) }
            : { index: s.index, id, status: "failed", httpStatus: 503, problem: problem("dependency-unavailable", "the queue is unavailable; retry this event", { requestId: req.requestId }) };
      }),
    );
    const counts = { accepted: 0, replayed: 0, rejected: 0, failed: 0 };
    for (const r of results) counts[r.status]++;
    log.info("batch handled", counts);
    if (counts.failed === results.length) return unavailable("the event store or the queue is unavailable; retry the batch", req.requestId);
    const allGood = counts.accepted + counts.replayed === results.length;
    return jsonResponse(allGood ? 202 : 207, { items: results });
  };

  const handle: IngestHandler = async (event, context) => {
    const requestId = event.requestContext?.requestId ?? context.awsRequestId;
    // The trace travels with the message to the worker; every line of this request carries its id.
    const traceHeader = currentTraceHeader();
    const log = deps.log.child({ requestId, awsRequestId: context.awsRequestId, traceId: traceRoot(traceHeader) });
    const route = routeRequest("ingest", event, log, requestId);
    if (route.kind === "answered") return route.response;
    const req: IngestRequest = {
      headers: (event.headers ?? {}) as Record<string, string | undefined>,
      body: event.body,
      isBase64Encoded: event.isBase64Encoded,
      requestId,
      sourceIp: event.requestContext?.http?.sourceIp,
      userAgent: event.requestContext?.http?.userAgent ?? headerOf(event.headers, "user-agent"),
      receivedAt: new Date(now()).toISOString(),
    };
    return route.name === "postBatch" ? await batch(req, log, traceHeader) : await single(req, log, traceHeader);
  };
  // A bug is a 500 with nothing of its internals; only a failed dependency call is a 503.
  const answer: IngestHandler = async (event, context) => {
    try {
      return await handle(event, context);
    } catch (err) {
      return internalError(err, deps.log, event, context);
    }
  };
  // One EMF line per request, counted from the answer the client gets.
  return async (event, context) => {
    const started = now();
    const res = await answer(event, context);
    deps.metrics?.write(ingestTally(res, now() - started));
    return res;
  };
}

/** Pulumi `callbackFactory`: runs once per cold start, builds the clients and structs. */
export function ingestFactory(): IngestHandler {
  const settings = readSettings(process.env, FUNCTION_ENVIRONMENT.ingest.needs);
  const registry = createEventTypes({ testEvents: settings.testEvents });
  const doc = createDocumentClient();
  const log = createLogger({ fn: "ingest", stage: settings.stage, version: settings.version }, { level: settings.logLevel });
  const queue = createSqsEventQueue(createSqsClient(), settings.queueUrl);
  return makeIngestHandler({
    store: createDynamoEventStore(doc, settings.tableName),
    // duplicate_submit sends each accepted event twice, where failure modes apply (failure-injection.ts).
    queue: failureModesApply(settings)
      ? withDuplicateSubmit(queue, cachedFailureMode(createDynamoFailureModeStore(doc, settings.tableName), settings.failureModeRefreshSeconds * 1000, log), log)
      : queue,
    validator: createEnvelopeValidator(registry, { unknownTypes: settings.unknownTypes }),
    maxBodyBytes: settings.maxBodyBytes,
    windowSeconds: settings.windowSeconds,
    leaseSeconds: settings.leaseSeconds,
    log,
    metrics: createMetricsWriter({ stage: settings.stage, logLevel: settings.logLevel }),
  });
}
