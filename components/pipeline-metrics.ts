// The CloudWatch metrics of one pipeline, named once and shared by the alarms and the dashboard so
// both always watch the same series. Built on awsx's classic metric helpers, addressed by plain
// names (flat args) rather than by resource objects; every one is checked against the dimension
// sets CloudWatch really publishes it with (metric-dimensions.ts).
import * as pulumi from "@pulumi/pulumi";
import { cloudwatch, dynamodb, lambda, sqs } from "@pulumi/awsx/classic";
import { METRICS_NAMESPACE, PIPELINE_METRICS, STAGE_DIMENSION } from "../runtime/contract/metrics";
import type { MetricDefinition, SluiceMetric } from "../runtime/contract/metrics";
import { checkPublishedDimensions } from "./metric-dimensions";

export function functionMetric(
  metric: "Errors" | "Throttles" | "Duration" | "Invocations" | "ConcurrentExecutions",
  functionName: pulumi.Input<string>,
): cloudwatch.Metric {
  checkPublishedDimensions("AWS/Lambda", metric, ["FunctionName"]);
  const change = { dimensions: { FunctionName: functionName } };
  switch (metric) {
    case "Errors":
      return lambda.metrics.errors({ ...change, statistic: "Sum" });
    case "Throttles":
      return lambda.metrics.throttles({ ...change, statistic: "Sum" });
    case "Duration":
      return lambda.metrics.duration({ ...change, statistic: "Maximum" });
    case "Invocations":
      return lambda.metrics.invocations({ ...change, statistic: "Sum" });
    case "ConcurrentExecutions":
      return lambda.metrics.concurrentExecutions({ ...change, statistic: "Maximum" });
  }
}

export function queueMetric(
  metric: "ApproximateAgeOfOldestMessage" | "ApproximateNumberOfMessagesVisible" | "NumberOfMessagesSent",
  queueName: pulumi.Input<string>,
): cloudwatch.Metric {
  checkPublishedDimensions("AWS/SQS", metric, ["QueueName"]);
  const change = { dimensions: { QueueName: queueName } };
  switch (metric) {
    case "ApproximateAgeOfOldestMessage":
      return sqs.metrics.approximateAgeOfOldestMessage({ ...change, statistic: "Maximum" });
    case "ApproximateNumberOfMessagesVisible":
      return sqs.metrics.approximateNumberOfMessagesVisible({ ...change, statistic: "Maximum" });
    case "NumberOfMessagesSent":
      return sqs.metrics.numberOfMessagesSent({ ...change, statistic: "Sum" });
  }
}

/** Table metrics published per TableName. */
export function tableMetric(metric: "ReadThrottleEvents" | "WriteThrottleEvents" | "ConsumedWriteCapacityUnits", tableName: pulumi.Input<string>): cloudwatch.Metric {
  checkPublishedDimensions("AWS/DynamoDB", metric, ["TableName"]);
  const change = { dimensions: { TableName: tableName }, statistic: "Sum" as const };
  switch (metric) {
    case "ReadThrottleEvents":
      return dynamodb.metrics.readThrottleEvents(change);
    case "WriteThrottleEvents":
      return dynamodb.metrics.writeThrottleEvents(change);
    case "ConsumedWriteCapacityUnits":
      return dynamodb.metrics.consumedWriteCapacityUnits(change);
  }
}

/**
 * Table metrics DynamoDB publishes only per TableName + Operation (`GetItem`, `PutItem`, …): one
 * series per operation, never one for the table as a whole.
 */
export function tableOperationMetric(metric: "SystemErrors", tableName: pulumi.Input<string>, operation: string): cloudwatch.Metric {
  checkPublishedDimensions("AWS/DynamoDB", metric, ["TableName", "Operation"]);
  return dynamodb.metrics.systemErrors({ dimensions: { TableName: tableName, Operation: operation }, statistic: "Sum", label: operation });
}

/**
 * HTTP API (v2) metrics. awsx's apigateway helpers describe REST APIs (ApiName dimension, 5XXError),
 * so these are plain Metrics in the AWS/ApiGateway namespace with the ApiId and Stage dimensions.
 */
export function httpApiMetric(metric: "5xx" | "4xx" | "Count" | "Latency", apiId: pulumi.Input<string>, stage: pulumi.Input<string>): cloudwatch.Metric {
  checkPublishedDimensions("AWS/ApiGateway", metric, ["ApiId", "Stage"]);
  return new cloudwatch.Metric({
    namespace: "AWS/ApiGateway",
    name: metric,
    dimensions: { ApiId: apiId, Stage: stage },
    statistic: metric === "Latency" ? undefined : "Sum",
    extendedStatistic: metric === "Latency" ? 99 : undefined,
    unit: metric === "Latency" ? "Milliseconds" : "Count",
  });
}

/**
 * A metric the functions publish themselves (runtime/contract/metrics.ts), per stage: counts as
 * their sum, latencies at a percentile (p99 unless told). With `by`, the series of one value of the
 * metric's second dimension (`Failed` of one `Category`). No unit: counts are published without one.
 */
export function pipelineMetric(metric: SluiceMetric, stage: pulumi.Input<string>, opts: { by?: string; percentile?: number; label?: string } = {}): cloudwatch.Metric {
  const def: MetricDefinition = PIPELINE_METRICS[metric];
  if (opts.by !== undefined && !def.by) throw new Error(`${metric} is published per ${STAGE_DIMENSION} only`);
  const dimensions: Record<string, pulumi.Input<string>> = { [STAGE_DIMENSION]: stage };
  if (opts.by !== undefined && def.by) dimensions[def.by] = opts.by;
  checkPublishedDimensions(METRICS_NAMESPACE, metric, Object.keys(dimensions));
  const latency = def.unit === "Milliseconds";
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    name: metric,
    dimensions,
    statistic: latency ? undefined : "Sum",
    extendedStatistic: latency ? (opts.percentile ?? 99) : undefined,
    label: opts.label,
  });
}
