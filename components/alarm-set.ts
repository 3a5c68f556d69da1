// AlarmSet: the alarms AWS recommends for each piece of the pipeline, all sent to one SNS topic
// (with an optional email subscription), so nobody has to remember which alarm goes where.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { cloudwatch } from "@pulumi/awsx/classic";
import { alarmMetricArgs, checkAlarmShape } from "./alarm-metric";
import { functionMetric, httpApiMetric, pipelineMetric, queueMetric, tableMetric, tableOperationMetric } from "./pipeline-metrics";
import { durationAlarmThresholdMs } from "./sizing";
import { SluiceComponent, type CommonArgs } from "./component";
import type { Transform } from "./transform";

export interface WatchedFunction {
  /** Short name used in alarm names ("ingest"). */
  label: string;
  functionName: pulumi.Input<string>;
  /** The function's timeout in seconds; the Duration alarm fires at 80 % of it. */
  timeoutSeconds: number;
}

export interface AlarmSetArgs extends CommonArgs {
  /** Functions to watch for errors, throttles and duration near the timeout. Default []. */
  functions?: WatchedFunction[];
  /** Main queue name, watched for the age of its oldest message. Default: not watched. */
  queueName?: pulumi.Input<string>;
  /** Dead-letter queue name; any visible message alarms. Default: not watched. */
  dlqName?: pulumi.Input<string>;
  /** HTTP API id, watched for 5xx responses. Default: not watched. */
  apiId?: pulumi.Input<string>;
  /** Stage of the HTTP API. Default "$default". */
  apiStage?: pulumi.Input<string>;
  /** DynamoDB table name, watched for throttles and system errors. Default: not watched. */
  tableName?: pulumi.Input<string>;
  /**
   * DynamoDB operations the functions call on the table (`GetItem`, …). DynamoDB publishes
   * SystemErrors only per operation, so the alarm watches their sum. Default: GetItem, PutItem,
   * UpdateItem, DeleteItem and Query.
   */
  tableOperations?: string[];
  /** Seconds the oldest queued message may wait before alarming. Default 300. */
  oldestMessageAgeSeconds?: pulumi.Input<number>;
  /** 5xx responses in 5 minutes that raise the API alarm. Default 1. */
  api5xxThreshold?: pulumi.Input<number>;
  /**
   * The stack whose own metrics (runtime/contract/metrics.ts, `Stage` dimension) are watched: the
   * worker's failure rate and the end-to-end latency p99. Default: not watched.
   */
  pipelineStage?: pulumi.Input<string>;
  /** Percent of the records the worker handled in 5 minutes that failed (any category, poison included) that raises the failure-rate alarm. Default 5. */
  failureRatePercent?: pulumi.Input<number>;
  /** End-to-end latency p99 (receipt to stored) over 5 minutes, in milliseconds, that raises the latency alarm. Default 60000. */
  endToEndP99Ms?: pulumi.Input<number>;
  /** Email subscribed to the topic (AWS sends a confirmation mail). Default: none. */
  alarmEmail?: string;
  /** KMS key for the topic; its key policy must let CloudWatch use it (keyNeeds). Default: none. */
  kmsKeyArn?: pulumi.Input<string>;
  /** Per-child escape hatch for what these args do not cover. Default none. */
  transform?: {
    topic?: Transform<aws.sns.TopicArgs>;
    subscription?: Transform<aws.sns.TopicSubscriptionArgs>;
    alarm?: Transform<aws.cloudwatch.MetricAlarmArgs>;
  };
}

interface AlarmSpec {
  key: string;
  /** One metric, or several the alarm watches the sum of (a metric math expression). */
  metrics: cloudwatch.Metric[];
  /** Metric math over `m0`, `m1`, … (the metrics in order) instead of their sum. */
  expression?: string;
  threshold: pulumi.Input<number>;
  periodSeconds: number;
  description: string;
}

export class AlarmSet extends SluiceComponent {
  public readonly topic: aws.sns.Topic;
  public readonly topicArn: pulumi.Output<string>;
  public readonly alarms: aws.cloudwatch.MetricAlarm[] = [];

  constructor(name: string, args: AlarmSetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("AlarmSet", name, args, opts);
    const t = args.transform ?? {};

    const [topicName, topicArgs, topicOpts] = this.child<aws.sns.TopicArgs>(`${name}-topic`, t.topic, {
      name: this.physicalName("topic"),
      kmsMasterKeyId: this.kmsKeyArn as pulumi.Output<string>,
      tags: this.tags,
    });
    this.topic = new aws.sns.Topic(topicName, topicArgs, topicOpts);
    this.topicArn = this.topic.arn;
    // Alarms publish to the topic as CloudWatch: with a customer key, CloudWatch must be able to
    // use it, or every notification is dropped (key-policy.ts).
    this.needsKey({ kind: "service", name: "cloudwatch-alarms", principal: "cloudwatch.amazonaws.com", actions: ["kms:Decrypt", "kms:GenerateDataKey*"] });

    if (args.alarmEmail) {
      const [subName, subArgs, subOpts] = this.child<aws.sns.TopicSubscriptionArgs>(`${name}-email`, t.subscription, {
        topic: this.topic.arn,
        protocol: "email",
        endpoint: args.alarmEmail,
      });
      new aws.sns.TopicSubscription(subName, subArgs, subOpts);
    }

    for (const spec of alarmSpecs(args)) {
      const [alarmName, alarmArgs, alarmOpts] = this.child<aws.cloudwatch.MetricAlarmArgs>(`${name}-${spec.key}`, t.alarm, {
        name: this.physicalName("alarm", { name: `${name}-${spec.key}` }),
        alarmDescription: spec.description,
        ...alarmMetricArgs(spec.metrics, spec.periodSeconds, spec.expression),
        threshold: spec.threshold,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        // No data means nothing happened (no errors, no messages): that is healthy.
        treatMissingData: "notBreaching",
        actionsEnabled: true,
        alarmActions: [this.topic.arn],
        okActions: [this.topic.arn],
        tags: this.tags,
      });
      this.alarms.push(new aws.cloudwatch.MetricAlarm(alarmName, checkAlarmShape(alarmName, alarmArgs), alarmOpts));
    }
    this.registerOutputs({ topicArn: this.topicArn, alarmNames: this.alarms.map((a) => a.name) });
  }
}

