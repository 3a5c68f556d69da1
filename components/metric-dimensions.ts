// The dimension sets each CloudWatch metric the pipeline watches is really published with. A metric
// addressed with any other set is a series that never has data: its alarm stays OK forever and its
// widget stays empty (CloudWatch matches a metric by namespace, name and the exact set of
// dimensions). Mocks cannot tell, so the metrics are checked against this table when they are built,
// and the component tests check every alarm and widget of the program graph against it too.
//
// Sources (AWS documentation):
// - AWS/Lambda: Lambda Developer Guide, "Types of metrics for Lambda functions" and "Viewing metrics
//   for Lambda functions": FunctionName; FunctionName + Resource (version or alias); FunctionName +
//   ExecutedVersion; and the account-wide aggregate with no dimension.
// - AWS/SQS: SQS Developer Guide, "Available CloudWatch metrics for Amazon SQS": the only
//   dimension is QueueName.
// - AWS/DynamoDB: DynamoDB Developer Guide, "DynamoDB Metrics and dimensions": the throttle events
//   and consumed capacity per TableName (or TableName + GlobalSecondaryIndexName); SystemErrors and
//   ThrottledRequests only per TableName + Operation; UserErrors only account-wide.
// - AWS/ApiGateway (HTTP APIs): API Gateway Developer Guide, "Monitor CloudWatch metrics for HTTP
//   APIs in API Gateway": ApiId; ApiId + Stage; ApiId + Stage + Route (with detailed metrics). The
//   REST API names (ApiName, 4XXError, 5XXError) are a different API type and are not listed.
// - Sluice (the pipeline's own metrics): published by the functions as embedded metric format log
//   lines (runtime/metrics.ts) with exactly the dimension sets of runtime/contract/metrics.ts.
import { METRICS_NAMESPACE, metricDimensionSets, PIPELINE_METRICS } from "../runtime/contract/metrics";
import type { SluiceMetric } from "../runtime/contract/metrics";

/** namespace → metric → the dimension-name sets it is published with (each sorted). */
export const PUBLISHED_DIMENSIONS: Record<string, Record<string, string[][]>> = {
  "AWS/Lambda": Object.fromEntries(
    ["Invocations", "Errors", "Throttles", "Duration", "ConcurrentExecutions"].map((m) => [
      m,
      [[], ["FunctionName"], ["FunctionName", "Resource"], ["ExecutedVersion", "FunctionName"]],
    ]),
  ),
  "AWS/SQS": Object.fromEntries(
    ["ApproximateAgeOfOldestMessage", "ApproximateNumberOfMessagesVisible", "ApproximateNumberOfMessagesNotVisible", "NumberOfMessagesSent", "NumberOfMessagesReceived", "NumberOfMessagesDeleted"].map(
      (m) => [m, [["QueueName"]]],
    ),
  ),
  "AWS/DynamoDB": {
    ConsumedReadCapacityUnits: [["TableName"], ["GlobalSecondaryIndexName", "TableName"]],
    ConsumedWriteCapacityUnits: [["TableName"], ["GlobalSecondaryIndexName", "TableName"]],
    ReadThrottleEvents: [["TableName"], ["GlobalSecondaryIndexName", "TableName"]],
    WriteThrottleEvents: [["TableName"], ["GlobalSecondaryIndexName", "TableName"]],
    SystemErrors: [["Operation", "TableName"]],
    ThrottledRequests: [["Operation", "TableName"]],
    UserErrors: [[]],
  },
  "AWS/ApiGateway": Object.fromEntries(
    ["4xx", "5xx", "Count", "Latency", "IntegrationLatency", "DataProcessed"].map((m) => [m, [["ApiId"], ["ApiId", "Stage"], ["ApiId", "Route", "Stage"]]]),
  ),
  [METRICS_NAMESPACE]: Object.fromEntries((Object.keys(PIPELINE_METRICS) as SluiceMetric[]).map((m) => [m, metricDimensionSets(m)])),
};

/** The DynamoDB `Operation` dimension value for an IAM action (`dynamodb:GetItem` → `GetItem`). */
export function dynamoOperationOf(action: string): string {
  const [service, operation] = action.split(":");
  if (service !== "dynamodb" || !operation) throw new Error(`${action} is not a DynamoDB action`);
  return operation;
}

/**
 * Refuses a metric addressed with a dimension set it is not published with, or one this table
 * does not know (add it here, with its source, before watching it).
 */
export function checkPublishedDimensions(namespace: string, metric: string, dimensionNames: readonly string[]): void {
  const sets = PUBLISHED_DIMENSIONS[namespace]?.[metric];
  if (!sets) throw new Error(`${namespace} ${metric} is not in components/metric-dimensions.ts: add its published dimension sets first`);
  const given = [...dimensionNames].sort();
  if (!sets.some((set) => set.length === given.length && set.every((d, i) => d === given[i]))) {
    const shown = sets.map((s) => `{${s.join(", ")}}`).join(" or ");
    throw new Error(`${namespace} ${metric} is never published with dimensions {${given.join(", ")}}: CloudWatch has it only per ${shown}, so an alarm on it could never fire`);
  }
}
