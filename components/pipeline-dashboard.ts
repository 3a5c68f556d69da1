// PipelineDashboard: one CloudWatch dashboard for a pipeline, read top to bottom the way an event
// travels: alarms, the pipeline's own metrics, API, ingest, queue and DLQ, worker, table, query.
// Built with awsx's classic widgets.
import * as pulumi from "@pulumi/pulumi";
import { cloudwatch } from "@pulumi/awsx/classic";
import { FAILURE_CATEGORIES } from "../runtime/contract/metrics";
import { PROBLEM_CATALOG } from "../runtime/contract/problems";
import { DEFAULT_TABLE_OPERATIONS } from "./alarm-set";
import { functionMetric, httpApiMetric, pipelineMetric, queueMetric, tableMetric, tableOperationMetric } from "./pipeline-metrics";
import { SluiceComponent } from "./component";
import type { Transform } from "./transform";

export interface PipelineDashboardArgs {
  /** Functions to chart (invocations, errors, throttles, duration), in flow order. Default []. */
  functions?: { label: string; functionName: pulumi.Input<string> }[];
  /** Main queue name. Required. */
  queueName: pulumi.Input<string>;
  /** Dead-letter queue name. Required. */
  dlqName: pulumi.Input<string>;
  /** HTTP API id. Required. */
  apiId: pulumi.Input<string>;
  /** Stage of the HTTP API. Default "$default". */
  apiStage?: pulumi.Input<string>;
  /** DynamoDB table name. Required. */
  tableName: pulumi.Input<string>;
  /** DynamoDB operations the functions call; system errors are charted per operation. Default as AlarmSet. */
  tableOperations?: string[];
  /** Alarm ARNs shown in an alarm-status widget at the top. Default []. */
  alarmArns?: pulumi.Input<string>[];
  /** The stack whose own metrics (runtime/contract/metrics.ts) are charted. Default: not charted. */
  pipelineStage?: pulumi.Input<string>;
  /** Chart the fan-out bus's published and refused events. Default false. */
  publishing?: boolean;
  /** Per-child escape hatch for what these args do not cover. Default none. */
  transform?: { dashboard?: Transform<cloudwatch.DashboardArgs> };
}

export class PipelineDashboard extends SluiceComponent {
  public readonly dashboard: cloudwatch.Dashboard;
  public readonly dashboardName: pulumi.Output<string>;
  public readonly url: pulumi.Output<string>;

