// The resource graph of index.ts on every stack of stacks.ts (dev, prod, prod with a KMS key, a long
// stack name), under Pulumi mocks: the issue's acceptance list, checked on what the program
// actually registers.
import * as fs from "node:fs";
import * as path from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { TRACING_ACTIONS } from "../../components/pipeline-function";
import { QUEUE_POLL_ACTIONS } from "../../components/queue-with-dlq";
import { FUNCTION_PERMISSIONS, tableActions } from "../../runtime/contract/permissions";
import { routeKeysByFunction } from "../../runtime/contract/routes";
import { parseSources } from "../../runtime/sources/source-config";
import { readSourcesEnvironment } from "../../runtime/sources/sources-environment";
import { key, ofType, one, runStack, TYPES, type StackRun } from "./harness";
import { DEPLOY_STACKS, deploy, PROD_SETUP, stackNameOf } from "./stacks";
import type { ResourceRecord } from "../../local/program/resource-record";

const AWS_DIR = path.resolve(__dirname, "../../node_modules/@pulumi/aws");

/** Does the provider's schema give this resource type a `tags` input? Read from its typings. */
function taggable(type: string): boolean {
  const [, mod, name] = type.split(":");
  const file = path.join(AWS_DIR, `${mod}.d.ts`);
  const dts = fs.readFileSync(file, "utf8");
  const start = dts.indexOf(`export interface ${name}Args {`);
  if (start < 0) throw new Error(`no ${name}Args in ${file}`);
  const body = dts.slice(start, dts.indexOf("\n}", start));
  return /\n\s+tags\?:/.test(body);
}

function statementsOf(policy: ResourceRecord): { Effect: string; Action: string[]; Resource: string[] }[] {
  const doc = JSON.parse(policy.inputs.policy);
  return doc.Statement;
}

type Label = "ingest" | "worker" | "query" | "operator";
const LABELS: Label[] = ["ingest", "worker", "query", "operator"];

function functionByLabel(run: StackRun, label: Label): ResourceRecord {
  return one(run, TYPES.fn, `sluice-${label}-function`);
}

function config(run: StackRun, k: string): string {
  const v = run.config[`sluice:${k}`];
  if (v === undefined) throw new Error(`no config sluice:${k}`);
  return v;
}

