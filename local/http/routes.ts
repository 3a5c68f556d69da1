// Route selection the way API Gateway HTTP APIs do it: `METHOD /path` keys with `{param}` and a
// trailing greedy `{proxy+}`, `ANY` for every method, `$default` as the catch-all; the most
// specific route wins. A path whose routes all take other methods is no match, as on an HTTP API
// (it has no 405).
import { decodeComponent } from "../../runtime/http-request";

export interface RouteDef<T> {
  routeKey: string;
  target: T;
}

export type RouteMatch<T> = { kind: "route"; route: RouteDef<T>; pathParameters: Record<string, string> } | { kind: "not-found" };

type Segment = { literal: string } | { param: string; greedy: boolean };

interface Parsed<T> {
  route: RouteDef<T>;
  method: string;
  segments: Segment[];
}

function parse<T>(route: RouteDef<T>): Parsed<T> | undefined {
  if (route.routeKey === "$default") return undefined;
  const space = route.routeKey.indexOf(" ");
  const method = route.routeKey.slice(0, space).toUpperCase();
  const segments = route.routeKey
    .slice(space + 1)
    .split("/")
    .filter((s) => s !== "")
    .map((s): Segment => {
      const m = /^\{([^}+]+)(\+)?\}$/.exec(s);
      return m ? { param: m[1], greedy: Boolean(m[2]) } : { literal: s };
    });
  return { route, method, segments };
}

/** Path parameters when `path` fits the route's segments, with a specificity score. */
function fit(segments: Segment[], parts: string[]): { params: Record<string, string>; score: number[] } | undefined {
  const params: Record<string, string> = {};
  const score: number[] = [];
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i];
    if ("literal" in seg) {
      if (parts[i] !== seg.literal) return undefined;
      score.push(3);
    } else if (seg.greedy) {
      if (i >= parts.length) return undefined;
      params[seg.param] = parts.slice(i).map(decodeComponent).join("/");
      score.push(1);
      return { params, score };
    } else {
      if (i >= parts.length || parts[i] === "") return undefined;
      params[seg.param] = decodeComponent(parts[i]);
      score.push(2);
    }
  }
  return parts.length === segments.length ? { params, score } : undefined;
}

function compareScores(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export function matchRoute<T>(routes: RouteDef<T>[], method: string, path: string): RouteMatch<T> {
  const parts = path.split("/").filter((s) => s !== "");
  let best: { route: RouteDef<T>; params: Record<string, string>; score: number[]; any: boolean } | undefined;
  for (const route of routes) {
    const parsed = parse(route);
    if (!parsed) continue;
    const f = fit(parsed.segments, parts);
    if (!f) continue;
    if (parsed.method !== "ANY" && parsed.method !== method.toUpperCase()) continue;
    const any = parsed.method === "ANY";
    const cmp = best ? compareScores(f.score, best.score) : 1;
    if (!best || cmp > 0 || (cmp === 0 && best.any && !any)) best = { route, params: f.params, score: f.score, any };
  }
  if (best) return { kind: "route", route: best.route, pathParameters: best.params };
  const fallback = routes.find((r) => r.routeKey === "$default");
  if (fallback) return { kind: "route", route: fallback, pathParameters: {} };
  return { kind: "not-found" };
}
