// The Sluice program: reads the stack's config and composes one pipeline (API → ingest → queue →
// worker → table, the optional fan-out bus, query, the sources' secrets, the operator behind the
// IAM-only admin routes, alarms, dashboard, saved log queries). Behaviour lives in runtime/, resource
// shapes in components/; this file only wires them together.
import * as pulumi from "@pulumi/pulumi";
import { AlarmSet } from "./components/alarm-set";
import { EventBus } from "./components/event-bus";
import { IdempotentTable } from "./components/idempotent-table";
import { keyPolicyStatements } from "./components/key-policy";
import { IngestApi } from "./components/ingest-api";
import { LogQueries } from "./components/log-queries";
import { PipelineDashboard } from "./components/pipeline-dashboard";
import { PipelineFunction } from "./components/pipeline-function";
import { QueueWithDlq } from "./components/queue-with-dlq";
import { SourceSecrets } from "./components/source-secrets";
import { dynamoOperationOf } from "./components/metric-dimensions";
import { alarmEmailFor } from "./components/alarm-email";
import { checkOutlastsCalls, checkRetryBackoff, leaseSecondsFor } from "./components/sizing";
import { CALL_DEADLINE_MS } from "./runtime/aws-clients";
import { functionEnvironment } from "./runtime/contract/environment";
import { FAILURE_MODE_REFRESH_RANGE } from "./runtime/contract/failure-modes";
import { PUBLISH_MODES, type PublishMode } from "./runtime/contract/fan-out";
import { FUNCTION_PERMISSIONS, tableActions } from "./runtime/contract/permissions";
import { LOCAL_STACK_CONFIG, readProducerAuth } from "./runtime/contract/producer-auth";
import { routePath, routesByFunction, sourceRouteKey } from "./runtime/contract/routes";
import type { ServedRoute } from "./runtime/contract/routes";
import type { ApiRoute, ApiRouteAuthorization } from "./components/ingest-api";
import { ingestFactory } from "./runtime/ingest-handler";
import { operatorFactory } from "./runtime/operator-handler";
import { queryFactory } from "./runtime/query-handler";
import { workerFactory } from "./runtime/worker-handler";
import { needsSecrets, parseSources, parseSourceSecrets } from "./runtime/sources/source-config";
import { checkSourcesFit, sourcesEnvironment } from "./runtime/sources/sources-environment";
import { version } from "./package.json";

const config = new pulumi.Config();
const stage = pulumi.getStack();
const unknownTypes = config.require("unknownTypes");
if (unknownTypes !== "accept" && unknownTypes !== "reject") throw new Error(`sluice:unknownTypes must be accept or reject, got ${unknownTypes}`);

