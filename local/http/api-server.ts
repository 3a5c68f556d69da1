// The local twin of an API Gateway HTTP API and its stage: an HTTP server that picks the route,
// applies the stage's throttling, builds the payload-2.0 event, invokes the route's function and
// turns its result into the response. What API Gateway answers itself is in gateway-responses.ts.
import * as http from "node:http";
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import type { InvokeOutcome } from "../lambda/invoke-outcome";
import { bump, type LocalMetrics } from "../metrics";
import { accessLogVariables, renderAccessLog } from "./access-log";
import { corsHeaders, preflightHeaders, type CorsConfig } from "./cors";
import { integrationFailed, integrationTimedOut, MAX_INTEGRATION_TIMEOUT_MS, MAX_PAYLOAD_BYTES, noRoute, payloadTooLarge, throttled, type GatewayResponse } from "./gateway-responses";
import { buildEventV2, toHttpResult } from "./payload-v2";
import { matchRoute, type RouteDef } from "./routes";
import { StageThrottle, type Throttle } from "./throttle";
import type { IamRouteAuthorizer } from "./iam-authorizer";
import type { JwtRoute, JwtRouteAuthorizer } from "./jwt-authorizer";

export interface RouteTarget {
  functionName: string;
  /** The route's authorizationType: AWS_IAM routes admit only callers `authorizeIam` accepts, JWT routes tokens `authorizeJwt` accepts. */
  authorizationType?: string;
  /** A JWT route's authorizer and scopes; a JWT route without one admits nobody. */
  jwt?: JwtRoute;
  invoke(event: unknown, requestId: string): Promise<InvokeOutcome>;
  /** The integration's timeout in ms (its timeoutMilliseconds). Default and most: 30 s. */
  timeoutMs?: number;
}

/** What the server serves; filled in once the program ran (the server listens before). */
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
  /** Checks an AWS_IAM route's caller (iam-authorizer.ts); without one, such a route admits nobody. */
  authorizeIam?: IamRouteAuthorizer;
  /** Checks a JWT route's bearer token (jwt-authorizer.ts). */
  authorizeJwt?: JwtRouteAuthorizer;
}

export interface ApiServer {
  url: string;
  port: number;
  /** Stops taking requests and waits (bounded) for the ones in flight. */
  close(): Promise<void>;
}

interface Answer {
  out: GatewayResponse;
  routeKey: string;
  integration: { status?: number; latency?: number; error?: string };
  /** Set when API Gateway itself answers (no route, throttled, too large, function failed). */
  gatewayError: string;
}

function requestId(): string {
  // API Gateway's ids look like `RL2XYiwjPHcEMEQ=`: 11 bytes, base64.
  return randomBytes(11).toString("base64");
}

/** The invocation's outcome, or "timed-out" once the integration stops waiting (the function runs on). */
function withIntegrationTimeout(invocation: Promise<InvokeOutcome>, ms: number): Promise<InvokeOutcome | "timed-out"> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timed-out">((resolve) => (timer = setTimeout(() => resolve("timed-out"), ms)));
  return Promise.race([invocation, timeout]).finally(() => clearTimeout(timer));
}

/** An AWS_IAM route with nothing to check its callers: closed, never open. */
function forbiddenWithoutAuthorizer(): GatewayResponse {
  return { statusCode: 403, headers: { "content-type": "application/json", "x-amzn-errortype": "MissingAuthenticationTokenException" }, body: Buffer.from(JSON.stringify({ message: "Missing Authentication Token" })) };
}

/** A JWT route whose authorizer is not in the program: closed, never open. */
function unauthorizedWithoutAuthorizer(): GatewayResponse {
  return { statusCode: 401, headers: { "content-type": "application/json" }, body: Buffer.from(JSON.stringify({ message: "Unauthorized" })) };
}

function sourceIpOf(req: http.IncomingMessage): string {
  return req.socket.remoteAddress?.replace(/^::ffff:/, "") ?? "";
}