  constructor(name: string, args: PipelineDashboardArgs, opts?: pulumi.ComponentResourceOptions) {
    // aws.cloudwatch.Dashboard takes no tags and nothing to encrypt.
    super("PipelineDashboard", name, {}, opts);
    const stage = args.apiStage ?? "$default";
    const graph = (title: string, metrics: cloudwatch.Metric[]) => new cloudwatch.LineGraphMetricWidget({ title, metrics, width: 8, height: 6 });

    const rows: cloudwatch.Widget[] = [];
    if ((args.alarmArns ?? []).length > 0) {
      rows.push(new cloudwatch.RowWidget(new cloudwatch.AlarmWidget({ title: "Alarms", alarms: args.alarmArns ?? [], width: 24 })));
    }
    if (args.pipelineStage !== undefined) rows.push(...pipelineRows(args.pipelineStage, args.publishing ?? false, graph));
    rows.push(
      new cloudwatch.RowWidget(
        graph("API requests", [httpApiMetric("Count", args.apiId, stage)]),
        graph("API 4xx / 5xx", [httpApiMetric("4xx", args.apiId, stage), httpApiMetric("5xx", args.apiId, stage)]),
        graph("API latency p99 (ms)", [httpApiMetric("Latency", args.apiId, stage)]),
      ),
      new cloudwatch.RowWidget(
        graph("Queue: oldest message (s)", [queueMetric("ApproximateAgeOfOldestMessage", args.queueName)]),
        graph("Queue: sent / visible", [queueMetric("NumberOfMessagesSent", args.queueName), queueMetric("ApproximateNumberOfMessagesVisible", args.queueName)]),
        graph("DLQ: visible messages", [queueMetric("ApproximateNumberOfMessagesVisible", args.dlqName)]),
      ),
    );
    for (const fn of args.functions ?? []) {
      rows.push(
        new cloudwatch.RowWidget(
          graph(`${fn.label}: invocations / errors`, [functionMetric("Invocations", fn.functionName), functionMetric("Errors", fn.functionName)]),
          graph(`${fn.label}: throttles / concurrency`, [functionMetric("Throttles", fn.functionName), functionMetric("ConcurrentExecutions", fn.functionName)]),
          graph(`${fn.label}: max duration (ms)`, [functionMetric("Duration", fn.functionName)]),
        ),
      );
    }
    rows.push(
      new cloudwatch.RowWidget(
        graph("Table: write units", [tableMetric("ConsumedWriteCapacityUnits", args.tableName)]),
        graph("Table: throttles", [tableMetric("ReadThrottleEvents", args.tableName), tableMetric("WriteThrottleEvents", args.tableName)]),
        // DynamoDB publishes SystemErrors only per TableName + Operation: one line per operation.
        graph("Table: system errors", [...new Set(args.tableOperations ?? DEFAULT_TABLE_OPERATIONS)].sort().map((op) => tableOperationMetric("SystemErrors", args.tableName, op))),
      ),
    );

    const [dashName, dashArgs, dashOpts] = this.child<cloudwatch.DashboardArgs>(`${name}-dashboard`, args.transform?.dashboard, {
      name: this.physicalName("dashboard"),
      widgets: rows,
    });
    this.dashboard = new cloudwatch.Dashboard(dashName, dashArgs, dashOpts);
    this.dashboardName = this.dashboard.dashboardName;
    this.url = this.dashboard.url;
    this.registerOutputs({ dashboardName: this.dashboardName, url: this.url });
  }
}

/** The 4xx answers other than 409 (counted apart, as InFlight): the values of `Rejected`'s `Reason`. */
const REJECTION_REASONS = (Object.keys(PROBLEM_CATALOG) as (keyof typeof PROBLEM_CATALOG)[]).filter((slug) => {
  const status: number = PROBLEM_CATALOG[slug].status;
  return status >= 400 && status < 500 && status !== 409;
});

/** The rows of the pipeline's own metrics: what came in, what the worker did, how long it took, why it failed. */
function pipelineRows(stage: pulumi.Input<string>, publishing: boolean, graph: (title: string, metrics: cloudwatch.Metric[]) => cloudwatch.Widget): cloudwatch.RowWidget[] {
  const m = (name: Parameters<typeof pipelineMetric>[0], opts: Parameters<typeof pipelineMetric>[2] = {}) => pipelineMetric(name, stage, { label: opts.label ?? name, ...opts });
  return [
    new cloudwatch.RowWidget(
      graph("Ingest: events by answer", [m("Accepted"), m("Replayed"), m("Rejected"), m("InFlight"), m("Unavailable")]),
      graph("Worker: records by outcome", [m("Processed"), m("Failed"), m("Retried"), m("Duplicates"), m("Poison"), m("Conflicts")]),
      graph("Latency (ms): ingest p99, end to end p50 / p99", [m("IngestMs", { label: "ingest p99" }), m("EndToEndMs", { percentile: 50, label: "end to end p50" }), m("EndToEndMs", { label: "end to end p99" })]),
    ),
    new cloudwatch.RowWidget(
      graph("Worker: failed by category", FAILURE_CATEGORIES.map((c) => m("Failed", { by: c, label: c }))),
      graph("Ingest: rejected by reason", REJECTION_REASONS.map((r) => m("Rejected", { by: r, label: r }))),
      ...(publishing ? [graph("Fan-out: published / refused by the bus", [m("Published"), m("PublishFailed")])] : []),
    ),
  ];
}