const tags = { project: "sluice", stack: stage };
const logRetentionDays = config.requireNumber("logRetentionDays");
const kmsKeyArn = config.get("kmsKeyArn") || undefined;
const ingestTimeout = config.requireNumber("ingestTimeoutSeconds");
const workerTimeout = config.requireNumber("workerTimeoutSeconds");
const batchingWindowSeconds = config.requireNumber("batchingWindowSeconds");
const windowSeconds = config.requireNumber("idempotencyWindowSeconds");
const retentionDays = config.requireNumber("eventRetentionDays");
const logLevel = config.require("logLevel");
if (!["debug", "info", "warn", "error"].includes(logLevel)) throw new Error(`sluice:logLevel must be debug, info, warn or error, got ${logLevel}`);
const testEvents = config.requireBoolean("testEvents");
const protect = config.requireBoolean("protect");
// A protected stack must say where its alarms go (components/alarm-email.ts).
const alarmEmail = alarmEmailFor({ alarmEmail: config.get("alarmEmail"), protect });
// Sources (POST /sources/{name}) and their signing secrets, checked before anything is declared;
// the secrets are only ever handled as a secret Output.
const sources = parseSources(config.getObject<unknown>("sources"));
const sourceSecretValues = parseSourceSecrets(config.getObject<unknown>("sourceSecrets"), sources);
const throttleRateLimit = config.requireNumber("throttleRateLimit");
checkSourcesFit(sources, throttleRateLimit);
// Ingest: lease write, send, and the lease's compensation after a failed send. Query: one read.
// Operator: its runs stop themselves in time; it needs room for one page of work and the answer.
checkOutlastsCalls("ingest", ingestTimeout, 3, CALL_DEADLINE_MS);
checkOutlastsCalls("query", config.requireNumber("queryTimeoutSeconds"), 1, CALL_DEADLINE_MS);
const operatorTimeout = config.requireNumber("operatorTimeoutSeconds");
checkOutlastsCalls("operator", operatorTimeout, 4, CALL_DEADLINE_MS);
const listIndex = config.requireBoolean("listIndex");
// Failure modes are for gamedays: a protected (or prod) stack refuses them outright.
const failureModes = config.requireBoolean("failureModes");
if (failureModes && (protect || stage === "prod")) throw new Error("sluice:failureModes cannot be true on a protected or prod stack: failure modes are for stacks whose data does not matter");
const failureModeRefreshSeconds = config.requireNumber("failureModeRefreshSeconds");
// Producer auth on the event routes (runtime/contract/producer-auth.ts); refused here with the bad key's name.
const producerAuth = readProducerAuth(
  { auth: config.get("auth"), authIssuer: config.get("authIssuer"), authAudiences: config.getObject("authAudiences"), authScopes: config.getObject("authScopes"), authLocalJwks: config.get("authLocalJwks") },
  { local: new pulumi.Config(LOCAL_STACK_CONFIG.namespace).getBoolean(LOCAL_STACK_CONFIG.key) ?? false },
);
if (!Number.isInteger(failureModeRefreshSeconds) || failureModeRefreshSeconds < FAILURE_MODE_REFRESH_RANGE.min || failureModeRefreshSeconds > FAILURE_MODE_REFRESH_RANGE.max) {
  throw new Error(`sluice:failureModeRefreshSeconds must be an integer from ${FAILURE_MODE_REFRESH_RANGE.min} to ${FAILURE_MODE_REFRESH_RANGE.max}, got ${failureModeRefreshSeconds}`);
}
const retryBaseSeconds = config.requireNumber("retryBaseSeconds");
const retryMaxSeconds = config.requireNumber("retryMaxSeconds");
checkRetryBackoff(retryBaseSeconds, retryMaxSeconds, workerTimeout);
const tracing = config.requireBoolean("tracing");
const publish = config.require("publish") as PublishMode;
if (!PUBLISH_MODES.includes(publish)) throw new Error(`sluice:publish must be ${PUBLISH_MODES.join(", ")}, got ${publish}`);

const table = new IdempotentTable("sluice-idempotency", {
  protect,
  listIndex,
  kmsKeyArn,
  tags,
});

const queue = new QueueWithDlq("sluice-events", {
  consumerTimeoutSeconds: workerTimeout,
  consumerBatchingWindowSeconds: batchingWindowSeconds,
  maxReceiveCount: config.requireNumber("maxReceiveCount"),
  messageRetentionSeconds: config.requireNumber("messageRetentionSeconds"),
  kmsKeyArn,
  tags,
});

// Consumers hear of stored events on this bus (none when publish is none).
const bus = publish === "none" ? undefined : new EventBus("sluice-fanout", { tags });

const sourceSecrets = new SourceSecrets("sluice-sources", {
  sources: sources.filter(needsSecrets).map((s) => ({ name: s.name, secretName: s.secretName })),
  values: pulumi.secret(sourceSecretValues),
  protect,
  kmsKeyArn,
  tags,
});
const secretIds = pulumi.all(sourceSecrets.secretIds);

// Every function's environment goes through the contract's writer, named as runtime/settings.ts reads it.
const common = { stage, version, tableName: table.name, logLevel };

