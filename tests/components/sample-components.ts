// One of each component, wired the smallest way the program wires them (a function that reads a
// table, sends to and consumes a queue, behind an API, with alarms and a dashboard), each with the
// transforms a test hands in. Built with `buildAlone`, it shows a component's own behaviour without
// index.ts in between.
import type { AlarmSetArgs } from "../../components/alarm-set";
import { AlarmSet } from "../../components/alarm-set";
import { EventBus, type EventBusArgs } from "../../components/event-bus";
import { IdempotentTable, type IdempotentTableArgs } from "../../components/idempotent-table";
import { IngestApi, type IngestApiArgs } from "../../components/ingest-api";
import { LogQueries, type LogQueriesArgs } from "../../components/log-queries";
import { PipelineDashboard, type PipelineDashboardArgs } from "../../components/pipeline-dashboard";
import { PipelineFunction, type PipelineFunctionArgs } from "../../components/pipeline-function";
import { QueueWithDlq, type QueueWithDlqArgs } from "../../components/queue-with-dlq";
import { SourceSecrets, type SourceSecretsArgs } from "../../components/source-secrets";

export interface SampleTransforms {
  fn?: PipelineFunctionArgs<unknown, unknown>["transform"];
  table?: IdempotentTableArgs["transform"];
  queue?: QueueWithDlqArgs["transform"];
  api?: IngestApiArgs["transform"];
  alarms?: AlarmSetArgs["transform"];
  dashboard?: PipelineDashboardArgs["transform"];
  bus?: EventBusArgs["transform"];
  queries?: LogQueriesArgs["transform"];
  secrets?: SourceSecretsArgs["transform"];
}

/** The logical names the sample gives its components (the program's own, so names look alike). */
export const SAMPLE = {
  fn: "sluice-worker",
  table: "sluice-idempotency",
  queue: "sluice-events",
  api: "sluice-api",
  alarms: "sluice-alarms",
  dashboard: "sluice",
  bus: "sluice-fanout",
  queries: "sluice",
  secrets: "sluice-sources",
} as const;

export function sampleComponents(transforms: SampleTransforms = {}, kmsKeyArn?: string): void {
  const fn = new PipelineFunction<unknown, unknown>(SAMPLE.fn, {
    callbackFactory: () => async () => ({}),
    timeout: 10,
    tracing: true,
    tags: { project: "sample" },
    transform: transforms.fn,
  });
  const table = new IdempotentTable(SAMPLE.table, { protect: false, kmsKeyArn, transform: transforms.table });
  table.grantRead(fn);
  const queue = new QueueWithDlq(SAMPLE.queue, { consumerTimeoutSeconds: 10, kmsKeyArn, transform: transforms.queue });
  queue.grant(fn, ["sqs:SendMessage"]);
  queue.subscribe(fn);
  const secrets = new SourceSecrets(SAMPLE.secrets, { sources: [{ name: "hook" }], values: { hook: ["s"] }, protect: false, kmsKeyArn, transform: transforms.secrets });
  secrets.grant(fn, ["secretsmanager:GetSecretValue"]);
  const api = new IngestApi(SAMPLE.api, { targets: { fn: { function: fn, routes: ["POST /things"] } }, jwtAuthorizer: { issuer: "https://issuer.example.com/pool", audiences: ["things"] }, transform: transforms.api });
  const alarms = new AlarmSet(SAMPLE.alarms, {
    functions: [{ label: "fn", functionName: fn.functionName, timeoutSeconds: 10 }],
    queueName: queue.queueName,
    dlqName: queue.dlqName,
    apiId: api.apiId,
    tableName: table.name,
    alarmEmail: "ops@example.com",
    pipelineStage: "sample",
    kmsKeyArn,
    transform: transforms.alarms,
  });
  new PipelineDashboard(SAMPLE.dashboard, {
    functions: [{ label: "fn", functionName: fn.functionName }],
    queueName: queue.queueName,
    dlqName: queue.dlqName,
    apiId: api.apiId,
    tableName: table.name,
    alarmArns: alarms.alarms.map((a) => a.arn),
    pipelineStage: "sample",
    publishing: true,
    transform: transforms.dashboard,
  });
  const bus = new EventBus(SAMPLE.bus, { tags: { project: "sample" }, transform: transforms.bus });
  bus.grant(fn, ["events:PutEvents"]);
  new LogQueries(SAMPLE.queries, { functionLogGroups: [fn.logGroup.name], accessLogGroup: api.accessLogGroup.name, transform: transforms.queries });
}
