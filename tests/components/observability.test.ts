// The observability and fan-out part of the program graph (issue 14): tracing on the functions and
// its grant, the fan-out bus and its one least-privilege grant when the stack publishes (and none of
// it when it does not), the saved Logs Insights queries, and the alarms and dashboard on the
// pipeline's own metrics, addressed with exactly the namespace, names and dimensions that the
// functions' EMF lines carry (the lines are made here by the runtime's own code).
import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { SQSRecord } from "aws-lambda";
import { TRACING_ACTIONS } from "../../components/pipeline-function";
import { LOG_QUERIES, TRAIL_PLACEHOLDER } from "../../components/log-queries";
import { checkRetryBackoff } from "../../components/sizing";
import { settleBatch, type RecordResult } from "../../runtime/batch-settlement";
import { FAN_OUT_DETAIL_TYPES } from "../../runtime/contract/fan-out";
import { ingestTally } from "../../runtime/ingest-metrics";
import { createLogger } from "../../runtime/log";
import { createMetricsWriter, emfLines } from "../../runtime/metrics";
import type { ResourceRecord } from "../../local/program/resource-record";
import { ofType, one, runStack, TYPES, type StackRun } from "./harness";
import { PROD_SETUP } from "./stacks";

function statements(p: ResourceRecord): { Action: string[]; Resource: string[] }[] {
  return JSON.parse(p.inputs.policy).Statement;
}

function policiesOfRole(run: StackRun, label: string): ResourceRecord[] {
  const role = one(run, TYPES.role, `sluice-${label}-role`);
  return ofType(run, TYPES.rolePolicy).filter((p) => p.inputs.role === role.state.name);
}

