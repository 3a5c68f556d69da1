// The ingest function: POST /events, POST /events/batch and POST /sources/{name} (with the
// sources' OPTIONS handshake). Validates, takes the idempotency lease (write 1), queues the event
// and answers 202 only once the queue has it (docs/adr/0001; the writes in ingest-accept.ts).
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { createDocumentClient, createSqsClient } from "./aws-clients";
import { ENV_NAMES, FUNCTION_ENVIRONMENT } from "./contract/environment";
import { problem } from "./contract/problems";
import type { ProblemBody } from "./contract/problems";
import { SECRET_CACHE_SECONDS } from "./contract/sources";
import type { SourceRuntime } from "./contract/sources";
import { createEventTypes } from "./event-types";
import { createEnvelopeValidator } from "./event-validator";
import type { EnvelopeValidator } from "./event-validator";
import { createSqsEventQueue } from "./event-queue";
import type { EventQueue } from "./event-queue";
import { createDynamoEventStore } from "./event-store";
import type { EventStore } from "./event-store";
import { headerOf } from "./http-request";
import { jsonResponse, problemResponse } from "./http-response";
import type { HttpResult } from "./http-response";
import { createAcceptor, senderRejection, unavailable } from "./ingest-accept";
import type { LambdaContextLike } from "./lambda-context";
import { ingestTally } from "./ingest-metrics";
import { createLogger } from "./log";
import type { Logger } from "./log";
import { createMetricsWriter } from "./metrics";
import type { MetricsWriter } from "./metrics";
import { prepareBatch, prepareEvent } from "./prepare-event";
import type { IngestRequest, PreparedMessage } from "./prepare-event";
import { internalError, routeRequest } from "./route-request";
import { readSettings } from "./settings";
import { cachedSecrets, createSecretsManagerClient, createSecretsManagerReader } from "./sources/secret-store";
import type { SecretReader } from "./sources/secret-store";
import { needsSecrets } from "./sources/source-config";
import { readSourcesEnvironment } from "./sources/sources-environment";
import { createSourceRoute } from "./sources/source-route";
import { failureModesApply } from "./contract/failure-modes";
import { cachedFailureMode, createDynamoFailureModeStore } from "./failure-mode-store";
import { withDuplicateSubmit } from "./failure-injection";
import { currentTraceHeader, traceRoot } from "./trace-header";

export { DEPENDENCY_RETRY_AFTER_SECONDS, decideConflict, senderRejection } from "./ingest-accept";

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
  /** The configured sources by name (POST /sources/{name}). Default none. */
  sources?: Map<string, SourceRuntime>;
  /** Where the sources' secrets are read. Default: none (a source that verifies cannot be served). */
  secrets?: SecretReader;
  /** Epoch milliseconds; injectable so lease expiry can be tested without waiting. */
  now?: () => number;
}

export type IngestHandler = (event: APIGatewayProxyEventV2, context: LambdaContextLike) => Promise<HttpResult>;

const NO_SECRETS: SecretReader = {
  read: async (secretId) => {
    throw new Error(`no secret reader for ${secretId}`);
  },
};

export function makeIngestHandler(deps: IngestDeps): IngestHandler {
  const now = deps.now ?? Date.now;
  const { acquire, compensate, accept } = createAcceptor({ store: deps.store, queue: deps.queue, windowSeconds: deps.windowSeconds, leaseSeconds: deps.leaseSeconds, now });
  const sources = createSourceRoute({ sources: deps.sources ?? new Map(), secrets: deps.secrets ?? NO_SECRETS, validator: deps.validator, maxBodyBytes: deps.maxBodyBytes, accept: { acquire, compensate, accept }, now });

  const single = async (req: IngestRequest, log: Logger, traceHeader: string | undefined): Promise<HttpResult> => {
    const prepared = prepareEvent(req, deps);
    if (!prepared.ok) {
      log.info("rejected", { status: prepared.problem.status, problem: prepared.problem.type });
      return problemResponse(prepared.problem);
    }
    return accept(prepared.prepared, req.requestId, log, traceHeader);
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
    if (route.name === "postSource") return sources.post(req, route.params.name ?? "", log, traceHeader);
    if (route.name === "sourceHandshake") return sources.handshake(req, route.params.name ?? "");
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
  const sources = readSourcesEnvironment(settings.sources, ENV_NAMES.sources);
  // A Secrets Manager client only where a source has secrets to read.
  const signed = [...sources.values()].some(needsSecrets);
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
    sources,
    secrets: signed ? cachedSecrets(createSecretsManagerReader(createSecretsManagerClient()), { ttlMs: SECRET_CACHE_SECONDS * 1000, log }) : undefined,
  });
}
