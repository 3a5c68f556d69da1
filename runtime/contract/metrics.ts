// The pipeline's own CloudWatch metrics: the namespace, every metric the functions publish as
// embedded metric format (EMF) log lines (runtime/metrics.ts writes them), its unit, and the
// dimension sets it is published with. The alarms and the dashboard address these metrics
// (components/pipeline-metrics.ts), and components/metric-dimensions.ts checks every address
// against the sets below, so a metric is watched exactly as it is published.
//
// Cardinality (README, "Metrics"): every metric is published per `Stage` (one value per stack);
// `Rejected` also per `Stage` + `Reason` (a problem slug: runtime/contract/problems.ts, about ten)
// and `Failed` also per `Stage` + `Category` (the five failure categories). An event's `type` is
// never a dimension: producers choose it (with unknownTypes=accept there is no bound), and each
// distinct dimension value is one more custom metric, billed monthly.

/** The CloudWatch namespace of every Sluice metric. */
export const METRICS_NAMESPACE = "Sluice";

/** DESIGN §3.5: every failure is one of these; they are the values of the `Category` dimension. */
export const FAILURE_CATEGORIES = ["VALIDATION", "TRANSIENT", "PERMANENT", "TIMEOUT", "PROCESSING"] as const;

/** The dimension every metric carries: the stack name. */
export const STAGE_DIMENSION = "Stage";

/** Counts are published without a unit (CloudWatch's None), which keeps each line short. */
export type MetricUnit = "None" | "Milliseconds";

export interface MetricDefinition {
  /** The function that publishes it. */
  fn: "ingest" | "worker";
  unit: MetricUnit;
  /** A dimension the metric is also published by, beside `Stage` alone. */
  by?: "Reason" | "Category";
  /** What one count or value is. */
  doc: string;
}

export const PIPELINE_METRICS = {
  Accepted: { fn: "ingest", unit: "None", doc: "events accepted (202) for the first time" },
  Replayed: { fn: "ingest", unit: "None", doc: "events answered as a replay (202, Idempotent-Replayed)" },
  Rejected: { fn: "ingest", unit: "None", by: "Reason", doc: "events (or whole requests) refused with a 4xx other than 409, by problem slug" },
  InFlight: { fn: "ingest", unit: "None", doc: "events answered 409: the same key is still in flight" },
  Unavailable: { fn: "ingest", unit: "None", doc: "events (or whole requests) answered 503: the table or the queue failed" },
  IngestMs: { fn: "ingest", unit: "Milliseconds", doc: "one request's time in the ingest handler" },
  Processed: { fn: "worker", unit: "None", doc: "records stored as processed by this delivery" },
  Duplicates: { fn: "worker", unit: "None", doc: "redelivered records that were already stored (acked, not written)" },
  Conflicts: { fn: "worker", unit: "None", doc: "records whose key another payload owns (acked, never written)" },
  Failed: { fn: "worker", unit: "None", by: "Category", doc: "records that failed in this delivery, by category (stored failed, or retried)" },
  Retried: { fn: "worker", unit: "None", doc: "records returned to the queue for another delivery (retried failures, poison, publish failures)" },
  Poison: { fn: "worker", unit: "None", doc: "messages the worker cannot read; redelivered until the DLQ takes them" },
  EndToEndMs: { fn: "worker", unit: "Milliseconds", doc: "receipt at the ingest to stored, per record stored by this delivery" },
  Published: { fn: "worker", unit: "None", doc: "events put on the fan-out bus" },
  PublishFailed: { fn: "worker", unit: "None", doc: "events the bus refused; their records are retried" },
} as const satisfies Record<string, MetricDefinition>;

export type SluiceMetric = keyof typeof PIPELINE_METRICS;

/** The dimension-name sets `metric` is published with, each sorted. */
export function metricDimensionSets(metric: SluiceMetric): string[][] {
  const def: MetricDefinition = PIPELINE_METRICS[metric];
  return def.by ? [[STAGE_DIMENSION], [def.by, STAGE_DIMENSION].sort()] : [[STAGE_DIMENSION]];
}
