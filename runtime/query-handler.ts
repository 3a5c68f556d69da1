// The query function: GET /events/{id}, GET /health, and (non-prod) GET /demo/source.
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { createDocumentClient } from "./aws-clients";
import { FUNCTION_ENVIRONMENT } from "./contract/environment";
import { problem } from "./contract/problems";
import { TABLE_HASH_KEY } from "./contract/table";
import { demoSourceRows } from "./demo-source";
import { createDynamoEventStore } from "./event-store";
import type { EventStore, StoredRecord } from "./event-store";
import { jsonResponse, problemResponse } from "./http-response";
import type { HttpResult } from "./http-response";
import { isEventId } from "./idempotency-key";
import type { LambdaContextLike } from "./lambda-context";
import { createLogger } from "./log";
import type { Logger } from "./log";
import { routeRequest } from "./route-request";
import { readSettings } from "./settings";

export interface QueryDeps {
  store: EventStore;
  stage: string;
  version: string;
  demoSource: boolean;
  log: Logger;
}

export type QueryHandler = (event: APIGatewayProxyEventV2, context: LambdaContextLike) => Promise<HttpResult>;

const NO_STORE = { "cache-control": "no-store" };

/** The public view of a record: no lease token, no internal key material. */
export function eventView(rec: StoredRecord): Record<string, unknown> {
  const view: Record<string, unknown> = { id: rec[TABLE_HASH_KEY], status: rec.status, type: rec.type, source: rec.source, receivedAt: rec.receivedAt };
  if (rec.processedAt) view.processedAt = rec.processedAt;
  if (rec.status === "failed") {
    view.errorCategory = rec.errorCategory;
    view.errorReason = rec.errorReason;
  }
  if (rec.event) view.event = rec.event;
  return view;
}

export function makeQueryHandler(deps: QueryDeps): QueryHandler {
  return async (event, context) => {
    const requestId = event.requestContext?.requestId ?? context.awsRequestId;
    const log = deps.log.child({ requestId, awsRequestId: context.awsRequestId });
    const route = routeRequest("query", event, log, requestId);
    if (route.kind === "answered") return route.response;
    if (route.name === "health") return jsonResponse(200, { status: "ok", stage: deps.stage, version: deps.version }, NO_STORE);
    if (route.name === "demoSource") {
      if (!deps.demoSource) return problemResponse(problem("not-found", "the demo source is off on this stage", { requestId }));
      return jsonResponse(200, demoSourceRows(), NO_STORE);
    }
    const id = route.params.id ?? "";
    // A well-formed id is a hash; anything else cannot exist, so there is nothing to read.
    if (!isEventId(id)) return problemResponse(problem("not-found", `no event ${JSON.stringify(id)}`, { requestId }));
    try {
      const rec = await deps.store.get(id);
      if (!rec) return problemResponse(problem("not-found", `no event ${id}`, { requestId }));
      log.info("event read", { eventId: id, status: rec.status });
      return jsonResponse(200, eventView(rec), NO_STORE);
    } catch (err) {
      log.error("event read failed", { eventId: id, errorName: (err as Error)?.name, errorMessage: (err as Error)?.message });
      return problemResponse(problem("dependency-unavailable", "the event store is unavailable; retry later", { requestId }), { "retry-after": "2" });
    }
  };
}

/** Pulumi `callbackFactory`: runs once per cold start. */
export function queryFactory(): QueryHandler {
  const settings = readSettings(process.env, FUNCTION_ENVIRONMENT.query.needs);
  return makeQueryHandler({
    store: createDynamoEventStore(createDocumentClient(), settings.tableName),
    stage: settings.stage,
    version: settings.version,
    demoSource: settings.demoSource,
    log: createLogger({ fn: "query", stage: settings.stage, version: settings.version }, { level: settings.logLevel }),
  });
}
