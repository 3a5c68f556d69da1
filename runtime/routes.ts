// The API's routes and which function serves each, so every handler answers 404 and 405 the same way.
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { decodeComponent } from "./http-request";

export type RouteName = "postEvent" | "postBatch" | "getEvent" | "health" | "demoSource";
export type FunctionName = "ingest" | "query";

interface RouteSpec {
  name: RouteName;
  method: string;
  pattern: RegExp;
  fn: FunctionName;
}

function apiRoutes(): RouteSpec[] {
  return [
    { name: "postEvent", method: "POST", pattern: /^\/events$/, fn: "ingest" },
    { name: "postBatch", method: "POST", pattern: /^\/events\/batch$/, fn: "ingest" },
    { name: "getEvent", method: "GET", pattern: /^\/events\/(?<id>[^/]+)$/, fn: "query" },
    { name: "health", method: "GET", pattern: /^\/health$/, fn: "query" },
    { name: "demoSource", method: "GET", pattern: /^\/demo\/source$/, fn: "query" },
  ];
}

export type RouteMatch =
  | { kind: "route"; name: RouteName; params: Record<string, string> }
  | { kind: "method-not-allowed"; allow: string[] }
  | { kind: "not-found"; misrouted: boolean };

/** The request's method and path, without the stage prefix a named stage adds to rawPath. */
export function requestLine(event: APIGatewayProxyEventV2): { method: string; path: string } {
  const method = (event.requestContext?.http?.method ?? "GET").toUpperCase();
  let path = event.rawPath ?? event.requestContext?.http?.path ?? "/";
  const stage = event.requestContext?.stage;
  if (stage && stage !== "$default" && path.startsWith(`/${stage}/`)) path = path.slice(stage.length + 1);
  if (path.length > 1 && path.endsWith("/")) path = path.slice(0, -1);
  return { method, path };
}

export function matchRoute(fn: FunctionName, method: string, path: string): RouteMatch {
  const byPath = apiRoutes().filter((r) => r.pattern.test(path));
  // `/events/batch` also matches `/events/{id}`; a literal route wins over the parameterized one.
  const literal = byPath.filter((r) => !r.pattern.source.includes("(?<"));
  const candidates = literal.length > 0 ? literal : byPath;
  if (candidates.length === 0) return { kind: "not-found", misrouted: false };
  const hit = candidates.find((r) => r.method === method);
  if (!hit) return { kind: "method-not-allowed", allow: [...new Set(candidates.map((r) => r.method))].sort() };
  if (hit.fn !== fn) return { kind: "not-found", misrouted: true };
  const params = { ...(hit.pattern.exec(path)?.groups ?? {}) };
  for (const k of Object.keys(params)) params[k] = decodeComponent(params[k]);
  return { kind: "route", name: hit.name, params };
}

/** What the handlers use of the Lambda context: the request id and the time left. */
export interface LambdaContextLike {
  awsRequestId: string;
  getRemainingTimeInMillis(): number;
}
