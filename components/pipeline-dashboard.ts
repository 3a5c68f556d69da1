// PipelineDashboard: one CloudWatch dashboard for a pipeline, read top to bottom the way an event
// travels: API, ingest, queue and DLQ, worker, table, query. Built with awsx's classic widgets.
import * as pulumi from "@pulumi/pulumi";
import { cloudwatch } from "@pulumi/awsx/classic";
import { DEFAULT_TABLE_OPERATIONS } from "./alarm-set";
import { functionMetric, httpApiMetric, queueMetric, tableMetric, tableOperationMetric } from "./pipeline-metrics";
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
