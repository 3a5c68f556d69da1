// The local twin of an API Gateway HTTP API and its stage: an HTTP server that picks the route,
// applies the stage's throttling, builds the payload-2.0 event, invokes the route's function and
// turns its result into the response. Errors that API Gateway itself would answer (no route,
// throttled, body too large) are given as problem+json, the contract Sluice's clients read.
import * as http from "node:http";
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { buildEventV2, requestTime, toHttpResult } from "./http-event";
import { matchRoute, type RouteDef } from "./http-routes";
import { TokenBucket } from "./token-bucket";
import { bump, type LocalMetrics } from "./metrics";
import type { InvokeOutcome } from "./lambda-host";

export interface RouteTarget {
  functionName: string;
  invoke(event: unknown, requestId: string): Promise<InvokeOutcome>;
}

export interface Throttle {
  rate: number;
  burst: number;
}

export interface CorsConfig {
  allowOrigins?: string[];
  allowMethods?: string[];
  allowHeaders?: string[];
  exposeHeaders?: string[];
  maxAge?: number;
  allowCredentials?: boolean;
}

export interface ApiSpec {
  apiId: string;
  stage: string;
  accountId: string;
  routes: RouteDef<RouteTarget>[];
  /** The stage's defaultRouteSettings; each route gets its own bucket, as on API Gateway. */
  defaultThrottle?: Throttle;
  /** Per-route overrides from the stage's routeSettings. */
  routeThrottles?: Record<string, Throttle>;
  cors?: CorsConfig;
  /** The stage's access log format (JSON with $context variables); logged per request when set. */
  accessLogFormat?: string;
}

export interface ApiServer {
  url: string;
  port: number;
  /** Stops taking requests and waits (bounded) for the ones in flight. */
  close(): Promise<void>;
}

/** API Gateway's payload limit. */
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

function problem(status: number, slug: string, title: string, detail: string, extra: Record<string, unknown> = {}) {
  return {
    statusCode: status,
    headers: { "content-type": "application/problem+json" } as Record<string, string>,
    body: Buffer.from(JSON.stringify({ type: `urn:sluice:problem:${slug}`, title, status, detail, ...extra })),
  };
}

function requestId(): string {
  // API Gateway's ids look like `JKJaXmPLvHcESHA=`.
  return randomBytes(10).toString("base64");
}

function corsHeaders(cors: CorsConfig | undefined, origin: string | undefined): Record<string, string> {
  if (!cors || !origin) return {};
  const origins = cors.allowOrigins ?? [];
  if (!origins.includes("*") && !origins.includes(origin)) return {};
  const out: Record<string, string> = { "access-control-allow-origin": origins.includes("*") && !cors.allowCredentials ? "*" : origin };
  if (cors.allowCredentials) out["access-control-allow-credentials"] = "true";
  if (cors.exposeHeaders?.length) out["access-control-expose-headers"] = cors.exposeHeaders.join(",");
  return out;
}

