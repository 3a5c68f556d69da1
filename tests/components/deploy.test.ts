// What a real account would refuse, or accept and then silently ignore, checked on the program graph
// of every stack in stacks.ts. Mocks run no provider validation and no AWS service ever sees these
// inputs, so each rule is written out here from the AWS or provider documentation it cites.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { PUBLISHED_DIMENSIONS } from "../../components/metric-dimensions";
import { CALL_DEADLINE_MS } from "../../runtime/aws-clients";
import type { ResourceRecord } from "../../local/program/resource-record";
import { ofType, one, TYPES, type StackRun } from "./harness";
import { DEPLOY_STACKS, deploy, KMS_KEY } from "./stacks";

/** Fails unless CloudWatch publishes `metric` of `namespace` with exactly these dimension names. */
function assertPublished(where: string, namespace: string, metric: string, dimensions: string[]): void {
  const sets = PUBLISHED_DIMENSIONS[namespace]?.[metric];
  assert.ok(sets, `${where}: ${namespace} ${metric} has no entry in the published-dimensions table`);
  const given = [...dimensions].sort().join(",");
  assert.ok(sets!.some((s) => s.join(",") === given), `${where}: ${namespace} ${metric} is not published per {${given}}`);
}

/** Every metric an alarm reads: its own, or each metric query's. */
function alarmMetrics(alarm: ResourceRecord): { namespace: string; metricName: string; dimensions: Record<string, string> }[] {
  const queries = alarm.inputs.metricQueries as { metric?: { namespace: string; metricName: string; dimensions?: Record<string, string> } }[] | undefined;
  if (queries) return queries.filter((q) => q.metric).map((q) => ({ ...q.metric!, dimensions: q.metric!.dimensions ?? {} }));
  return [{ namespace: alarm.inputs.namespace, metricName: alarm.inputs.metricName, dimensions: alarm.inputs.dimensions ?? {} }];
}

/** Every metric of the dashboard body: `[namespace, name, dim1, value1, …, {options}?]` entries. */
function widgetMetrics(dashboard: ResourceRecord): { widget: string; namespace: string; metricName: string; dimensions: string[] }[] {
  const out: { widget: string; namespace: string; metricName: string; dimensions: string[] }[] = [];
  for (const w of JSON.parse(dashboard.inputs.dashboardBody).widgets as { type: string; properties: { title?: string; metrics?: unknown[][] } }[]) {
    for (const entry of w.properties.metrics ?? []) {
      const plain = entry.filter((x) => typeof x === "string") as string[];
      const [namespace, metricName, ...pairs] = plain;
      out.push({ widget: w.properties.title ?? w.type, namespace, metricName, dimensions: pairs.filter((_, i) => i % 2 === 0) });
    }
  }
  return out;
}

function policyStatements(p: ResourceRecord): { Action: string[]; Resource: string[] }[] {
  return JSON.parse(p.inputs.policy).Statement;
}

// CloudWatch Logs PutRetentionPolicy, retentionInDays: the only values accepted.
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

