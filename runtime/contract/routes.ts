// The API's routes, each written once: index.ts builds IngestApi's targets from this list and the
// handlers' router (runtime/routes.ts) answers 404/405 from it, so what API Gateway sends to a
// function and what the function accepts cannot drift apart. Clients build paths with routePath.

/** The functions behind the HTTP API. */
export type HttpFunctionName = "ingest" | "query";

/** Stack switches a route may depend on; a route with one exists only where it is on. */
export type RouteFeature = "demoSource";

/**
 * Key is API Gateway's route key, `METHOD /path`, where `{name}` stands for one path segment.
 * Order matters only for readability: the router prefers a literal path over a parameter itself.
 */
export const API_ROUTES = [
  { key: "POST /events", name: "postEvent", fn: "ingest" },
  { key: "POST /events/batch", name: "postBatch", fn: "ingest" },
  // A webhook or plain JSON for one configured source (runtime/contract/sources.ts); the program
  // also gives each configured source its own literal route (sourceRouteKey), for its throttle.
  { key: "POST /sources/{name}", name: "postSource", fn: "ingest" },
  // The CloudEvents webhook handshake (abuse protection) on a source.
  { key: "OPTIONS /sources/{name}", name: "sourceHandshake", fn: "ingest" },
  { key: "GET /events/{id}", name: "getEvent", fn: "query" },
  { key: "GET /health", name: "health", fn: "query" },
  // A demo data feed for the quick start; the stack turns it on only outside prod.
  { key: "GET /demo/source", name: "demoSource", fn: "query", feature: "demoSource" },
] as const satisfies readonly { key: string; name: string; fn: HttpFunctionName; feature?: RouteFeature }[];

export type ApiRoute = (typeof API_ROUTES)[number];
export type RouteName = ApiRoute["name"];

/**
 * API Gateway's catch-all route key, and the function behind it: its router answers any path no
 * route takes with a problem+json 404/405 instead of API Gateway's bare `{"message":"Not Found"}`.
 */
export const CATCH_ALL_ROUTE = { key: "$default", fn: "query" } as const satisfies { key: string; fn: HttpFunctionName };

/** The method and path template of a route key (`"GET /events/{id}"` → GET, `/events/{id}`). */
export function splitRouteKey(key: string): { method: string; path: string } {
  const space = key.indexOf(" ");
  return { method: key.slice(0, space), path: key.slice(space + 1) };
}

/**
 * The literal route key of one configured source (`POST /sources/github`): API Gateway prefers it
 * over `POST /sources/{name}`, and a stage's route settings can throttle it on its own.
 */
export function sourceRouteKey(sourceName: string): string {
  const { method, path } = splitRouteKey(routeKey("postSource"));
  return `${method} ${path.replace("{name}", sourceName)}`;
}

/**
 * The route keys each function serves on a stack with these features and sources, the catch-all
 * included: every route of API_ROUTES, plus one literal route per configured source.
 */
export function routeKeysByFunction(features: Record<RouteFeature, boolean>, sourceNames: readonly string[] = []): Record<HttpFunctionName, string[]> {
  const keys: Record<HttpFunctionName, string[]> = { ingest: [], query: [] };
  for (const r of API_ROUTES) {
    const feature: RouteFeature | undefined = "feature" in r ? r.feature : undefined;
    if (feature === undefined || features[feature]) keys[r.fn].push(r.key);
  }
  for (const name of sourceNames) keys.ingest.push(sourceRouteKey(name));
  keys[CATCH_ALL_ROUTE.fn].push(CATCH_ALL_ROUTE.key);
  return keys;
}

/** A route's key, for messages that name it (`routeKey("postBatch")` → `"POST /events/batch"`). */
export function routeKey(name: RouteName): string {
  const route = API_ROUTES.find((r) => r.name === name);
  if (!route) throw new Error(`no route named ${name}`);
  return route.key;
}

/** The path of a route with its parameters filled in and encoded: `routePath("getEvent", { id })`. */
export function routePath(name: RouteName, params: Record<string, string> = {}): string {
  return splitRouteKey(routeKey(name)).path.replace(/\{(\w+)\}/g, (_, p: string) => {
    const value = params[p];
    if (value === undefined) throw new Error(`route ${name} needs the parameter ${p}`);
    return encodeURIComponent(value);
  });
}