/** Fills an access log format's $context variables (unknown ones become "-"). */
export function renderAccessLog(format: string, vars: Record<string, string | number>): string {
  return format.replace(/\$context\.([A-Za-z0-9_.]+)/g, (_, name: string) => {
    const v = vars[name];
    return v === undefined || v === "" ? "-" : String(v).replace(/["\\]/g, (c) => `\\${c}`);
  });
}

export async function startHttpApi(spec: ApiSpec, opts: { port: number; host?: string; metrics: LocalMetrics["api"]; log(line: string): void }): Promise<ApiServer> {
  const host = opts.host ?? "127.0.0.1";
  const buckets = new Map<string, TokenBucket>();
  const bucketFor = (routeKey: string): TokenBucket | undefined => {
    const t = spec.routeThrottles?.[routeKey] ?? spec.defaultThrottle;
    if (!t) return undefined;
    let b = buckets.get(routeKey);
    if (!b) buckets.set(routeKey, (b = new TokenBucket(t.rate, t.burst)));
    return b;
  };
  let domainName = `${host}`;

  const server = http.createServer((req, res) => {
    const started = Date.now();
    const id = requestId();
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_PAYLOAD_BYTES) tooLarge = true;
      else chunks.push(c);
    });
    req.on("end", async () => {
      const method = (req.method ?? "GET").toUpperCase();
      const url = req.url ?? "/";
      const path = url.split("?")[0];
      const origin = req.headers.origin;
      let routeKey = "-";
      let integration: { status?: number; latency?: number; error?: string } = {};
      // Set when API Gateway itself answers (no route, throttled, too large, function failed).
      let gatewayError = "";
      let out: { statusCode: number; headers: Record<string, string>; body: Buffer; cookies?: string[] };

      const match = matchRoute(spec.routes, method, path);
      if (method === "OPTIONS" && spec.cors && origin && req.headers["access-control-request-method"] && !(match.kind === "route" && match.route.routeKey.startsWith("OPTIONS "))) {
        // With CORS configured, API Gateway answers preflight requests itself.
        const cors = spec.cors;
        out = {
          statusCode: 204,
          headers: {
            ...corsHeaders(cors, origin),
            ...(cors.allowMethods?.length ? { "access-control-allow-methods": cors.allowMethods.join(",") } : {}),
            ...(cors.allowHeaders?.length ? { "access-control-allow-headers": cors.allowHeaders.join(",") } : {}),
            ...(cors.maxAge !== undefined ? { "access-control-max-age": String(cors.maxAge) } : {}),
          },
          body: Buffer.alloc(0),
        };
      } else if (tooLarge) {
        gatewayError = "Request Entity Too Large";
        out = problem(413, "payload-too-large", "Payload Too Large", `the request body exceeds ${MAX_PAYLOAD_BYTES} bytes, the API's limit`);
      } else if (match.kind === "not-found") {
        gatewayError = "Not Found";
        out = problem(404, "not-found", "Not Found", `no route for ${method} ${path}`);
      } else if (match.kind === "method-not-allowed") {
        gatewayError = "Method Not Allowed";
        out = problem(405, "method-not-allowed", "Method Not Allowed", `${path} does not take ${method}`, { allow: match.allow });
        out.headers.allow = match.allow.join(", ");
      } else {
        routeKey = match.route.routeKey;
        bump(opts.metrics.byRoute, routeKey);
        const bucket = bucketFor(routeKey);
        if (bucket && !bucket.take()) {
          opts.metrics.throttled += 1;
          gatewayError = "Too Many Requests";
          out = problem(429, "throttled", "Too Many Requests", "the stage's rate limit was exceeded; retry later");
          out.headers["retry-after"] = "1";
        } else {
          const event = buildEventV2(
            { method, url, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks), sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, "") ?? "127.0.0.1" },
            { routeKey, pathParameters: match.pathParameters, requestId: id, apiId: spec.apiId, domainName, stage: spec.stage, accountId: spec.accountId, now: new Date(started) },
          );
          const t0 = Date.now();
          const outcome = await match.route.target.invoke(event, id);
          integration = { latency: Date.now() - t0 };
          if (outcome.ok) {
            try {
              const r = toHttpResult(outcome.value);
              integration.status = 200;
              out = r;
            } catch (err) {
              integration.error = (err as Error).message;
              out = { statusCode: 500, headers: { "content-type": "application/json" }, body: Buffer.from('{"message":"Internal Server Error"}') };
            }
          } else {
            // What API Gateway answers when the function fails (error, crash or timeout).
            integration = { ...integration, status: 200, error: `${outcome.errorType}: ${outcome.errorMessage}` };
            gatewayError = "Internal Server Error";
            out = { statusCode: 500, headers: { "content-type": "application/json" }, body: Buffer.from('{"message":"Internal Server Error"}') };
          }
        }
      }

      opts.metrics.requests += 1;
      bump(opts.metrics.byStatus, String(out.statusCode));
      const headers: Record<string, string | string[]> = { ...out.headers, ...corsHeaders(spec.cors, origin), "apigw-requestid": id };
      if (out.cookies && out.cookies.length > 0) headers["set-cookie"] = out.cookies;
      res.writeHead(out.statusCode, headers);
      res.end(method === "HEAD" ? undefined : out.body);
      if (spec.accessLogFormat) {
        opts.log(
          renderAccessLog(spec.accessLogFormat, {
            requestId: id,
            extendedRequestId: id,
            "identity.sourceIp": req.socket.remoteAddress?.replace(/^::ffff:/, "") ?? "",
            "identity.userAgent": req.headers["user-agent"] ?? "",
            requestTime: requestTime(new Date(started)),
            requestTimeEpoch: Math.floor(started / 1000),
            httpMethod: method,
            path,
            routeKey,
            status: out.statusCode,
            protocol: `HTTP/${req.httpVersion}`,
            responseLength: out.body.length,
            responseLatency: Date.now() - started,
            "integration.status": integration.status ?? "",
            integrationStatus: integration.status ?? "",
            "integration.latency": integration.latency ?? "",
            integrationLatency: integration.latency ?? "",
            "integration.error": integration.error ?? "",
            integrationErrorMessage: integration.error ?? "",
            "error.message": gatewayError,
            apiId: spec.apiId,
            stage: spec.stage,
            domainName,
          }),
        );
      }
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  domainName = `${host}:${port}`;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), 10_000);
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
