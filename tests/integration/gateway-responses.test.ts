// The answers the local HTTP API gives itself, as an API Gateway HTTP API does: its own
// `{"message":…}` bodies and headers for throttling, an oversized body, no route, a failed
// function and an integration that outlasts its timeout. Against the API server with scripted
// targets, so each case is reached on purpose.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { InvokeOutcome } from "../../local/lambda/invoke-outcome";
import { startHttpApi, type ApiServer, type ApiSpec, type RouteTarget } from "../../local/http/api-server";
import { MAX_PAYLOAD_BYTES } from "../../local/http/gateway-responses";
import { emptyMetrics } from "../../local/metrics";
import { httpClient } from "./target";

const ok = (value: unknown): InvokeOutcome => ({ ok: true, value, requestId: "r", durationMs: 1, coldStart: false });
const target = (invoke: RouteTarget["invoke"], timeoutMs?: number): RouteTarget => ({ functionName: "fx", invoke, timeoutMs });
const held: Array<() => void> = [];

const spec: ApiSpec = {
  apiId: "fxapi",
  stage: "$default",
  accountId: "123456789012",
  routes: [
    { routeKey: "GET /ok", target: target(async () => ok({ statusCode: 200, body: "{}" })) },
    { routeKey: "GET /limited", target: target(async () => ok({ statusCode: 200, body: "{}" })) },
    { routeKey: "POST /upload", target: target(async () => ok({ statusCode: 202, body: "{}" })) },
    { routeKey: "GET /throws", target: target(async (_e, requestId) => ({ ok: false, errorType: "Error", errorMessage: "boom", timedOut: false, requestId, durationMs: 1, coldStart: false })) },
    { routeKey: "GET /bad-result", target: target(async () => ok({ statusCode: "not a number", body: 5 })) },
    // A bug in the edge's own path (here the invoke itself rejects): the request fails, the server does not.
    { routeKey: "GET /edge-bug", target: target(async () => Promise.reject(new Error("edge bug"))) },
    // Never answers within the integration's 300 ms (the function would run on, as on AWS).
    { routeKey: "GET /slow", target: target(() => new Promise<InvokeOutcome>((resolve) => held.push(() => resolve(ok({ statusCode: 200 })))), 300) },
  ],
  routeThrottles: { "GET /limited": { rate: 0.001, burst: 1 } },
};

let server: ApiServer;
const logs: string[] = [];
const api = () => httpClient(server.url);

test.before(async () => {
  server = await startHttpApi({ ...spec, accessLogFormat: '{"status":"$context.status","error":"$context.error.message","integrationError":"$context.integration.error"}' }, { port: 0, metrics: emptyMetrics().api, log: (l) => logs.push(l) });
});

test.after(async () => {
  for (const release of held.splice(0)) release();
  await server?.close();
});

function gatewayAnswer(res: { statusCode: number; headers: Record<string, unknown>; body: string }, status: number, message: string, contentType: string | null = "application/json") {
  assert.is(res.statusCode, status);
  assert.equal(JSON.parse(res.body), { message });
  assert.is(res.headers["content-type"], contentType ?? undefined);
  assert.match(String(res.headers["apigw-requestid"]), /^[A-Za-z0-9+/]{15}=$/);
  assert.is(res.headers["retry-after"], undefined, "API Gateway invents no Retry-After");
}

test("beyond the route's burst: 429 Too Many Requests, API Gateway's body, no Retry-After", async () => {
  assert.is((await api().get("limited")).statusCode, 200);
  gatewayAnswer(await api().get("limited"), 429, "Too Many Requests");
});

test("a failure of the edge itself: API Gateway's 500 for that request, logged, and the server answers the next one", async () => {
  gatewayAnswer(await api().get("edge-bug"), 500, "Internal Server Error");
  assert.ok(logs.some((l) => l.includes("the local edge failed on a request") && l.includes("edge bug")), logs.join("\n"));
  assert.is((await api().get("ok")).statusCode, 200);
});

test("a body over 10 MB: 413 Request Entity Too Large, before any function runs", async () => {
  gatewayAnswer(await api().post("upload", { body: Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 97) }), 413, "Request Entity Too Large");
  assert.is((await api().post("upload", { body: Buffer.alloc(1024, 97) })).statusCode, 202);
});

test("no route, and a known path with another method: 404 Not Found (an HTTP API has no 405)", async () => {
  gatewayAnswer(await api().get("nowhere"), 404, "Not Found");
  gatewayAnswer(await api().delete("ok"), 404, "Not Found");
});

test("a function error or an unusable result: 500 Internal Server Error", async () => {
  gatewayAnswer(await api().get("throws"), 500, "Internal Server Error");
  gatewayAnswer(await api().get("bad-result"), 500, "Internal Server Error");
});

test("an integration that outlasts its timeout: 503 Service Unavailable, without a content type, logged as the integration's error", async () => {
  gatewayAnswer(await api().get("slow"), 503, "Service Unavailable", null);
  const line = logs.map((l) => JSON.parse(l)).find((l) => l.status === "503");
  assert.ok(line, "access-logged");
  assert.is(line.error, "Service Unavailable");
  assert.match(line.integrationError, /integration timeout/);
});

test.run();
