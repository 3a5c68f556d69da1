// The API's routes, each written once: index.ts builds IngestApi's targets from this list and the
// handlers' router (runtime/routes.ts) answers 404/405 from it, so what API Gateway sends to a
// function and what the function accepts cannot drift apart. Clients build paths with routePath.

/** The functions behind the HTTP API. */
export type HttpFunctionName = "ingest" | "query" | "operator";

/**
 * Who may call a route. `none`: anyone who reaches the API. `producer`: the stack's producer auth
 * on the event routes (`sluice:auth`; with none configured it admits anyone). `iam`: a SigV4
 * request whose IAM identity is allowed `execute-api:Invoke` on the route (the admin routes, always).
 */
export type RouteAuthorization = "none" | "producer" | "iam";

/** Stack switches a route may depend on; a route with one exists only where it is on. */
export type RouteFeature = "demoSource";

/**
 * Key is API Gateway's route key, `METHOD /path`, where `{name}` stands for one path segment.
 * Order matters only for readability: the router prefers a literal path over a parameter itself.
 */
export const API_ROUTES = [
  // Producer routes (`sluice:auth`). GET /events/{id} too: a stack that authenticates its writers
  // must not hand every stored event to anyone, and the 202's Location is followed with the same
  // credential that wrote it.
  { key: "POST /events", name: "postEvent", fn: "ingest", authorization: "producer" },
  { key: "POST /events/batch", name: "postBatch", fn: "ingest", authorization: "producer" },
  // A webhook or plain JSON for one configured source (runtime/contract/sources.ts); the program
  // also gives each configured source its own literal route (sourceRouteKey), for its throttle.
  // Never a producer route: a webhook provider holds no producer credential, and the source's own
  // signature scheme authenticates it, inside the ingest.
  { key: "POST /sources/{name}", name: "postSource", fn: "ingest", authorization: "none" },
  // The CloudEvents webhook handshake (abuse protection) on a source.
  { key: "OPTIONS /sources/{name}", name: "sourceHandshake", fn: "ingest", authorization: "none" },
  // IAM only, whatever `sluice:auth` says: a listing hands out ids by source or failure (what
  // GET /events/{id} asks for), and each call reads up to a page of items. It is the operators'
  // (`sluice events ls`), beside the admin routes.
  { key: "GET /events", name: "listEvents", fn: "query", authorization: "iam" },
  { key: "GET /events/{id}", name: "getEvent", fn: "query", authorization: "producer" },
  { key: "GET /health", name: "health", fn: "query", authorization: "none" },
  // A demo data feed for the quick start; the stack turns it on only outside prod.
  { key: "GET /demo/source", name: "demoSource", fn: "query", feature: "demoSource", authorization: "none" },
  // Operations (DESIGN §9): only an IAM identity allowed execute-api:Invoke reaches them.
  { key: "GET /admin/dlq", name: "dlqPreview", fn: "operator", authorization: "iam" },
  { key: "POST /admin/dlq/redrive", name: "dlqRedrive", fn: "operator", authorization: "iam" },
  { key: "POST /admin/replay", name: "replay", fn: "operator", authorization: "iam" },
  { key: "GET /admin/failure-mode", name: "getFailureMode", fn: "operator", authorization: "iam" },
  { key: "PUT /admin/failure-mode", name: "setFailureMode", fn: "operator", authorization: "iam" },
] as const satisfies readonly { key: string; name: string; fn: HttpFunctionName; feature?: RouteFeature; authorization: RouteAuthorization }[];

export type ApiRoute = (typeof API_ROUTES)[number];
export type RouteName = ApiRoute["name"];

/**
 * API Gateway's catch-all route key, and the function behind it: its router answers any path no
 * route takes with a problem+json 404/405 instead of API Gateway's bare `{"message":"Not Found"}`.
 */
export const CATCH_ALL_ROUTE = { key: "$default", fn: "query", authorization: "none" } as const satisfies { key: string; fn: HttpFunctionName; authorization: RouteAuthorization };

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

/** A route as a function serves it: its key and who may call it. */
export interface ServedRoute {
  key: string;
  authorization: RouteAuthorization;
}

/**
 * The routes each function serves on a stack with these features and sources, the catch-all
 * included: every route of API_ROUTES, plus one literal route per configured source.
 */
export function routesByFunction(features: Record<RouteFeature, boolean>, sourceNames: readonly string[] = []): Record<HttpFunctionName, ServedRoute[]> {
  const routes: Record<HttpFunctionName, ServedRoute[]> = { ingest: [], query: [], operator: [] };
  for (const r of API_ROUTES) {
    const feature: RouteFeature | undefined = "feature" in r ? r.feature : undefined;
    if (feature === undefined || features[feature]) routes[r.fn].push({ key: r.key, authorization: r.authorization });
  }
  for (const name of sourceNames) routes.ingest.push({ key: sourceRouteKey(name), authorization: apiRoute("postSource").authorization });
  routes[CATCH_ALL_ROUTE.fn].push({ key: CATCH_ALL_ROUTE.key, authorization: CATCH_ALL_ROUTE.authorization });
  return routes;
}

/** The route keys each function serves on a stack with these features and sources, the catch-all included. */
export function routeKeysByFunction(features: Record<RouteFeature, boolean>, sourceNames: readonly string[] = []): Record<HttpFunctionName, string[]> {
  const served = routesByFunction(features, sourceNames);
  return { ingest: served.ingest.map((r) => r.key), query: served.query.map((r) => r.key), operator: served.operator.map((r) => r.key) };
}

/** The route of this name in API_ROUTES. */
function apiRoute(name: RouteName): ApiRoute {
  const route = API_ROUTES.find((r) => r.name === name);
  if (!route) throw new Error(`no route named ${name}`);
  return route;
}

/** A route's key, for messages that name it (`routeKey("postBatch")` → `"POST /events/batch"`). */
export function routeKey(name: RouteName): string {
  return apiRoute(name).key;
}

/** Whether API Gateway takes only SigV4-signed callers on the route (its authorizationType AWS_IAM). */
export function routeIsIamOnly(name: RouteName): boolean {
  return apiRoute(name).authorization === "iam";
}

/** The path of a route with its parameters filled in and encoded: `routePath("getEvent", { id })`. */
export function routePath(name: RouteName, params: Record<string, string> = {}): string {
  return splitRouteKey(routeKey(name)).path.replace(/\{(\w+)\}/g, (_, p: string) => {
    const value = params[p];
    if (value === undefined) throw new Error(`route ${name} needs the parameter ${p}`);
    return encodeURIComponent(value);
  });
}