for (const variant of DEPLOY_STACKS) {
  const test = suite(`deployable: ${variant.label}`);
  let run: StackRun;
  test.before(async () => {
    run = await deploy(variant);
  });

  test("every alarm and every dashboard metric is one CloudWatch publishes with those dimensions", () => {
    const alarms = ofType(run, TYPES.alarm);
    assert.ok(alarms.length >= 15);
    for (const a of alarms) for (const m of alarmMetrics(a)) assertPublished(`alarm ${a.name}`, m.namespace, m.metricName, Object.keys(m.dimensions));
    const widgets = widgetMetrics(one(run, TYPES.dashboard));
    assert.ok(widgets.length >= 20, `only ${widgets.length} widget metrics`);
    for (const w of widgets) assertPublished(`widget "${w.widget}"`, w.namespace, w.metricName, w.dimensions);
  });

  test("alarms: single-metric or metric math, never both (PutMetricAlarm), at most 10 metrics, one returned series", () => {
    for (const a of ofType(run, TYPES.alarm)) {
      const queries = a.inputs.metricQueries as { returnData?: boolean; metric?: unknown; expression?: string }[] | undefined;
      if (!queries) {
        assert.type(a.inputs.metricName, "string", a.name);
        continue;
      }
      for (const f of ["namespace", "metricName", "dimensions", "period", "statistic", "extendedStatistic", "unit"]) assert.is(a.inputs[f], undefined, `${a.name} sets ${f} beside metricQueries`);
      assert.is(queries.filter((q) => q.returnData).length, 1, `${a.name}: one returned series`);
      assert.ok(queries.filter((q) => q.metric).length <= 10, `${a.name}: over 10 metrics`);
    }
  });

  test("the table's system errors alarm sums SystemErrors over exactly the operations the roles may call", () => {
    const table = one(run, TYPES.table);
    const granted = new Set<string>();
    for (const p of ofType(run, TYPES.rolePolicy)) {
      for (const s of policyStatements(p)) if (s.Resource.includes(table.state.arn)) s.Action.filter((a) => a.startsWith("dynamodb:")).forEach((a) => granted.add(a.slice("dynamodb:".length)));
    }
    const alarm = one(run, TYPES.alarm, "sluice-alarms-table-system-errors");
    const metrics = alarmMetrics(alarm);
    assert.equal(metrics.map((m) => m.dimensions.Operation).sort(), [...granted].sort());
    for (const m of metrics) assert.equal(m.dimensions, { TableName: table.state.name, Operation: m.dimensions.Operation });
    const sum = (alarm.inputs.metricQueries as { expression?: string; returnData?: boolean }[]).find((q) => q.returnData)!;
    assert.match(sum.expression!, /^SUM\(\[m\d+(, m\d+)*\]\)$/);
    assert.is(alarm.inputs.treatMissingData, "notBreaching");
  });

  test("the API access log goes to a tagged log group under /aws/vendedlogs/ with the stack's retention", () => {
    const stage = one(run, TYPES.stage);
    const group = ofType(run, TYPES.logGroup).find((g) => g.state.arn === stage.inputs.accessLogSettings.destinationArn)!;
    assert.ok(group.inputs.name.startsWith("/aws/vendedlogs/"), group.inputs.name);
    assert.is(group.inputs.retentionInDays, Number(run.config["sluice:logRetentionDays"]));
    assert.is(group.inputs.tags.component, "IngestApi");
    for (const g of ofType(run, TYPES.logGroup)) assert.ok(LOG_RETENTION_DAYS.includes(g.inputs.retentionInDays), `${g.name}: ${g.inputs.retentionInDays} days`);
  });

  test("queues: SQS limits, and the DLQ outlives the queue by a day (standard queues keep the enqueue time)", () => {
    const queue = one(run, TYPES.queue, "sluice-events-queue");
    const dlq = one(run, TYPES.queue, "sluice-events-dlq");
    for (const q of [queue, dlq]) {
      // SQS CreateQueue: MessageRetentionPeriod 60-1,209,600; VisibilityTimeout 0-43,200; QueueName ≤ 80.
      assert.ok(q.inputs.messageRetentionSeconds >= 60 && q.inputs.messageRetentionSeconds <= 1_209_600, q.name);
      assert.ok((q.inputs.visibilityTimeoutSeconds ?? 30) <= 43_200, q.name);
      assert.ok(q.inputs.name.length <= 80, q.inputs.name);
      // The provider refuses sqsManagedSseEnabled beside kmsMasterKeyId, even when false.
      assert.not.ok("sqsManagedSseEnabled" in q.inputs && "kmsMasterKeyId" in q.inputs, `${q.name}: both SSE settings`);
    }
    assert.ok(dlq.inputs.messageRetentionSeconds >= queue.inputs.messageRetentionSeconds + 86_400, `${queue.inputs.messageRetentionSeconds}s vs ${dlq.inputs.messageRetentionSeconds}s`);
    assert.ok(Number(JSON.parse(queue.inputs.redrivePolicy).maxReceiveCount) >= 1 && Number(JSON.parse(queue.inputs.redrivePolicy).maxReceiveCount) <= 1000);
  });

  test("functions and the mapping: Lambda limits, reserved concurrency, and no more mapping concurrency than reserved", () => {
    for (const fn of ofType(run, TYPES.fn)) {
      // Lambda CreateFunction: Timeout 1-900 s, MemorySize 128-10,240 MB.
      assert.ok(fn.inputs.timeout >= 1 && fn.inputs.timeout <= 900, fn.name);
      assert.ok(fn.inputs.memorySize >= 128 && fn.inputs.memorySize <= 10_240, fn.name);
      const reserved = fn.inputs.reservedConcurrentExecutions;
      assert.ok(reserved === -1 || (Number.isInteger(reserved) && reserved >= 1), `${fn.name}: reserved ${reserved}`);
      const label = fn.name.replace(/^sluice-/, "").replace(/-function$/, "");
      assert.is(reserved, Number(run.config[`sluice:${label}ReservedConcurrency`]), `${fn.name} reserved concurrency from config`);
    }
    const esm = one(run, TYPES.esm);
    const max = esm.inputs.scalingConfig.maximumConcurrency;
    assert.ok(max >= 2 && max <= 1000, `maximumConcurrency ${max}`);
    const workerReserved = one(run, TYPES.fn, "sluice-worker-function").inputs.reservedConcurrentExecutions;
    if (workerReserved !== -1) assert.ok(max <= workerReserved, `mapping drives ${max}, ${workerReserved} reserved`);
    // Lambda: batch sizes over 10 need a batching window of at least 1 s; 10,000 at most.
    assert.ok(esm.inputs.batchSize <= (esm.inputs.maximumBatchingWindowInSeconds >= 1 ? 10_000 : 10), `batch ${esm.inputs.batchSize}`);
    // The API path must answer 503 before Lambda kills it: three calls in series for ingest, one for query.
    assert.ok(one(run, TYPES.fn, "sluice-ingest-function").inputs.timeout * 1000 > 3 * CALL_DEADLINE_MS);
    assert.ok(one(run, TYPES.fn, "sluice-query-function").inputs.timeout * 1000 > CALL_DEADLINE_MS);
  });

  test("a protected stack notifies someone; an unprotected one may not", () => {
    const subs = ofType(run, TYPES.subscription);
    if (run.config["sluice:protect"] === "true") {
      assert.is(subs.length, 1, "a protected stack has an alarm subscription");
      assert.match(subs[0].inputs.endpoint, /^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i);
      assert.not.match(subs[0].inputs.endpoint, /@example\.(com|org|net)$/, "not a placeholder");
    }
  });

  test("with a customer key, everything encrypted uses it and the key policy statements are exported; without, nothing is", () => {
    const key = run.config["sluice:kmsKeyArn"];
    const statements = run.outputs.kmsKeyPolicyStatements as any[] | undefined;
    if (!key) {
      assert.is(statements, undefined);
      for (const p of ofType(run, TYPES.rolePolicy)) assert.not.match(p.inputs.policy, /kms:/, p.name);
      return;
    }
    assert.is(key, KMS_KEY);
    for (const q of ofType(run, TYPES.queue)) assert.is(q.inputs.kmsMasterKeyId, key, q.name);
    assert.equal(one(run, TYPES.table).inputs.serverSideEncryption, { enabled: true, kmsKeyArn: key });
    assert.is(one(run, TYPES.topic).inputs.kmsMasterKeyId, key);

    assert.ok(Array.isArray(statements));
    for (const s of statements!) {
      assert.is(s.Effect, "Allow");
      assert.is(s.Resource, "*", "in a key policy, * is the key itself");
    }
    assert.equal(new Set(statements!.map((s) => s.Sid)).size, statements!.length, "Sids are unique");
    // A key policy is at most 32 KB (AWS KMS quotas, key policy document size).
    assert.ok(JSON.stringify(statements).length < 32_768);
    const byPrincipal = (service: string) => statements!.filter((s) => s.Principal.Service === service);
    // Alarms publish to the encrypted topic as cloudwatch.amazonaws.com (SNS: encrypted topics and AWS services).
    assert.equal(byPrincipal("cloudwatch.amazonaws.com").map((s) => s.Action), [["kms:Decrypt", "kms:GenerateDataKey*"]]);
    assert.equal(byPrincipal("dynamodb.amazonaws.com").map((s) => s.Action), [["kms:Describe*", "kms:Get*", "kms:List*"]]);

    // Per service, the roles whose inline policies use the key for that service's resources, and exactly those actions.
    const roleArnByName = new Map(ofType(run, TYPES.role).map((r) => [r.state.name, r.state.arn]));
    const serviceOf = (arn: string) => arn.split(":")[2];
    const expected = new Map<string, { roles: Set<string>; actions: Set<string> }>();
    for (const p of ofType(run, TYPES.rolePolicy)) {
      const st = policyStatements(p);
      const kms = st.filter((s) => s.Resource.includes(key)).flatMap((s) => s.Action);
      if (kms.length === 0) continue;
      const service = serviceOf(st.find((s) => !s.Resource.includes(key))!.Resource[0]);
      const entry = expected.get(service) ?? { roles: new Set(), actions: new Set() };
      entry.roles.add(roleArnByName.get(p.inputs.role)!);
      kms.forEach((a) => entry.actions.add(a));
      expected.set(service, entry);
    }
    assert.equal([...expected.keys()].sort(), ["dynamodb", "sqs"]);
    const region = run.config["aws:region"];
    for (const [service, want] of expected) {
      const found = statements!.filter((s) => s.Condition?.StringEquals?.["kms:ViaService"] === `${service}.${region}.amazonaws.com`);
      assert.is(found.length, 1, `one statement for calls through ${service}`);
      assert.match(found[0].Principal.AWS, /^arn:aws:iam::\d{12}:root$/);
      assert.equal(found[0].Condition.ArnEquals["aws:PrincipalArn"], [...want.roles].sort());
      assert.equal(found[0].Action, [...want.actions].sort());
    }
    assert.is(statements!.length, 4, "CloudWatch, DynamoDB, and the roles through SQS and through DynamoDB");
  });

  test.run();
}
