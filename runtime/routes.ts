// Matches a request to the API's routes (runtime/contract/routes.ts), so every function answers
// 404 and 405 the same way and notices a request API Gateway sent to the wrong function.
import { API_ROUTES, splitRouteKey } from "./contract/routes";
import type { HttpFunctionName, RouteName } from "./contract/routes";
import { decodeComponent } from "./http-request";

export type RouteMatch =
  | { kind: "route"; name: RouteName; params: Record<string, string> }
  | { kind: "method-not-allowed"; allow: string[] }
  | { kind: "not-found"; misrouted: boolean };

/** A route key's path template as a regex: `{id}` matches one non-empty segment, captured as `id`. */
export function pathPattern(template: string): RegExp {
  const segments = template.split("/").map((s) => {
    const param = /^\{(\w+)\}$/.exec(s);
    return param ? `(?<${param[1]}>[^/]+)` : s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  });
  return new RegExp(`^${segments.join("/")}$`);
}

export function matchRoute(fn: HttpFunctionName, method: string, path: string): RouteMatch {
  const routes = API_ROUTES.map((r) => ({ ...r, ...splitRouteKey(r.key) }));
  const byPath = routes.filter((r) => pathPattern(r.path).test(path));
  // `/events/batch` also matches `/events/{id}`; a literal route wins over the parameterized one.
  const literal = byPath.filter((r) => !r.path.includes("{"));
  const candidates = literal.length > 0 ? literal : byPath;
  if (candidates.length === 0) return { kind: "not-found", misrouted: false };
  const hit = candidates.find((r) => r.method === method);
  if (!hit) return { kind: "method-not-allowed", allow: candidates.map((r) => r.method).filter((m, i, all) => all.indexOf(m) === i).sort() };
  if (hit.fn !== fn) return { kind: "not-found", misrouted: true };
  const params = { ...(pathPattern(hit.path).exec(path)?.groups ?? {}) };
  for (const k of Object.keys(params)) params[k] = decodeComponent(params[k]);
  return { kind: "route", name: hit.name, params };
}