for (const variant of DEPLOY_STACKS) {
  const stack = stackNameOf(variant);
  const test = suite(`program on ${variant.label}`);
  let run: StackRun;
  test.before(async () => {
    run = await deploy(variant);
  });

  test("exports the outputs the local stack, CLI and integration tests read", () => {
    for (const k of ["apiUrl", "queueUrl", "dlqUrl", "tableName", "alarmTopicArn", "dashboardName", "ingestFunctionName", "workerFunctionName", "queryFunctionName", "operatorFunctionName", "stage"]) {
      assert.type(run.outputs[k], "string", `output ${k}`);
      assert.ok((run.outputs[k] as string).length > 0, `output ${k} is empty`);
    }
    assert.is(run.outputs.stage, stack);
    assert.is(run.outputs.apiUrl, one(run, TYPES.api).state.apiEndpoint);
    assert.is(run.outputs.tableName, one(run, TYPES.table).state.name);
  });

  test("IAM: no wildcard action, no wildcard resource, no managed policy", () => {
    assert.is(ofType(run, TYPES.attachment).length, 0, "no managed policy attachments");
    for (const role of ofType(run, TYPES.role)) {
      assert.not.ok(role.inputs.managedPolicyArns?.length, `${role.name} has managed policies`);
      assert.not.ok(JSON.stringify(role.inputs).includes("FullAccess"), `${role.name} mentions FullAccess`);
      assert.equal(JSON.parse(role.inputs.assumeRolePolicy).Statement[0].Principal, { Service: "lambda.amazonaws.com" });
    }
    const policies = ofType(run, TYPES.rolePolicy);
    assert.ok(policies.length >= 8, `expected the per-function policies, found ${policies.length}`);
    for (const policy of policies) {
      for (const s of statementsOf(policy)) {
        assert.is(s.Effect, "Allow");
        for (const a of s.Action) assert.not.ok(a.includes("*"), `${policy.name}: wildcard action ${a}`);
        // X-Ray's daemon actions have no resource types: `*` is the only resource they take.
        if ([...s.Action].sort().join() === [...TRACING_ACTIONS].sort().join()) {
          assert.equal(s.Resource, ["*"], `${policy.name}: the tracing grant`);
          continue;
        }
        for (const r of s.Resource) {
          assert.ok(r.startsWith("arn:"), `${policy.name}: resource ${r} is not an ARN`);
          // Log streams have no names until Lambda creates them: `<log group arn>:*` is the narrowest scope.
          const scoped = r.endsWith(":*") && r.includes(":log-group:") ? r.slice(0, -2) : r;
          assert.not.ok(scoped.includes("*"), `${policy.name}: wildcard resource ${r}`);
        }
      }
    }
  });

  test("IAM: each function gets exactly the actions its handler calls, on its own resources", () => {
    const table = one(run, TYPES.table);
    const [queue] = ofType(run, TYPES.queue).filter((q) => q.name === "sluice-events-queue");
    const dlq = one(run, TYPES.queue, "sluice-events-dlq");
    const indexes = (table.inputs.globalSecondaryIndexes as { name: string }[]).map((i) => `${table.state.arn}/index/${i.name}`);
    assert.is(indexes.length, config(run, "listIndex") === "true" ? 2 : 1);
    for (const label of LABELS) {
      const fn = functionByLabel(run, label);
      const role = one(run, TYPES.role, `sluice-${label}-role`);
      assert.is(fn.inputs.role, role.state.arn, `${label} uses its own role`);
      const mine = ofType(run, TYPES.rolePolicy).filter((p) => p.inputs.role === role.state.name);
      const granted: Record<string, string[]> = {};
      for (const s of mine.flatMap(statementsOf)) for (const r of s.Resource) granted[r] = [...new Set([...(granted[r] ?? []), ...s.Action])].sort();
      const onTable = tableActions(label, { failureModes: config(run, "failureModes") === "true" }).sort();
      const expected: Record<string, string[]> = {
        [table.state.arn]: onTable,
        [`${one(run, TYPES.logGroup, `sluice-${label}-logs`).state.arn}:*`]: ["logs:CreateLogStream", "logs:PutLogEvents"],
      };
      // A Query is authorized on the index it reads: the grant names each index (and only where Query is granted).
      if (onTable.includes("dynamodb:Query")) for (const index of indexes) expected[index] = onTable;
      if (FUNCTION_PERMISSIONS[label].dlq.length > 0) expected[dlq.state.arn] = [...FUNCTION_PERMISSIONS[label].dlq].sort();
      // The worker's poll actions come with its subscription (QueueWithDlq.subscribe).
      const queueActions = new Set([...FUNCTION_PERMISSIONS[label].queue, ...(label === "worker" ? QUEUE_POLL_ACTIONS : [])]);
      if (queueActions.size > 0) expected[queue.state.arn] = [...queueActions].sort();
      // The ingest reads each source's secret, exactly those (components/source-secrets.ts).
      for (const secret of FUNCTION_PERMISSIONS[label].secrets.length > 0 ? ofType(run, TYPES.secret) : []) expected[secret.state.arn] = [...FUNCTION_PERMISSIONS[label].secrets];
      // With a customer key, DynamoDB needs all four for every table caller; SQS needs a subset of them.
      const key = run.config["sluice:kmsKeyArn"];
      if (key) expected[key] = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"];
      if (config(run, "tracing") === "true") expected["*"] = [...TRACING_ACTIONS].sort();
      // The fan-out bus, when the stack publishes: the worker may put events on it, and only on it.
      if (config(run, "publish") !== "none" && FUNCTION_PERMISSIONS[label].bus.length > 0) expected[one(run, TYPES.bus).state.arn] = [...FUNCTION_PERMISSIONS[label].bus].sort();
      assert.equal(granted, expected, `${label} grants`);
    }
  });

  test("IAM: the operator's role holds exactly its contract's actions, none by wildcard; nobody else may touch the DLQ", () => {
    const role = one(run, TYPES.role, "sluice-operator-role");
    const actions = ofType(run, TYPES.rolePolicy)
      .filter((p) => p.inputs.role === role.state.name)
      .flatMap(statementsOf)
      .flatMap((s) => s.Action);
    // The failure mode item's GetItem/PutItem only where failure modes are on: never on prod.
    const contract = [...tableActions("operator", { failureModes: config(run, "failureModes") === "true" }), ...FUNCTION_PERMISSIONS.operator.queue, ...FUNCTION_PERMISSIONS.operator.dlq, "logs:CreateLogStream", "logs:PutLogEvents"];
    const kms = run.config["sluice:kmsKeyArn"] ? ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"] : [];
    const tracing = config(run, "tracing") === "true" ? TRACING_ACTIONS : [];
    assert.equal([...new Set(actions)].sort(), [...new Set([...contract, ...kms, ...tracing])].sort());
    assert.not.ok(actions.some((a) => a.includes("*")), "no sqs:* or any wildcard");
    assert.not.ok(actions.some((a) => /Purge|DeleteQueue|SetQueueAttributes|DeleteItem|UpdateItem|Scan/.test(a)), actions.join(", "));
    const dlqArn = one(run, TYPES.queue, "sluice-events-dlq").state.arn;
    const onDlq = ofType(run, TYPES.rolePolicy).filter((p) => statementsOf(p).some((s) => s.Resource.includes(dlqArn)));
    assert.equal(onDlq.map((p) => p.inputs.role), [role.state.name], "only the operator's role names the DLQ");
  });

  test("queues: SSE on both, redrive to the DLQ, redrive-allow from the queue only, DLQ keeps 14 days, longer than the queue", () => {
    const queue = one(run, TYPES.queue, "sluice-events-queue");
    const dlq = one(run, TYPES.queue, "sluice-events-dlq");
    for (const q of [queue, dlq]) assert.ok(q.inputs.sqsManagedSseEnabled === true || Boolean(q.inputs.kmsMasterKeyId), `${q.name} unencrypted`);
    assert.equal(JSON.parse(queue.inputs.redrivePolicy), { deadLetterTargetArn: dlq.state.arn, maxReceiveCount: Number(config(run, "maxReceiveCount")) });
    assert.equal(JSON.parse(dlq.inputs.redriveAllowPolicy), { redrivePermission: "byQueue", sourceQueueArns: [queue.state.arn] });
    assert.is(dlq.inputs.messageRetentionSeconds, 1_209_600);
    assert.is(queue.inputs.messageRetentionSeconds, Number(config(run, "messageRetentionSeconds")));
    assert.ok(dlq.inputs.messageRetentionSeconds - queue.inputs.messageRetentionSeconds >= 86_400, "a dead-lettered message has at least a day left");
  });

  test("queue visibility ≥ 6 × worker timeout (+ batching window)", () => {
    const queue = one(run, TYPES.queue, "sluice-events-queue");
    const worker = functionByLabel(run, "worker");
    const esm = one(run, TYPES.esm);
    assert.ok(queue.inputs.visibilityTimeoutSeconds >= 6 * worker.inputs.timeout + esm.inputs.maximumBatchingWindowInSeconds);
    assert.is(worker.inputs.timeout, Number(config(run, "workerTimeoutSeconds")));
  });

  test("worker event source mapping: partial batch failures, batch, window, concurrency from config", () => {
    const esm = one(run, TYPES.esm);
    assert.is(esm.inputs.eventSourceArn, one(run, TYPES.queue, "sluice-events-queue").state.arn);
    assert.is(esm.inputs.functionName, functionByLabel(run, "worker").state.name);
    assert.equal(esm.inputs.functionResponseTypes, ["ReportBatchItemFailures"]);
    assert.is(esm.inputs.batchSize, Number(config(run, "batchSize")));
    assert.is(esm.inputs.maximumBatchingWindowInSeconds, Number(config(run, "batchingWindowSeconds")));
    assert.is(esm.inputs.scalingConfig.maximumConcurrency, Number(config(run, "workerMaxConcurrency")));
    // Lambda checks the role may poll when the mapping is created: the poll grant must exist first.
    const deps = run.options.get(key(esm.type, esm.name))!.dependencies;
    assert.ok(deps.some((urn) => urn.endsWith(`${TYPES.rolePolicy}::sluice-worker-queue-poll`)), `mapping waits for the poll grant: ${deps.join(", ")}`);
  });

  test("table: on demand, pk hash key, TTL on expiresAt, the failed index always, the by-source index with listIndex", () => {
    const table = one(run, TYPES.table);
    assert.is(table.inputs.billingMode, "PAY_PER_REQUEST");
    assert.is(table.inputs.hashKey, "pk");
    const listIndex = config(run, "listIndex") === "true";
    assert.equal(table.inputs.attributes.map((a: { name: string }) => a.name), ["pk", "ec", "receivedAt", ...(listIndex ? ["source"] : [])]);
    assert.equal(table.inputs.globalSecondaryIndexes.map((i: { name: string; projectionType: string }) => [i.name, i.projectionType]), [...(listIndex ? [["bySource", "KEYS_ONLY"]] : []), ["failedByCategory", "KEYS_ONLY"]]);
    assert.equal(table.inputs.ttl, { attributeName: "expiresAt", enabled: true });
  });

  test("functions: nodejs22.x on arm64, explicit log group with retention, env per contract", () => {
    const fns = ofType(run, TYPES.fn);
    assert.is(fns.length, 4);
    for (const fn of fns) {
      assert.is(fn.inputs.runtime, "nodejs22.x", fn.name);
      assert.equal(fn.inputs.architectures, ["arm64"], fn.name);
      const group = ofType(run, TYPES.logGroup).find((g) => g.state.name === fn.inputs.loggingConfig?.logGroup);
      assert.ok(group, `${fn.name} logs to an explicit group`);
      assert.is(group!.inputs.retentionInDays, Number(config(run, "logRetentionDays")), `${fn.name} log retention`);
    }
    const env = (label: Label) => functionByLabel(run, label).inputs.environment.variables as Record<string, string>;
    const on = (k: string) => (config(run, k) === "true" ? "on" : "off");
    const table = one(run, TYPES.table).state.name;
    assert.equal(Object.keys(env("ingest")).sort(), [
      "SLUICE_FAILURE_MODES", "SLUICE_FAILURE_MODE_REFRESH_SECONDS", "SLUICE_IDEMPOTENCY_WINDOW_SECONDS", "SLUICE_LEASE_SECONDS", "SLUICE_LOG_LEVEL", "SLUICE_MAX_BODY_BYTES", "SLUICE_QUEUE_URL",
      "SLUICE_SOURCES", "SLUICE_STAGE", "SLUICE_TABLE_NAME", "SLUICE_TEST_EVENTS", "SLUICE_UNKNOWN_TYPES", "SLUICE_VERSION",
    ]);
    // The sources of the config, read back as the ingest reads them, each with its secret's ARN.
    const sources = readSourcesEnvironment(env("ingest").SLUICE_SOURCES, "SLUICE_SOURCES");
    assert.equal([...sources.keys()], parseSources(run.config["sluice:sources"] ? JSON.parse(run.config["sluice:sources"]) : undefined).map((s) => s.name));
    for (const s of sources.values()) {
      if (s.verify === "none") assert.is(s.secretId, undefined);
      else assert.ok(ofType(run, TYPES.secret).some((secret) => secret.state.arn === s.secretId), `${s.name} reads a secret of this stack`);
    }
    // Failure modes only where the stack switched them on, and never on a protected one.
    for (const label of ["ingest", "worker", "operator"] as const) assert.is(env(label).SLUICE_FAILURE_MODES, on("failureModes"), label);
    if (config(run, "protect") === "true") assert.is(env("worker").SLUICE_FAILURE_MODES, "off");
    assert.is(env("ingest").SLUICE_QUEUE_URL, one(run, TYPES.queue, "sluice-events-queue").state.url);
    assert.is(env("ingest").SLUICE_TABLE_NAME, table);
    assert.is(env("ingest").SLUICE_TEST_EVENTS, on("testEvents"));
    assert.is(env("ingest").SLUICE_STAGE, stack);
    assert.ok(Number(env("ingest").SLUICE_LEASE_SECONDS) > functionByLabel(run, "ingest").inputs.timeout, "lease outlives the ingest timeout");
    assert.is(env("ingest").SLUICE_MAX_BODY_BYTES, config(run, "maxBodyBytes"));
    assert.equal(Object.keys(env("worker")).sort(), [
      "SLUICE_EVENT_BUS_NAME", "SLUICE_EVENT_RETENTION_DAYS", "SLUICE_FAILURE_MODES", "SLUICE_FAILURE_MODE_REFRESH_SECONDS", "SLUICE_IDEMPOTENCY_WINDOW_SECONDS", "SLUICE_LOG_LEVEL",
      "SLUICE_PUBLISH", "SLUICE_QUEUE_URL", "SLUICE_RETRY_BASE_SECONDS", "SLUICE_RETRY_MAX_SECONDS", "SLUICE_STAGE", "SLUICE_TABLE_NAME", "SLUICE_TEST_EVENTS", "SLUICE_UNKNOWN_TYPES", "SLUICE_VERSION",
    ]);
    assert.is(env("worker").SLUICE_EVENT_RETENTION_DAYS, config(run, "eventRetentionDays"));
    assert.is(env("worker").SLUICE_QUEUE_URL, one(run, TYPES.queue, "sluice-events-queue").state.url, "the worker sets its retried records' visibility on the main queue");
    assert.is(env("worker").SLUICE_PUBLISH, config(run, "publish"));
    assert.is(env("worker").SLUICE_RETRY_BASE_SECONDS, config(run, "retryBaseSeconds"));
    assert.is(env("worker").SLUICE_RETRY_MAX_SECONDS, config(run, "retryMaxSeconds"));
    assert.equal(Object.keys(env("query")).sort(), ["SLUICE_DEMO_SOURCE", "SLUICE_LIST_INDEX", "SLUICE_LOG_LEVEL", "SLUICE_STAGE", "SLUICE_TABLE_NAME", "SLUICE_VERSION"]);
    assert.equal(Object.keys(env("operator")).sort(), [
      "SLUICE_DLQ_URL", "SLUICE_FAILURE_MODES", "SLUICE_FAILURE_MODE_REFRESH_SECONDS", "SLUICE_LIST_INDEX", "SLUICE_LOG_LEVEL", "SLUICE_QUEUE_URL", "SLUICE_STAGE", "SLUICE_TABLE_NAME", "SLUICE_VERSION",
    ]);
    assert.is(env("operator").SLUICE_DLQ_URL, one(run, TYPES.queue, "sluice-events-dlq").state.url);
    for (const label of ["query", "operator"] as const) assert.is(env(label).SLUICE_LIST_INDEX, on("listIndex"), label);
    for (const label of LABELS) {
      // The level the functions log at, and Lambda's own lines filtered to match (JSON log format).
      assert.is(env(label).SLUICE_LOG_LEVEL, config(run, "logLevel"));
      const logging = functionByLabel(run, label).inputs.loggingConfig;
      assert.is(logging.logFormat, "JSON");
      assert.is(logging.applicationLogLevel, config(run, "logLevel").toUpperCase());
      assert.is(logging.systemLogLevel, config(run, "logLevel") === "warn" ? "WARN" : "INFO");
    }
    assert.is(env("query").SLUICE_DEMO_SOURCE, on("demoSource"));
    for (const label of LABELS) {
      assert.is(functionByLabel(run, label).inputs.memorySize, Number(config(run, `${label}MemoryMb`)));
      assert.is(functionByLabel(run, label).inputs.timeout, Number(config(run, `${label}TimeoutSeconds`)));
    }
  });

  test("API: routes wired to the right function, admin routes IAM only, stage throttled and access-logged, permissions scoped to this API", () => {
    const api = one(run, TYPES.api);
    assert.is(api.inputs.protocolType, "HTTP");
    const integrationFor = (r: ResourceRecord) => ofType(run, TYPES.integration).find((i) => `integrations/${i.id}` === r.inputs.target);
    const routes = Object.fromEntries(ofType(run, TYPES.route).map((r) => [r.inputs.routeKey, [integrationFor(r)?.inputs.integrationUri, r.inputs.authorizationType]]));
    const invoke = (label: "ingest" | "query" | "operator") => functionByLabel(run, label).state.invokeArn;
    const open = (label: "ingest" | "query") => [invoke(label), "NONE"];
    const iam = [invoke("operator"), "AWS_IAM"];
    const names = parseSources(run.config["sluice:sources"] ? JSON.parse(run.config["sluice:sources"]) : undefined).map((s) => s.name);
    const keys = routeKeysByFunction({ demoSource: config(run, "demoSource") === "true" }, names);
    const expected: Record<string, unknown[]> = {
      "POST /events": open("ingest"),
      "POST /events/batch": open("ingest"),
      "POST /sources/{name}": open("ingest"),
      "OPTIONS /sources/{name}": open("ingest"),
      "GET /events": [invoke("query"), "AWS_IAM"],
      "GET /events/{id}": open("query"),
      "GET /health": open("query"),
      $default: open("query"),
      "GET /admin/dlq": iam,
      "POST /admin/dlq/redrive": iam,
      "POST /admin/replay": iam,
      "GET /admin/failure-mode": iam,
      "PUT /admin/failure-mode": iam,
    };
    if (config(run, "demoSource") === "true") expected["GET /demo/source"] = open("query");
    // A literal route per configured source, beside the parameterized one; open at the edge, as it is.
    for (const k of keys.ingest.filter((k) => !(k in expected))) expected[k] = open("ingest");
    assert.is(Object.keys(expected).length, keys.ingest.length + keys.query.length + keys.operator.length);
    assert.equal(routes, expected);
    // Every route that reaches the operator is IAM only; the listing is the one other IAM route.
    for (const r of ofType(run, TYPES.route)) assert.is(r.inputs.authorizationType === "AWS_IAM", integrationFor(r)?.inputs.integrationUri === invoke("operator") || r.inputs.routeKey === "GET /events", r.inputs.routeKey);
    for (const r of ofType(run, TYPES.route)) assert.is(r.inputs.apiId, api.id);
    for (const i of ofType(run, TYPES.integration)) {
      assert.is(i.inputs.integrationType, "AWS_PROXY");
      assert.is(i.inputs.payloadFormatVersion, "2.0");
    }

    const stageRes = one(run, TYPES.stage);
    assert.is(stageRes.inputs.name, "$default");
    assert.is(stageRes.inputs.autoDeploy, true);
    assert.is(stageRes.inputs.defaultRouteSettings.throttlingRateLimit, Number(config(run, "throttleRateLimit")));
    assert.is(stageRes.inputs.defaultRouteSettings.throttlingBurstLimit, Number(config(run, "throttleBurstLimit")));
    const accessLog = ofType(run, TYPES.logGroup).find((g) => g.state.arn === stageRes.inputs.accessLogSettings.destinationArn);
    assert.ok(accessLog, "access logs go to an explicit log group");
    assert.is(accessLog!.inputs.retentionInDays, Number(config(run, "logRetentionDays")));
    const format = JSON.parse(stageRes.inputs.accessLogSettings.format);
    assert.is(format.requestId, "$context.requestId");
    assert.is(format.status, "$context.status");

    const permissions = ofType(run, TYPES.permission);
    assert.is(permissions.length, 3);
    // AWS:SourceArn is matched ArnLike: `*` takes any characters, `/` included. Written here on its own.
    const arnLike = (pattern: string, arn: string) => new RegExp(`^${pattern.split("*").map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`).test(arn);
    const requestArn = (routeKey: string, path?: string) => `${api.state.executionArn}/$default/${routeKey.split(" ")[0]}${path ?? routeKey.split(" ")[1]}`;
    for (const label of ["ingest", "query", "operator"] as const) {
      const fn = functionByLabel(run, label);
      const perm = permissions.find((p) => p.inputs.function === fn.state.name || p.inputs.function === fn.state.functionName);
      assert.ok(perm, `${label} has a permission`);
      assert.is(perm!.inputs.principal, "apigateway.amazonaws.com");
      assert.ok(String(perm!.inputs.sourceArn).startsWith(`${api.state.executionArn}/`), "this API only");
      for (const r of ofType(run, TYPES.route)) {
        const key = String(r.inputs.routeKey);
        const arn = key === "$default" ? `${api.state.executionArn}/$default/GET/anything` : requestArn(key, key.split(" ")[1].replace(/\{[^}]+\}/g, "x"));
        const mine = integrationFor(r)?.inputs.integrationUri === fn.state.invokeArn;
        if (mine) assert.ok(arnLike(perm!.inputs.sourceArn, arn), `${label}'s permission admits its route ${key}`);
        else if (label === "operator") assert.not.ok(arnLike(perm!.inputs.sourceArn, arn), `the operator's permission refuses ${key}`);
      }
    }
    assert.is(permissions.find((p) => /admin/.test(String(p.inputs.sourceArn)))?.inputs.sourceArn, `${api.state.executionArn}/*/*/admin/*`, "the operator: the admin paths only");
    const origins = JSON.parse(config(run, "corsOrigins")) as string[];
    assert.equal(api.inputs.corsConfiguration?.allowOrigins, origins.length > 0 ? origins : undefined);
  });

  test("alarms: every alarm has an action on the one topic; each function, queue, DLQ, API and table is watched", () => {
    const topic = one(run, TYPES.topic);
    const alarms = ofType(run, TYPES.alarm);
    for (const a of alarms) {
      assert.equal(a.inputs.alarmActions, [topic.state.arn], `${a.name} actions`);
      assert.is(a.inputs.actionsEnabled, true, a.name);
      assert.ok(a.inputs.alarmDescription, `${a.name} has a description`);
    }
    const watched = (metric: string, dim: string, value: string) =>
      alarms.some((a) => a.inputs.metricName === metric && a.inputs.dimensions?.[dim] === value);
    for (const fn of ofType(run, TYPES.fn)) {
      for (const m of ["Errors", "Throttles", "Duration"]) assert.ok(watched(m, "FunctionName", fn.state.name), `${fn.name} ${m}`);
      const duration = alarms.find((a) => a.inputs.metricName === "Duration" && a.inputs.dimensions.FunctionName === fn.state.name)!;
      assert.ok(duration.inputs.threshold < fn.inputs.timeout * 1000, "duration alarm fires before the timeout");
    }
    assert.ok(watched("ApproximateAgeOfOldestMessage", "QueueName", one(run, TYPES.queue, "sluice-events-queue").state.name));
    assert.ok(watched("ApproximateNumberOfMessagesVisible", "QueueName", one(run, TYPES.queue, "sluice-events-dlq").state.name));
    assert.ok(watched("5xx", "ApiId", one(run, TYPES.api).id));
    assert.ok(watched("WriteThrottleEvents", "TableName", one(run, TYPES.table).state.name));
    assert.ok(watched("ReadThrottleEvents", "TableName", one(run, TYPES.table).state.name));
    const email = config(run, "alarmEmail");
    const subs = ofType(run, TYPES.subscription);
    assert.equal(subs.map((s) => [s.inputs.protocol, s.inputs.endpoint, s.inputs.topic]), email ? [["email", email, topic.state.arn]] : []);
  });

  test("dashboard: one per stack, charting every function, the queues, the API and the table", () => {
    const dash = one(run, TYPES.dashboard);
    assert.is(dash.inputs.dashboardName, run.outputs.dashboardName);
    const body = JSON.parse(dash.inputs.dashboardBody);
    const text = JSON.stringify(body);
    for (const fn of ofType(run, TYPES.fn)) assert.ok(text.includes(fn.state.name), `dashboard charts ${fn.name}`);
    for (const q of ofType(run, TYPES.queue)) assert.ok(text.includes(`"${q.state.name}"`), `dashboard charts ${q.name}`);
    assert.ok(text.includes(one(run, TYPES.table).state.name));
    assert.ok(text.includes(one(run, TYPES.api).id));
    assert.ok(body.widgets.length >= 10);
  });

  test("tags (project, stack, component) on every taggable resource; every resource is a component's child", () => {
    let checked = 0;
    for (const r of run.resources) {
      if (!r.type.startsWith("aws:")) continue;
      assert.ok(run.options.get(key(r.type, r.name))?.parent.includes("sluice:components:"), `${r.name} is parented to a component`);
      if (!taggable(r.type)) continue;
      checked++;
      assert.is(r.inputs.tags?.project, "sluice", `${r.type} ${r.name} project tag`);
      assert.is(r.inputs.tags?.stack, stack, `${r.type} ${r.name} stack tag`);
      assert.type(r.inputs.tags?.component, "string", `${r.type} ${r.name} component tag`);
    }
    assert.ok(checked >= 25, `only ${checked} taggable resources checked`);
  });

  test.run();
}

