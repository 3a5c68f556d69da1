// The query function: GET /events/{id}, GET /events (list-events.ts), GET /health, and (non-prod)
// GET /demo/source.
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { createDocumentClient } from "./aws-clients";
import { FUNCTION_ENVIRONMENT } from "./contract/environment";
import { problem } from "./contract/problems";
import { decodeStoredDocument } from "./contract/stored-document";
import type { VerificationReceipt } from "./contract/stored-document";
import { demoSourceRows } from "./demo-source";
import { createDynamoEventIndex } from "./event-index";
import type { EventIndex } from "./event-index";
import { createDynamoEventStore } from "./event-store";
import type { EventStore, StoredRecord } from "./event-store";
import { failedDependency } from "./failure-classes";
import { jsonResponse, problemResponse } from "./http-response";
import type { HttpResult } from "./http-response";
import { isEventId } from "./idempotency-key";
import { listEventsBody, selectListing } from "./list-events";
import type { LambdaContextLike } from "./lambda-context";
import { createLogger, errorSummary } from "./log";
import type { Logger } from "./log";
import { internalError, routeRequest } from "./route-request";
import { readSettings } from "./settings";

export interface QueryDeps {
  store: EventStore;
  index: EventIndex;
  /** The table has the by-source index (config listIndex). */
  listIndex: boolean;
  stage: string;
  version: string;
  demoSource: boolean;
  log: Logger;
}

export type QueryHandler = (event: APIGatewayProxyEventV2, context: LambdaContextLike) => Promise<HttpResult>;

const NO_STORE = { "cache-control": "no-store" };

/** What `?include=` may add to the view. */
export interface ViewOptions {
  /** `raw`: the raw body (base64) and the headers its signature came in, for `sluice verify`. */
  raw?: boolean;
}

/** The receipt as GET shows it: how the event was verified; the signature's headers only on request. */
function receiptView(receipt: VerificationReceipt, withRaw: boolean): Record<string, unknown> {
  const { headers, signature, ...summary } = receipt;
  return withRaw ? { ...summary, ...(headers ? { headers } : {}), ...(signature ? { signature } : {}) } : summary;
}

/**
 * The public view of a record as JSON text: status and times from the item, then `event` spliced in
 * as the stored text itself, so what comes back is byte for byte what was accepted (no parse and
 * re-serialize that would round a 64-bit integer), then a source event's receipt (and, asked for,
 * its raw body). No lease token, no key material.
 */
export function eventViewText(rec: StoredRecord, opts: ViewOptions = {}): string {
  const view: Record<string, unknown> = { id: rec.id, status: rec.status, type: rec.type, source: rec.source, receivedAt: rec.receivedAt };
  if (rec.processedAt) view.processedAt = rec.processedAt;
  if (rec.status === "failed") {
    view.errorCategory = rec.errorCategory;
    view.errorReason = rec.errorReason;
  }
  const head = JSON.stringify(view);
  if (!rec.document) return head;
  const doc = decodeStoredDocument(rec.document);
  let tail = "";
  if (doc.receipt) tail += `,"receipt":${JSON.stringify(receiptView(doc.receipt, Boolean(opts.raw)))}`;
  if (opts.raw && doc.raw) tail += `,"raw":${JSON.stringify(Buffer.from(doc.raw).toString("base64"))}`;
  return `${head.slice(0, -1)},"event":${doc.event}${tail}}`;
}

/** `?include=raw` (a comma list; unknown names are ignored). */
export function viewOptions(query: Record<string, string | undefined> | undefined): ViewOptions {
  const include = (query?.include ?? "").split(",").map((s) => s.trim());
  return { raw: include.includes("raw") };
}

export function makeQueryHandler(deps: QueryDeps): QueryHandler {
  const handle: QueryHandler = async (event, context) => {
    const requestId = event.requestContext?.requestId ?? context.awsRequestId;
    const log = deps.log.child({ requestId, awsRequestId: context.awsRequestId });
    const route = routeRequest("query", event, log, requestId);
    if (route.kind === "answered") return route.response;
    if (route.name === "health") return jsonResponse(200, { status: "ok", stage: deps.stage, version: deps.version }, NO_STORE);
    if (route.name === "demoSource") {
      if (!deps.demoSource) return problemResponse(problem("not-found", "the demo source is off on this stage", { requestId }));
      return jsonResponse(200, demoSourceRows(), NO_STORE);
    }
    if (route.name === "listEvents") {
      const sel = selectListing((event.queryStringParameters ?? {}) as Record<string, string | undefined>, { listIndex: deps.listIndex, requestId });
      if (!sel.ok) return problemResponse(sel.problem);
      try {
        const body = await listEventsBody(deps.index, sel);
        log.info("events listed", { index: sel.plan.index, items: body.items.length, more: body.nextCursor !== undefined });
        return jsonResponse(200, body, NO_STORE);
      } catch (err) {
        if (!failedDependency(err)) throw err;
        log.error("listing failed", errorSummary(err));
        return problemResponse(problem("dependency-unavailable", "the event store is unavailable; retry later", { requestId }), { "retry-after": "2" });
      }
    }
    const id = route.params.id ?? "";
    // A well-formed id is a hash; anything else cannot exist, so there is nothing to read.
    if (!isEventId(id)) return problemResponse(problem("not-found", `no event ${JSON.stringify(id)}`, { requestId }));
    let rec: StoredRecord | undefined;
    try {
      rec = await deps.store.get(id);
    } catch (err) {
      if (!failedDependency(err)) throw err;
      log.error("event read failed", { eventId: id, ...errorSummary(err) });
      return problemResponse(problem("dependency-unavailable", "the event store is unavailable; retry later", { requestId }), { "retry-after": "2" });
    }
    if (!rec) return problemResponse(problem("not-found", `no event ${id}`, { requestId }));
    log.info("event read", { eventId: id, status: rec.status });
    return { statusCode: 200, headers: { "content-type": "application/json", ...NO_STORE }, body: eventViewText(rec, viewOptions(event.queryStringParameters)) };
  };
  return async (event, context) => {
    try {
      return await handle(event, context);
    } catch (err) {
      return internalError(err, deps.log, event, context);
    }
  };
}

/** Pulumi `callbackFactory`: runs once per cold start. */
export function queryFactory(): QueryHandler {
  const settings = readSettings(process.env, FUNCTION_ENVIRONMENT.query.needs);
  const doc = createDocumentClient();
  return makeQueryHandler({
    store: createDynamoEventStore(doc, settings.tableName),
    index: createDynamoEventIndex(doc, settings.tableName),
    listIndex: settings.listIndex,
    stage: settings.stage,
    version: settings.version,
    demoSource: settings.demoSource,
    log: createLogger({ fn: "query", stage: settings.stage, version: settings.version }, { level: settings.logLevel }),
  });
}