/** Every (namespace, metric, dimensions) the EMF lines of a worker batch and of ingest answers declare, with the dimension values they carry. */
async function publishedByTheFunctions(stage: string): Promise<{ namespace: string; metric: string; dimensions: Record<string, string> }[]> {
  const lines: string[] = [];
  const metrics = createMetricsWriter({ stage, logLevel: "warn", sink: (l) => lines.push(l) });
  const record = (n: number): SQSRecord => ({ messageId: `m${n}`, receiptHandle: `h${n}`, body: "", attributes: { ApproximateReceiveCount: "1" } } as unknown as SQSRecord);
  const results: RecordResult[] = [
    { outcome: "stored", endToEndMs: 120 },
    { outcome: "failed-stored", category: "VALIDATION", endToEndMs: 90 },
    { outcome: "retry", category: "TRANSIENT" },
    { outcome: "poison" },
    { outcome: "duplicate" },
  ];
  await settleBatch(results.map((_, i) => record(i)), results, { publish: "none", retry: { baseSeconds: 1, maxSeconds: 1 }, metrics, log: createLogger({}, { level: "silent" }) }, "req");
  const answer = { statusCode: 422, headers: {}, body: JSON.stringify({ type: "urn:sluice:problem:validation-failed" }) };
  lines.push(...emfLines(ingestTally(answer, 5), { stage, timestampMs: 0, level: "warn" }));
  lines.push(...emfLines(ingestTally({ statusCode: 202, headers: {}, body: "{}" }, 5), { stage, timestampMs: 0, level: "warn" }));
  const out: { namespace: string; metric: string; dimensions: Record<string, string> }[] = [];
  for (const l of lines) {
    const doc = JSON.parse(l);
    for (const d of doc._aws.CloudWatchMetrics as { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[]) {
      for (const m of d.Metrics) for (const set of d.Dimensions) out.push({ namespace: d.Namespace, metric: m.Name, dimensions: Object.fromEntries(set.map((k) => [k, doc[k]])) });
    }
  }
  return out;
}

for (const [stack, setup] of [["dev", {}], ["prod", PROD_SETUP]] as const) {
  const test = suite(`observability on ${stack}`);
  let run: StackRun;
  test.before(async () => {
    run = await runStack(stack, setup);
  });

  test("tracing: every function traces actively, with exactly the X-Ray daemon's grant", () => {
    assert.is(run.config["sluice:tracing"], "true", "on by default");
    for (const label of ["ingest", "worker", "query"]) {
      assert.equal(one(run, TYPES.fn, `sluice-${label}-function`).inputs.tracingConfig, { mode: "Active" }, label);
      const xray = policiesOfRole(run, label).flatMap(statements).filter((s) => s.Action.some((a) => a.startsWith("xray:")));
      assert.equal(xray, [{ Effect: "Allow", Action: [...TRACING_ACTIONS].sort(), Resource: ["*"] }], `${label}: the tracing grant`);
    }
  });

  test("saved queries: errors by category, slowest requests, one event's trail, over the function logs and the access log", () => {
    const queries = ofType(run, TYPES.queryDefinition);
    assert.equal(queries.map((q) => q.inputs.name).sort(), Object.keys(LOG_QUERIES).map((n) => `sluice/${stack}/${n}`).sort());
    const fnGroups = ["ingest", "worker", "query", "operator"].map((l) => one(run, TYPES.logGroup, `sluice-${l}-logs`).state.name).sort();
    const access = one(run, TYPES.logGroup, "sluice-api-access-logs").state.name;
    const byName = (n: string) => queries.find((q) => q.inputs.name.endsWith(`/${n}`))!;
    assert.equal([...byName("errors-by-category").inputs.logGroupNames].sort(), fnGroups);
    assert.equal(byName("slowest-requests").inputs.logGroupNames, [access]);
    assert.equal([...byName("event-trail").inputs.logGroupNames].sort(), [...fnGroups, access].sort());
    assert.match(byName("errors-by-category").inputs.queryString, /category/);
    assert.match(byName("slowest-requests").inputs.queryString, /sort ms desc/);
    for (const field of ["eventId", "requestId", "traceId"]) assert.ok(byName("event-trail").inputs.queryString.includes(`${field} = "${TRAIL_PLACEHOLDER}"`), field);
  });

  test("alarms on the failure rate and the end-to-end p99, on the metrics the functions' EMF lines really publish", async () => {
    const published = await publishedByTheFunctions(stack);
    const isPublished = (namespace: string, metric: string, dimensions: Record<string, string>) =>
      published.some((p) => p.namespace === namespace && p.metric === metric && JSON.stringify(Object.entries(p.dimensions).sort()) === JSON.stringify(Object.entries(dimensions).sort()));
    const rate = one(run, TYPES.alarm, "sluice-alarms-worker-failure-rate");
    const queries = rate.inputs.metricQueries as { id: string; expression?: string; returnData: boolean; metric?: { namespace: string; metricName: string; dimensions: Record<string, string>; stat: string } }[];
    assert.equal(queries.filter((q) => q.metric).map((q) => q.metric!.metricName), ["Failed", "Poison", "Processed"]);
    for (const q of queries.filter((x) => x.metric)) {
      assert.ok(isPublished(q.metric!.namespace, q.metric!.metricName, q.metric!.dimensions), `${q.metric!.metricName} ${JSON.stringify(q.metric!.dimensions)} is what an EMF line publishes`);
      assert.is(q.metric!.stat, "Sum");
    }
    assert.match(queries.find((q) => q.returnData)!.expression!, /^IF\(/);
    assert.is(rate.inputs.threshold, Number(run.config["sluice:failureRateAlarmPercent"]));
    const p99 = one(run, TYPES.alarm, "sluice-alarms-end-to-end-latency-p99");
    assert.ok(isPublished(p99.inputs.namespace, p99.inputs.metricName, p99.inputs.dimensions), `${p99.inputs.metricName} ${JSON.stringify(p99.inputs.dimensions)}`);
    assert.is(p99.inputs.extendedStatistic, "p99");
    assert.is(p99.inputs.unit, undefined, "no unit: the alarm matches the published series whatever its unit");
    assert.is(p99.inputs.threshold, Number(run.config["sluice:endToEndLatencyAlarmSeconds"]) * 1000);
    for (const a of [rate, p99]) assert.equal(a.inputs.alarmActions, [one(run, TYPES.topic).state.arn]);
  });

  test("the dashboard charts the pipeline's metrics and shows the new alarms", () => {
    const body = JSON.parse(one(run, TYPES.dashboard).inputs.dashboardBody) as { widgets: { properties: { title?: string; metrics?: unknown[][]; alarms?: string[] } }[] };
    const charted = body.widgets.flatMap((w) => w.properties.metrics ?? []).filter((m) => m[0] === "Sluice").map((m) => m[1]);
    for (const metric of ["Accepted", "Replayed", "Rejected", "InFlight", "Processed", "Failed", "Retried", "EndToEndMs", "IngestMs"]) assert.ok(charted.includes(metric), metric);
    const shown = body.widgets.flatMap((w) => w.properties.alarms ?? []);
    for (const name of ["sluice-alarms-worker-failure-rate", "sluice-alarms-end-to-end-latency-p99"]) assert.ok(shown.includes(one(run, TYPES.alarm, name).state.arn), name);
    assert.is(charted.includes("Published"), run.config["sluice:publish"] !== "none", "the fan-out chart only where the stack publishes");
  });

  test(`fan-out: ${stack === "dev" ? "a bus, and the worker alone may put events on it" : "no bus, no events grant"}`, () => {
    const buses = ofType(run, TYPES.bus);
    const worker = one(run, TYPES.fn, "sluice-worker-function").inputs.environment.variables as Record<string, string>;
    const eventsGrants = (label: string) => policiesOfRole(run, label).flatMap(statements).filter((s) => s.Action.some((a) => a.startsWith("events:")));
    if (run.config["sluice:publish"] === "none") {
      assert.is(buses.length, 0);
      for (const label of ["ingest", "worker", "query"]) assert.equal(eventsGrants(label), [], label);
      assert.is(worker.SLUICE_PUBLISH, "none");
      assert.is(run.outputs.eventBusName, undefined);
      return;
    }
    assert.is(run.config["sluice:publish"], "all");
    assert.is(buses.length, 1);
    const bus = buses[0];
    assert.equal(eventsGrants("worker"), [{ Effect: "Allow", Action: ["events:PutEvents"], Resource: [bus.state.arn] }]);
    assert.equal(eventsGrants("ingest"), []);
    assert.equal(eventsGrants("query"), []);
    assert.is(worker.SLUICE_EVENT_BUS_NAME, bus.state.name);
    assert.is(worker.SLUICE_PUBLISH, "all");
    assert.is(run.outputs.eventBusName, bus.state.name);
    assert.match(bus.state.arn, /^arn:aws:events:[a-z0-9-]+:\d{12}:event-bus\//);
    assert.ok(Object.values(FAN_OUT_DETAIL_TYPES).every((t) => t.startsWith("sluice.event.")));
  });

  test.run();
}

const off = suite("observability switched off");

off("tracing false: PassThrough and no X-Ray grant; publish failures: a bus, the worker publishing failures only", async () => {
  const run = await runStack("dev", { "sluice:tracing": "false", "sluice:publish": "failures" });
  for (const label of ["ingest", "worker", "query"]) {
    assert.equal(one(run, TYPES.fn, `sluice-${label}-function`).inputs.tracingConfig, { mode: "PassThrough" }, label);
    assert.equal(policiesOfRole(run, label).flatMap(statements).filter((s) => s.Action.some((a) => a.startsWith("xray:"))), [], label);
  }
  assert.is(ofType(run, TYPES.bus).length, 1);
  assert.is((one(run, TYPES.fn, "sluice-worker-function").inputs.environment.variables as Record<string, string>).SLUICE_PUBLISH, "failures");
});

off("an unknown publish mode and a backoff beyond SQS's visibility limit are refused before anything is made", async () => {
  const refusal = (p: Promise<unknown>) => p.then(() => "", (err: Error) => err.message);
  assert.match(await refusal(runStack("dev", { "sluice:publish": "everything" })), /sluice:publish must be none, failures, all/);
  assert.not.throws(() => checkRetryBackoff(20, 900, 30));
  assert.throws(() => checkRetryBackoff(20, 43_200, 30), /retryMaxSeconds 43200s plus the worker timeout 30s exceeds .* at most 43170/);
  assert.throws(() => checkRetryBackoff(60, 30, 30), /at least sluice:retryBaseSeconds/);
  assert.throws(() => checkRetryBackoff(0, 30, 30), /positive integer/);
});

off.run();