const protection = suite("protection: prod keeps its data, dev tears down cleanly");
protection("PITR, deletion protection, protect and retainOnDelete on the table in prod only", async () => {
  for (const [stack, on] of [["dev", false], ["prod", true]] as const) {
    const run = await runStack(stack, stack === "prod" ? PROD_SETUP : {});
    const table = one(run, TYPES.table);
    assert.equal(table.inputs.pointInTimeRecovery, { enabled: on }, `${stack} PITR`);
    assert.is(table.inputs.deletionProtectionEnabled, on, `${stack} deletion protection`);
    const opts = run.options.get(key(table.type, table.name))!;
    assert.is(opts.protect, on, `${stack} protect`);
    assert.is(opts.retainOnDelete, on, `${stack} retainOnDelete`);
    // Nothing else is protected: dev's `pulumi destroy` must remove everything, logs included.
    for (const r of run.resources.filter((x) => x !== table)) {
      assert.not.ok(run.options.get(key(r.type, r.name))?.protect, `${stack}: ${r.name} is protected`);
      assert.not.ok(run.options.get(key(r.type, r.name))?.retainOnDelete, `${stack}: ${r.name} is retained`);
    }
  }
});
protection("prod keeps logs and messages longer and serves nothing meant for testing", async () => {
  const dev = await runStack("dev");
  const prod = await runStack("prod", PROD_SETUP);
  assert.ok(one(prod, TYPES.logGroup, "sluice-ingest-logs").inputs.retentionInDays > one(dev, TYPES.logGroup, "sluice-ingest-logs").inputs.retentionInDays);
  assert.ok(one(prod, TYPES.queue, "sluice-events-queue").inputs.messageRetentionSeconds > one(dev, TYPES.queue, "sluice-events-queue").inputs.messageRetentionSeconds);
  assert.not.ok(ofType(prod, TYPES.route).some((r) => r.inputs.routeKey === "GET /demo/source"));
  for (const fn of ofType(prod, TYPES.fn)) {
    const vars = fn.inputs.environment.variables;
    assert.not.ok(vars.SLUICE_TEST_EVENTS === "on" || vars.SLUICE_DEMO_SOURCE === "on", `${fn.name} has test features on in prod`);
  }
});
protection.run();