/** What the table alarm watches when the caller does not say which operations its functions call. */
export const DEFAULT_TABLE_OPERATIONS = ["DeleteItem", "GetItem", "PutItem", "Query", "UpdateItem"];

/** Which alarms the pipeline gets, from what is being watched. */
export function alarmSpecs(args: AlarmSetArgs): AlarmSpec[] {
  const specs: AlarmSpec[] = [];
  for (const fn of args.functions ?? []) {
    specs.push(
      { key: `${fn.label}-errors`, metrics: [functionMetric("Errors", fn.functionName)], threshold: 1, periodSeconds: 300, description: `${fn.label} function: invocations failed` },
      { key: `${fn.label}-throttles`, metrics: [functionMetric("Throttles", fn.functionName)], threshold: 1, periodSeconds: 300, description: `${fn.label} function: invocations throttled` },
      {
        key: `${fn.label}-duration`,
        metrics: [functionMetric("Duration", fn.functionName)],
        threshold: durationAlarmThresholdMs(fn.timeoutSeconds),
        periodSeconds: 300,
        description: `${fn.label} function: a run took over 80% of its ${fn.timeoutSeconds}s timeout`,
      },
    );
  }
  if (args.queueName !== undefined) {
    specs.push({
      key: "queue-oldest-message",
      metrics: [queueMetric("ApproximateAgeOfOldestMessage", args.queueName)],
      threshold: args.oldestMessageAgeSeconds ?? 300,
      periodSeconds: 60,
      description: "queue: events are waiting longer than expected (worker down, throttled or failing)",
    });
  }
  if (args.dlqName !== undefined) {
    specs.push({
      key: "dlq-visible",
      metrics: [queueMetric("ApproximateNumberOfMessagesVisible", args.dlqName)],
      threshold: 1,
      periodSeconds: 60,
      description: "dead-letter queue: events failed every retry; inspect and redrive (README, operations)",
    });
  }
  if (args.apiId !== undefined) {
    specs.push({
      key: "api-5xx",
      metrics: [httpApiMetric("5xx", args.apiId, args.apiStage ?? "$default")],
      threshold: args.api5xxThreshold ?? 1,
      periodSeconds: 300,
      description: "HTTP API: server errors (a dependency down gives 503s)",
    });
  }
  if (args.tableName !== undefined) {
    const tableName = args.tableName;
    const operations = [...new Set(args.tableOperations ?? DEFAULT_TABLE_OPERATIONS)].sort();
    specs.push(
      { key: "table-read-throttles", metrics: [tableMetric("ReadThrottleEvents", tableName)], threshold: 1, periodSeconds: 300, description: "table: reads throttled" },
      { key: "table-write-throttles", metrics: [tableMetric("WriteThrottleEvents", tableName)], threshold: 1, periodSeconds: 300, description: "table: writes throttled" },
      {
        key: "table-system-errors",
        metrics: operations.map((op) => tableOperationMetric("SystemErrors", tableName, op)),
        threshold: 1,
        periodSeconds: 300,
        description: `table: DynamoDB returned server errors (${operations.join(", ")})`,
      },
    );
  }
  if (args.pipelineStage !== undefined) specs.push(...pipelineAlarmSpecs(args.pipelineStage, args));
  return specs;
}

/**
 * The alarms on the pipeline's own metrics. The failure rate is (Failed + Poison) / (Processed +
 * Failed + Poison) in percent; each series is filled with 0 where it has no data, so a table outage
 * (failures and nothing processed) still gives a rate, and a quiet period gives 0, not a gap.
 */
export function pipelineAlarmSpecs(stage: pulumi.Input<string>, args: Pick<AlarmSetArgs, "failureRatePercent" | "endToEndP99Ms">): AlarmSpec[] {
  const [failed, poison, processed] = ["FILL(m0, 0)", "FILL(m1, 0)", "FILL(m2, 0)"];
  const bad = `(${failed} + ${poison})`;
  const all = `(${bad} + ${processed})`;
  return [
    {
      key: "worker-failure-rate",
      metrics: [pipelineMetric("Failed", stage), pipelineMetric("Poison", stage), pipelineMetric("Processed", stage)],
      expression: `IF(${all} > 0, 100 * ${bad} / ${all}, 0)`,
      threshold: args.failureRatePercent ?? 5,
      periodSeconds: 300,
      description: "worker: too many records failed (any category, retried or stored failed); see the errors-by-category query",
    },
    {
      key: "end-to-end-latency-p99",
      metrics: [pipelineMetric("EndToEndMs", stage, { percentile: 99 })],
      threshold: args.endToEndP99Ms ?? 60_000,
      periodSeconds: 300,
      description: "events take too long from receipt to stored (p99): worker throttled, retrying, or the queue backed up",
    },
  ];
}