export async function startHttpApi(spec: ApiSpec, opts: { port: number; host?: string; metrics: LocalMetrics["api"]; log(line: string): void }): Promise<ApiServer> {
  const host = opts.host ?? "127.0.0.1";
  const throttle = new StageThrottle(() => spec);
  let domainName = `${host}`;

  const answer = async (req: http.IncomingMessage, body: Buffer, tooLarge: boolean, id: string, started: number): Promise<Answer> => {
    const method = (req.method ?? "GET").toUpperCase();
    const url = req.url ?? "/";
    const path = url.split("?")[0];
    const origin = req.headers.origin;
    const none = { routeKey: "-", integration: {} };
    const match = matchRoute(spec.routes, method, path);
    if (method === "OPTIONS" && spec.cors && origin && req.headers["access-control-request-method"] && !(match.kind === "route" && match.route.routeKey.startsWith("OPTIONS "))) {
      // With CORS configured, API Gateway answers preflight requests itself.
      return { ...none, gatewayError: "", out: { statusCode: 204, headers: preflightHeaders(spec.cors, origin), body: Buffer.alloc(0) } };
    }
    if (tooLarge) return { ...none, gatewayError: "Request Entity Too Large", out: payloadTooLarge() };
    if (match.kind !== "route") return { ...none, gatewayError: "Not Found", out: noRoute() };
    const routeKey = match.route.routeKey;
    bump(opts.metrics.byRoute, routeKey);
    if (!throttle.admit(routeKey)) {
      opts.metrics.throttled += 1;
      return { routeKey, integration: {}, gatewayError: "Too Many Requests", out: throttled() };
    }
    const target = match.route.target;
    let authorizer: Record<string, unknown> | undefined;
    if (target.authorizationType === "AWS_IAM") {
      const decision = spec.authorizeIam?.({ method, url, headers: req.headers, body }, { apiId: spec.apiId, stage: spec.stage, method, path });
      if (!decision?.ok) return { routeKey, integration: {}, gatewayError: "Forbidden", out: decision?.answer ?? forbiddenWithoutAuthorizer() };
      authorizer = { iam: decision.identity };
    } else if (target.authorizationType === "JWT") {
      const decision = target.jwt && spec.authorizeJwt ? await spec.authorizeJwt(req.headers, target.jwt) : undefined;
      if (!decision?.ok) return { routeKey, integration: {}, gatewayError: "Unauthorized", out: decision?.answer ?? unauthorizedWithoutAuthorizer() };
      authorizer = decision.authorizer;
    }
    const event = buildEventV2(
      { method, url, rawHeaders: req.rawHeaders, body, sourceIp: sourceIpOf(req) || "127.0.0.1" },
      { routeKey, pathParameters: match.pathParameters, requestId: id, apiId: spec.apiId, domainName, stage: spec.stage, accountId: spec.accountId, now: new Date(started), authorizer },
    );
    const t0 = Date.now();
    const outcome = await withIntegrationTimeout(target.invoke(event, id), Math.min(target.timeoutMs ?? MAX_INTEGRATION_TIMEOUT_MS, MAX_INTEGRATION_TIMEOUT_MS));
    const latency = Date.now() - t0;
    if (outcome === "timed-out") {
      return { routeKey, integration: { latency, error: "The Lambda function did not respond within the integration timeout" }, gatewayError: "Service Unavailable", out: integrationTimedOut() };
    }
    if (!outcome.ok) {
      return { routeKey, integration: { latency, status: 200, error: `${outcome.errorType}: ${outcome.errorMessage}` }, gatewayError: "Internal Server Error", out: integrationFailed() };
    }
    try {
      return { routeKey, integration: { latency, status: 200 }, gatewayError: "", out: toHttpResult(outcome.value) };
    } catch (err) {
      return { routeKey, integration: { latency, error: (err as Error).message }, gatewayError: "", out: integrationFailed() };
    }
  };

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
    // A client that goes away mid-request only ends this request, never the stack.
    req.on("error", () => undefined);
    req.on("end", async () => {
      const method = (req.method ?? "GET").toUpperCase();
      let answered: Awaited<ReturnType<typeof answer>>;
      try {
        answered = await answer(req, Buffer.concat(chunks), tooLarge, id, started);
      } catch (err) {
        // A bug of the edge itself (an authorizer, a route): API Gateway's own 500, logged, never an unhandled rejection.
        opts.log(JSON.stringify({ level: "error", source: "local", msg: "the local edge failed on a request", requestId: id, error: (err as Error)?.message }));
        answered = { routeKey: "-", integration: {}, gatewayError: "Internal Server Error", out: integrationFailed() };
      }
      const { out, routeKey, integration, gatewayError } = answered;
      opts.metrics.requests += 1;
      bump(opts.metrics.byStatus, String(out.statusCode));
      const headers: Record<string, string | string[]> = { ...out.headers, ...corsHeaders(spec.cors, req.headers.origin), "apigw-requestid": id };
      if (out.cookies && out.cookies.length > 0) headers["set-cookie"] = out.cookies;
      res.writeHead(out.statusCode, headers);
      res.end(method === "HEAD" ? undefined : out.body);
      if (!spec.accessLogFormat) return;
      const vars = accessLogVariables({
        requestId: id,
        sourceIp: sourceIpOf(req),
        userAgent: req.headers["user-agent"] ?? "",
        started,
        method,
        path: (req.url ?? "/").split("?")[0],
        routeKey,
        status: out.statusCode,
        protocol: `HTTP/${req.httpVersion}`,
        responseLength: out.body.length,
        integration,
        gatewayError,
        apiId: spec.apiId,
        stage: spec.stage,
        domainName,
      });
      opts.log(renderAccessLog(spec.accessLogFormat, vars));
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
