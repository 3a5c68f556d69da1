// The contract's helpers: what the program writes into a function's environment reads back as the
// same settings, and the route list gives API Gateway's targets, the router's patterns and paths.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { FUNCTION_ENVIRONMENT, functionEnvironment } from "../../runtime/contract/environment";
import { API_ROUTES, routeKey, routeKeysByFunction, routePath, routesByFunction } from "../../runtime/contract/routes";
import { pathPattern } from "../../runtime/routes";
import { readSettings } from "../../runtime/settings";

test("environment: the writer's variables read back as the settings written", () => {
  const settings = {
    stage: "prod",
    version: "1.2.3",
    tableName: "t",
    queueUrl: "https://sqs/q",
    maxBodyBytes: 1000,
    windowSeconds: 60,
    leaseSeconds: 30,
    unknownTypes: "reject" as const,
    testEvents: true,
    sources: '{"s":{}}',
    failureModes: true,
    failureModeRefreshSeconds: 3,
  };
  const written = functionEnvironment("ingest", settings);
  assert.is(written.SLUICE_TEST_EVENTS, "on");
  assert.is(written.SLUICE_MAX_BODY_BYTES, "1000");
  const read = readSettings(written, FUNCTION_ENVIRONMENT.ingest.needs);
  assert.equal(Object.fromEntries(Object.keys(settings).map((k) => [k, read[k as keyof typeof read]])), settings);
  const query = readSettings(functionEnvironment("query", { stage: "dev", version: "v", tableName: "t", demoSource: false, listIndex: true }));
  assert.equal([query.demoSource, query.listIndex], [false, true]);
  const operator = functionEnvironment("operator", { stage: "dev", version: "v", tableName: "t", queueUrl: "q", dlqUrl: "d", listIndex: false, failureModes: false, failureModeRefreshSeconds: 5 });
  assert.is(readSettings(operator, FUNCTION_ENVIRONMENT.operator.needs).dlqUrl, "d");
  assert.throws(() => readSettings({ ...operator, SLUICE_DLQ_URL: "" }, FUNCTION_ENVIRONMENT.operator.needs), /SLUICE_DLQ_URL is not set/);
  assert.throws(() => readSettings({ ...operator, SLUICE_FAILURE_MODE_REFRESH_SECONDS: "11" }), /SLUICE_FAILURE_MODE_REFRESH_SECONDS must be from 1 to 10/);
});

test("environment: values the program holds (pulumi outputs) pass through; a foreign setting is refused", () => {
  const output = { apply: () => undefined };
  const env = functionEnvironment("worker", {
    stage: "dev",
    version: "v",
    tableName: output,
    queueUrl: output,
    windowSeconds: 5,
    retentionDays: 0,
    unknownTypes: "accept",
    testEvents: false,
    failureModes: false,
    failureModeRefreshSeconds: 5,
    publish: "all",
    eventBusName: output,
    retryBaseSeconds: 2,
    retryMaxSeconds: 60,
    logLevel: "debug",
  });
  assert.is(env.SLUICE_TABLE_NAME, output);
  assert.is(env.SLUICE_EVENT_BUS_NAME, output);
  assert.is(env.SLUICE_PUBLISH, "all");
  assert.is(env.SLUICE_LOG_LEVEL, "debug");
  assert.equal(Object.keys(env).sort(), [
    "SLUICE_EVENT_BUS_NAME",
    "SLUICE_EVENT_RETENTION_DAYS",
    "SLUICE_FAILURE_MODES",
    "SLUICE_FAILURE_MODE_REFRESH_SECONDS",
    "SLUICE_IDEMPOTENCY_WINDOW_SECONDS",
    "SLUICE_LOG_LEVEL",
    "SLUICE_PUBLISH",
    "SLUICE_QUEUE_URL",
    "SLUICE_RETRY_BASE_SECONDS",
    "SLUICE_RETRY_MAX_SECONDS",
    "SLUICE_STAGE",
    "SLUICE_TABLE_NAME",
    "SLUICE_TEST_EVENTS",
    "SLUICE_UNKNOWN_TYPES",
    "SLUICE_VERSION",
  ]);
  // The types forbid it; a program built from untyped config would still be stopped at preview.
  assert.throws(() => functionEnvironment("query", { stage: "dev", version: "v", tableName: "t", demoSource: true, queueUrl: "q" } as never), /query function is not given queueUrl/);
});

test("routes: each function's keys, the feature-gated one only when on, the catch-all on query", () => {
  assert.equal(routeKeysByFunction({ demoSource: false }), {
    ingest: ["POST /events", "POST /events/batch", "POST /sources/{name}", "OPTIONS /sources/{name}"],
    query: ["GET /events", "GET /events/{id}", "GET /health", "$default"],
    operator: ["GET /admin/dlq", "POST /admin/dlq/redrive", "POST /admin/replay", "GET /admin/failure-mode", "PUT /admin/failure-mode"],
  });
  // Each configured source also gets its literal route, for a throttle of its own.
  assert.equal(routeKeysByFunction({ demoSource: false }, ["github", "orders"]).ingest.slice(4), ["POST /sources/github", "POST /sources/orders"]);
  assert.ok(routeKeysByFunction({ demoSource: true }).query.includes("GET /demo/source"));
  assert.is(new Set(API_ROUTES.map((r) => r.name)).size, API_ROUTES.length, "route names are unique");
});

test("routes: every /admin route is IAM only and served by the operator; the listing is the one other IAM route", () => {
  const served = routesByFunction({ demoSource: true }, ["github"]);
  for (const [fn, routes] of Object.entries(served)) {
    for (const r of routes) {
      const admin = r.key.includes(" /admin");
      assert.is(r.authorization === "iam", admin || r.key === routeKey("listEvents"), `${r.key} authorization ${r.authorization}`);
      if (admin) assert.is(fn, "operator", r.key);
    }
  }
  assert.equal(served.operator.map((r) => r.authorization), served.operator.map(() => "iam"));
  // A source's literal route is open at the edge like its template: its signature scheme is its check.
  assert.ok(served.ingest.some((r) => r.key === "POST /sources/github" && r.authorization === "none"));
});

test("routes: a key's {param} matches one segment; paths are built and encoded from the key", () => {
  const p = pathPattern("/events/{id}");
  assert.equal({ ...p.exec("/events/evt_1")?.groups }, { id: "evt_1" });
  assert.not.ok(p.test("/events/a/b"));
  assert.not.ok(p.test("/events/"));
  assert.ok(pathPattern("/demo/source").test("/demo/source"));
  assert.not.ok(pathPattern("/a.b").test("/aXb"), "literal segments are not regex");
  assert.is(routePath("getEvent", { id: "a/b c" }), "/events/a%2Fb%20c");
  assert.is(routePath("postBatch"), "/events/batch");
  assert.throws(() => routePath("getEvent"), /needs the parameter id/);
});

test.run();
