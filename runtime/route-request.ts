// The routing preamble every HTTP handler starts with: the request line, the route it matches, and
// for a request no route of this function takes, the 404/405 it gets (logged if API Gateway
// misrouted it, which means the deployed routes and runtime/contract/routes.ts disagree).
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import type { HttpFunctionName, RouteName } from "./contract/routes";
import { requestLine } from "./http-request";
import { problemResponse } from "./http-response";
import type { HttpResult } from "./http-response";
import { errorSummary } from "./log";
import type { Logger } from "./log";
import { problem } from "./contract/problems";
import { matchRoute } from "./routes";
import type { RouteMatch } from "./routes";

export type Routed = { kind: "route"; name: RouteName; params: Record<string, string> } | { kind: "answered"; response: HttpResult };

/** The 404 or 405 for a request that no route of this function takes. */
export function unroutedResponse(route: Exclude<RouteMatch, { kind: "route" }>, method: string, path: string, requestId: string): HttpResult {
  if (route.kind === "method-not-allowed") {
    return problemResponse(problem("method-not-allowed", `${method} is not allowed on ${path}`, { requestId }), { allow: route.allow.join(", ") });
  }
  return problemResponse(problem("not-found", `no route for ${method} ${path}`, { requestId }));
}

export function routeRequest(fn: HttpFunctionName, event: APIGatewayProxyEventV2, log: Logger, requestId: string): Routed {
  const { method, path } = requestLine(event);
  const route = matchRoute(fn, method, path);
  if (route.kind === "route") return route;
  if (route.kind === "not-found" && route.misrouted) log.warn("request routed to the wrong function", { method, path });
  return { kind: "answered", response: unroutedResponse(route, method, path, requestId) };
}

/**
 * The answer to anything a handler did not expect: a 500 problem that says nothing of the error
 * (a bug is not the client's to retry forever, and its internals are not theirs to read), logged
 * with the stack under the request id the problem names.
 */
export function internalError(err: unknown, log: Logger, event: APIGatewayProxyEventV2 | undefined, context: { awsRequestId?: string } | undefined): HttpResult {
  const requestId = event?.requestContext?.requestId ?? context?.awsRequestId ?? "";
  log.error("unexpected failure: answered 500", { requestId, awsRequestId: context?.awsRequestId, ...errorSummary(err), stack: (err as Error)?.stack });
  return problemResponse(problem("internal-error", "the request failed because of an error on our side; it is logged under this request's id", { requestId }));
}