const ingest = new PipelineFunction("sluice-ingest", {
  callbackFactory: ingestFactory,
  memorySize: config.requireNumber("ingestMemoryMb"),
  timeout: ingestTimeout,
  reservedConcurrency: config.requireNumber("ingestReservedConcurrency"),
  logRetentionDays,
  logLevel,
  tracing,
  environment: functionEnvironment("ingest", {
    ...common,
    queueUrl: queue.url,
    maxBodyBytes: config.requireNumber("maxBodyBytes"),
    windowSeconds,
    leaseSeconds: leaseSecondsFor(ingestTimeout),
    unknownTypes,
    testEvents,
    sources: secretIds.apply((ids) => sourcesEnvironment(sources, ids, throttleRateLimit)),
    failureModes,
    failureModeRefreshSeconds,
  }),
  tags,
});

const worker = new PipelineFunction("sluice-worker", {
  callbackFactory: workerFactory,
  memorySize: config.requireNumber("workerMemoryMb"),
  timeout: workerTimeout,
  reservedConcurrency: config.requireNumber("workerReservedConcurrency"),
  logRetentionDays,
  logLevel,
  tracing,
  environment: functionEnvironment("worker", {
    ...common,
    queueUrl: queue.url,
    windowSeconds,
    retentionDays,
    unknownTypes,
    testEvents,
    failureModes,
    failureModeRefreshSeconds,
    publish,
    eventBusName: bus?.name ?? "",
    retryBaseSeconds,
    retryMaxSeconds,
  }),
  tags,
});

const demoSource = config.requireBoolean("demoSource");
const query = new PipelineFunction("sluice-query", {
  callbackFactory: queryFactory,
  memorySize: config.requireNumber("queryMemoryMb"),
  timeout: config.requireNumber("queryTimeoutSeconds"),
  reservedConcurrency: config.requireNumber("queryReservedConcurrency"),
  logRetentionDays,
  logLevel,
  tracing,
  environment: functionEnvironment("query", { ...common, demoSource, listIndex }),
  tags,
});

const operator = new PipelineFunction("sluice-operator", {
  callbackFactory: operatorFactory,
  memorySize: config.requireNumber("operatorMemoryMb"),
  timeout: operatorTimeout,
  reservedConcurrency: config.requireNumber("operatorReservedConcurrency"),
  logRetentionDays,
  logLevel,
  tracing,
  environment: functionEnvironment("operator", { ...common, queueUrl: queue.url, dlqUrl: queue.dlqUrl, listIndex, failureModes, failureModeRefreshSeconds }),
  tags,
});

// Each role gets exactly the actions its handler calls (runtime/contract/permissions.ts), on its own resources.
table.grant(ingest, FUNCTION_PERMISSIONS.ingest.table);
queue.grant(ingest, FUNCTION_PERMISSIONS.ingest.queue);
table.grant(worker, FUNCTION_PERMISSIONS.worker.table);
queue.grant(worker, FUNCTION_PERMISSIONS.worker.queue);
bus?.grant(worker, FUNCTION_PERMISSIONS.worker.bus);
table.grant(query, FUNCTION_PERMISSIONS.query.table);
table.grant(operator, tableActions("operator", { failureModes }));
queue.grant(operator, FUNCTION_PERMISSIONS.operator.queue);
queue.grantDlq(operator, FUNCTION_PERMISSIONS.operator.dlq);
sourceSecrets.grant(ingest, FUNCTION_PERMISSIONS.ingest.secrets);

// The subscription grants the worker's role the poll actions itself.
queue.subscribe(worker, {
  batchSize: config.requireNumber("batchSize"),
  batchingWindowSeconds,
  maxConcurrency: config.requireNumber("workerMaxConcurrency"),
});

// Routes from runtime/contract/routes.ts; the catch-all goes to query, whose router answers 404/405.
// The admin routes and GET /events are IAM only; the producer routes follow sluice:auth; a source's
// route is open at the edge, its own signature scheme checks it in the ingest.
const routes = routesByFunction({ demoSource }, sources.map((s) => s.name));
const producerRoutes: ApiRouteAuthorization =
  producerAuth.mode === "jwt" ? { type: "jwt", scopes: producerAuth.scopes } : { type: producerAuth.mode };
