// What a CloudWatch alarm watches, as MetricAlarm args: one metric, or the sum of several as a
// metric math expression (DynamoDB SystemErrors exist only per operation), and the shape the
// provider and CloudWatch accept for each.
import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { cloudwatch } from "@pulumi/awsx/classic";

/**
 * PutMetricAlarm takes at most 10 metric-retrieving queries in its Metrics array (CloudWatch API
 * Reference, MetricDataQuery: "as many as 10 structures that contain a MetricStat").
 */
export const MAX_ALARM_METRICS = 10;

type MetricArgs = Pick<
  aws.cloudwatch.MetricAlarmArgs,
  "namespace" | "metricName" | "dimensions" | "period" | "statistic" | "extendedStatistic" | "unit" | "metricQueries"
>;

/**
 * Alarm args for `metrics` over `periodSeconds`: the metric itself when there is one, otherwise a
 * `SUM([m0, m1, …])` expression over them, which is the series the alarm compares. `expression`
 * (metric math over `m0`, `m1`, … in the order given) replaces that sum, e.g. a rate.
 */
export function alarmMetricArgs(metrics: cloudwatch.Metric[], periodSeconds: number, expression?: string): MetricArgs {
  if (metrics.length === 0) throw new Error("an alarm needs at least one metric");
  if (metrics.length === 1 && expression === undefined) {
    const m = metrics[0].withPeriod(periodSeconds);
    return {
      namespace: m.namespace,
      metricName: m.name,
      dimensions: m.dimensions,
      period: m.period,
      statistic: m.statistic,
      extendedStatistic: m.extendedStatistic.apply((p) => (p === undefined ? undefined : `p${p}`)) as pulumi.Output<string>,
      unit: m.unit as pulumi.Output<string>,
    };
  }
  if (metrics.length > MAX_ALARM_METRICS) throw new Error(`an alarm can sum at most ${MAX_ALARM_METRICS} metrics, got ${metrics.length}`);
  const ids = metrics.map((_, i) => `m${i}`);
  return {
    metricQueries: [
      { id: "total", expression: expression ?? `SUM([${ids.join(", ")}])`, label: expression === undefined ? "sum" : "value", returnData: true },
      ...metrics.map((m, i) => ({
        id: ids[i],
        returnData: false,
        metric: { namespace: m.namespace, metricName: m.name, dimensions: m.dimensions, period: periodSeconds, stat: m.statistic },
      })),
    ],
  };
}

/** The single-metric fields an alarm with `metricQueries` must not carry. */
const SINGLE_METRIC_FIELDS = ["namespace", "metricName", "dimensions", "period", "statistic", "extendedStatistic", "unit"] as const;

/**
 * Refuses, after the caller's transform, what `pulumi up` or CloudWatch would: PutMetricAlarm with a
 * Metrics array "cannot include the Namespace, MetricName, Dimensions, Period, Unit, Statistic, or
 * ExtendedStatistic parameters" (CloudWatch API Reference, PutMetricAlarm; the provider's
 * `aws.cloudwatch.MetricAlarm` / Terraform `aws_cloudwatch_metric_alarm` declares them as
 * conflicting with `metric_query`), exactly one query must return data, and at most
 * MAX_ALARM_METRICS may retrieve a metric. Mocks run none of these checks.
 */
export function checkAlarmShape(alarm: string, args: aws.cloudwatch.MetricAlarmArgs): aws.cloudwatch.MetricAlarmArgs {
  const queries = args.metricQueries as unknown[] | undefined;
  if (queries === undefined) {
    if (args.metricName === undefined) throw new Error(`alarm ${alarm}: neither metricName nor metricQueries`);
    return args;
  }
  if (!Array.isArray(queries)) return args;
  const clash = SINGLE_METRIC_FIELDS.filter((f) => args[f] !== undefined);
  if (clash.length > 0) throw new Error(`alarm ${alarm}: metricQueries conflicts with ${clash.join(", ")} (CloudWatch PutMetricAlarm)`);
  const plain = queries as { returnData?: unknown; metric?: unknown }[];
  if (plain.filter((q) => q.returnData === true).length !== 1) throw new Error(`alarm ${alarm}: exactly one metric query must have returnData true`);
  if (plain.filter((q) => q.metric !== undefined).length > MAX_ALARM_METRICS) throw new Error(`alarm ${alarm}: more than ${MAX_ALARM_METRICS} metrics in metricQueries`);
  return args;
}
