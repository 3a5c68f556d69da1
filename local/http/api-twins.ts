// The registry entry for API Gateway HTTP APIs: one server per aws.apigatewayv2.Api (the first on
// the stack's port, listening before the program runs, so a taken port fails fast and `apiUrl` is
// the local URL), its stage's throttling, CORS and access log, and its routes → integrations →
// local functions, served only where a permission lets API Gateway invoke them, as on AWS.
import { LOCAL_ACCOUNT_ID } from "../aws/local-account";
import type { FunctionTwins } from "../lambda/function-twins";
import { refusedInvocation } from "../lambda/invoke-outcome";
import { numberInput as num, type ResourceRecord } from "../program/resource-record";
import type { TwinContext, TwinModule } from "../twin-module";
import type { IamGateConfig } from "../iam/iam-gate";
import { startHttpApi, type ApiServer, type ApiSpec, type RouteTarget } from "./api-server";
import { createIamRouteAuthorizer } from "./iam-authorizer";
import type { RouteDef } from "./routes";

export interface ApiTwins extends TwinModule {
  /** The first API's URL (once open). */
  url(): string;
}

interface LocalApi {
  server: ApiServer;
  spec: ApiSpec;
}

function applyStage(spec: ApiSpec, stage: ResourceRecord): void {
  spec.stage = String(stage.inputs.name ?? "$default");
  const d = stage.inputs.defaultRouteSettings;
  if (d && (d.throttlingRateLimit !== undefined || d.throttlingBurstLimit !== undefined)) {
    spec.defaultThrottle = { rate: num(d.throttlingRateLimit, 10_000), burst: num(d.throttlingBurstLimit, 5_000) };
  }
  spec.routeThrottles = {};
  for (const rs of (stage.inputs.routeSettings ?? []) as Array<Record<string, unknown>>) {
    spec.routeThrottles[String(rs.routeKey)] = { rate: num(rs.throttlingRateLimit, 10_000), burst: num(rs.throttlingBurstLimit, 5_000) };
  }
  if (stage.inputs.accessLogSettings?.format) spec.accessLogFormat = String(stage.inputs.accessLogSettings.format);
}

export function apiTwins(ctx: TwinContext, deps: { functions: FunctionTwins; port: number; iam: { config(): IamGateConfig } }): ApiTwins {
  const authorizeIam = createIamRouteAuthorizer(() => deps.iam.config());
  const servers: LocalApi[] = [];
  const byName = new Map<string, LocalApi>();
  const listen = async (port: number): Promise<LocalApi> => {
    const spec: ApiSpec = { apiId: "", stage: "$default", accountId: LOCAL_ACCOUNT_ID, routes: [], authorizeIam };
    const entry = { server: await startHttpApi(spec, { port, metrics: ctx.metrics.api, log: ctx.log }), spec };
    servers.push(entry);
    return entry;
  };

  const routesOf = (run: { resources: ResourceRecord[] }, api: ResourceRecord): RouteDef<RouteTarget>[] => {
    const integrations = run.resources.filter((r) => r.type === "aws:apigatewayv2/integration:Integration");
    const permissions = run.resources.filter((r) => r.type === "aws:lambda/permission:Permission");
    const defs: RouteDef<RouteTarget>[] = [];
    for (const route of run.resources.filter((r) => r.type === "aws:apigatewayv2/route:Route" && r.inputs.apiId === api.id)) {
      const integrationId = String(route.inputs.target ?? "").replace(/^integrations\//, "");
      const integration = integrations.find((i) => i.id === integrationId);
      const fn = integration && deps.functions.find(integration.inputs.integrationUri);
      if (!fn) {
        ctx.log(JSON.stringify({ level: "warn", source: "local", msg: "route has no Lambda integration of this program: not served", routeKey: route.inputs.routeKey }));
        continue;
      }
      const name = fn.record.name;
      fn.metrics.triggers.push(`http:${route.inputs.routeKey}`);
      // As on AWS: without a permission for API Gateway, the API cannot invoke the function.
      const allowed = permissions.some((p) => p.inputs.principal === "apigateway.amazonaws.com" && deps.functions.find(p.inputs.function) === fn);
      if (!allowed) ctx.log(JSON.stringify({ level: "warn", source: "local", msg: "no lambda:InvokeFunction permission for API Gateway: the route will answer 500, as on AWS", routeKey: route.inputs.routeKey, fn: name }));
      defs.push({
        routeKey: String(route.inputs.routeKey),
        target: {
          functionName: name,
          authorizationType: route.inputs.authorizationType === undefined ? undefined : String(route.inputs.authorizationType),
          timeoutMs: integration.inputs.timeoutMilliseconds === undefined ? undefined : num(integration.inputs.timeoutMilliseconds, 30_000),
          invoke: allowed
            ? (event, requestId) => fn.host.invoke(event, requestId)
            : async (_event, requestId) => refusedInvocation(requestId, "AccessDeniedException", `API Gateway has no permission to invoke ${name}`),
        },
      });
    }
    return defs;
  };

  return {
    emulates: {
      "aws:apigatewayv2/api:Api": "HTTP server",
      "aws:apigatewayv2/route:Route": "HTTP route (AWS_IAM ones: SigV4 checked)",
      "aws:apigatewayv2/integration:Integration": "Lambda proxy integration",
      "aws:apigatewayv2/stage:Stage": "throttling and access log",
      "aws:lambda/permission:Permission": "checked: API may invoke",
    },
    url: () => servers[0]?.server.url ?? "",
    async open() {
      await listen(deps.port).catch((err: NodeJS.ErrnoException) => {
        throw err.code === "EADDRINUSE" ? new Error(`port ${deps.port} is in use: stop what holds it, or pass --port 0 (a free port) or another one`) : err;
      });
    },
    async declare(args) {
      if (args.type !== "aws:apigatewayv2/api:Api") return {};
      const entry = byName.size === 0 ? servers[0] : await listen(0);
      byName.set(args.name, entry);
      return { apiEndpoint: entry.server.url };
    },
    async create(run) {
      // A program without an API needs no server on the stack's port.
      if (byName.size === 0) await Promise.all(servers.splice(0).map(({ server }) => server.close()));
      for (const [apiName, entry] of byName) {
        const api = run.resources.find((r) => r.type === "aws:apigatewayv2/api:Api" && r.name === apiName)!;
        entry.spec.apiId = api.id;
        if (api.inputs.corsConfiguration) entry.spec.cors = api.inputs.corsConfiguration;
        const stage = run.resources.find((s) => s.type === "aws:apigatewayv2/stage:Stage" && s.inputs.apiId === api.id);
        if (stage) applyStage(entry.spec, stage);
        entry.spec.routes = routesOf(run, api);
      }
    },
    async stop() {
      // First to stop: no new requests reach the functions.
      await Promise.all(servers.map(({ server }) => server.close()));
    },
  };
}
