// Builds API Gateway HTTP API (payload v2) responses: JSON bodies and problem+json errors.
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { problem } from "./problems";
import type { ProblemBody } from "./problems";
import type { RouteMatch } from "./routes";

export type HttpResult = APIGatewayProxyStructuredResultV2 & { statusCode: number; headers: Record<string, string>; body: string };

export function jsonResponse(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return { statusCode, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}

export function problemResponse(body: ProblemBody, headers: Record<string, string> = {}): HttpResult {
  return { statusCode: body.status, headers: { "content-type": "application/problem+json", ...headers }, body: JSON.stringify(body) };
}

/** The 404 or 405 for a request that no route of this function takes. */
export function unroutedResponse(route: Exclude<RouteMatch, { kind: "route" }>, method: string, path: string, requestId: string): HttpResult {
  if (route.kind === "method-not-allowed") {
    return problemResponse(problem("method-not-allowed", `${method} is not allowed on ${path}`, { requestId }), { allow: route.allow.join(", ") });
  }
  return problemResponse(problem("not-found", `no route for ${method} ${path}`, { requestId }));
}