const apiRoutes = (served: ServedRoute[]): ApiRoute[] =>
  served.map((r) => ({ key: r.key, authorization: r.authorization === "producer" ? producerRoutes : { type: r.authorization } }));

const api = new IngestApi("sluice-api", {
  targets: {
    ingest: { function: ingest, routes: apiRoutes(routes.ingest) },
    query: { function: query, routes: apiRoutes(routes.query) },
    operator: { function: operator, routes: apiRoutes(routes.operator) },
  },
  throttleRateLimit,
  throttleBurstLimit: config.requireNumber("throttleBurstLimit"),
  // A source with a rate limit gets its own route-level throttle (README, "Sources").
  routeThrottles: sources.flatMap((s) => (s.rateLimit ? [{ routeKey: sourceRouteKey(s.name), rateLimit: s.rateLimit, burstLimit: s.burstLimit ?? s.rateLimit * 2 }] : [])),
  corsOrigins: config.requireObject<string[]>("corsOrigins"),
  jwtAuthorizer: producerAuth.mode === "jwt" ? { issuer: producerAuth.issuer, audiences: producerAuth.audiences } : undefined,
  accessLogRetentionDays: logRetentionDays,
  tags,
});

// DynamoDB publishes SystemErrors per operation: the alarm and dashboard watch the ones the functions call.
const tableOperations = [...new Set(Object.values(FUNCTION_PERMISSIONS).flatMap((p) => p.table.map(dynamoOperationOf)))];

const functions = [
  { label: "ingest", fn: ingest },
  { label: "worker", fn: worker },
  { label: "query", fn: query },
  { label: "operator", fn: operator },
];
const alarms = new AlarmSet("sluice-alarms", {
  functions: functions.map(({ label, fn }) => ({ label, functionName: fn.functionName, timeoutSeconds: fn.timeoutSeconds })),
  queueName: queue.queueName,
  dlqName: queue.dlqName,
  apiId: api.apiId,
  tableName: table.name,
  tableOperations,
  oldestMessageAgeSeconds: config.requireNumber("oldestMessageAlarmSeconds"),
  pipelineStage: stage,
  failureRatePercent: config.requireNumber("failureRateAlarmPercent"),
  endToEndP99Ms: config.requireNumber("endToEndLatencyAlarmSeconds") * 1000,
  alarmEmail,
  kmsKeyArn,
  tags,
});

const dashboard = new PipelineDashboard("sluice", {
  functions: functions.map(({ label, fn }) => ({ label, functionName: fn.functionName })),
  queueName: queue.queueName,
  dlqName: queue.dlqName,
  apiId: api.apiId,
  tableName: table.name,
  tableOperations,
  alarmArns: alarms.alarms.map((a) => a.arn),
  pipelineStage: stage,
  publishing: bus !== undefined,
});

new LogQueries("sluice", {
  functionLogGroups: functions.map(({ fn }) => fn.logGroup.name),
  accessLogGroup: api.accessLogGroup.name,
});

export const apiUrl = api.url;
export const queueUrl = queue.url;
export const dlqUrl = queue.dlqUrl;
export const tableName = table.name;
export const alarmTopicArn = alarms.topicArn;
export const dashboardName = dashboard.dashboardName;
export const dashboardUrl = dashboard.url;
export const ingestFunctionName = ingest.functionName;
export const workerFunctionName = worker.functionName;
export const queryFunctionName = query.functionName;
export const operatorFunctionName = operator.functionName;
export const eventBusName = bus?.name;
export const eventBusArn = bus?.arn;
// Where each source's producer posts (the URL to give GitHub, Stripe, …).
export const sourceUrls = api.url.apply((base) => Object.fromEntries(sources.map((s) => [s.name, base + routePath("postSource", { name: s.name })])));
// The statements the customer key's policy must hold (README, Configuration: kmsKeyArn).
export const kmsKeyPolicyStatements = kmsKeyArn ? keyPolicyStatements([table, queue, ingest, worker, query, operator, alarms, sourceSecrets]) : undefined;
export { stage };
