// The pipeline's metrics as CloudWatch embedded metric format (EMF) log lines: CloudWatch Logs
// extracts the metrics from the function's own log group, so no agent and no PutMetricData call
// (AWS CloudWatch User Guide, "Specification: Embedded metric format"). A handler counts what one
// request or one batch did into a tally and writes it once, aggregated: one line in the common
// case, one more per extra dimension value (a second failure category, say), because one EMF
// document holds one value per dimension. Hand-written rather than Powertools Metrics, whose
// packages would take a zip past the 150 KB budget (README, "Metrics").
import { METRICS_NAMESPACE, PIPELINE_METRICS, STAGE_DIMENSION } from "./contract/metrics";
import type { MetricDefinition, SluiceMetric } from "./contract/metrics";
import type { LogSink } from "./log";

/** EMF takes at most 100 values of one metric in one document. */
export const MAX_EMF_VALUES = 100;

/** What one request or one batch counted. Plain objects: handlers build one per invocation. */
export interface MetricTally {
  counts: Partial<Record<SluiceMetric, number>>;
  /** Counts of the metrics published by a second dimension too (`Rejected` by `Reason`, `Failed` by `Category`). */
  byDimension: { metric: SluiceMetric; value: string; n: number }[];
  values: Partial<Record<SluiceMetric, number[]>>;
}

export function createTally(): MetricTally {
  return { counts: {}, byDimension: [], values: {} };
}

/** Adds `n` to `metric`; a metric published by a second dimension needs that dimension's value. */
export function count(tally: MetricTally, metric: SluiceMetric, n = 1, dimensionValue?: string): void {
  if (n <= 0) return;
  const def: MetricDefinition = PIPELINE_METRICS[metric];
  if (def.by) {
    const value = dimensionValue ?? "unknown";
    const entry = tally.byDimension.find((e) => e.metric === metric && e.value === value);
    if (entry) entry.n += n;
    else tally.byDimension.push({ metric, value, n });
    return;
  }
  tally.counts[metric] = (tally.counts[metric] ?? 0) + n;
}

/** Records one value (a latency) of `metric`. */
export function observe(tally: MetricTally, metric: SluiceMetric, value: number): void {
  (tally.values[metric] ??= []).push(Math.max(0, Math.round(value)));
}

/**
 * The level an EMF line carries so that Lambda's log-level filter (JSON log format) keeps it at
 * the function's level: a line without one counts as INFO and is dropped at WARN. Undefined for
 * `silent` (tests): no lines at all.
 */
export function emfLevel(logLevel: string): string | undefined {
  if (logLevel === "silent") return undefined;
  return logLevel === "warn" || logLevel === "error" ? logLevel : "info";
}

interface Directive {
  Namespace: string;
  Dimensions: string[][];
  Metrics: { Name: string; Unit?: string }[];
}

function metricEntry(metric: SluiceMetric): { Name: string; Unit?: string } {
  const unit: string = PIPELINE_METRICS[metric].unit;
  return unit === "None" ? { Name: metric } : { Name: metric, Unit: unit };
}

function line(stage: string, timestampMs: number, level: string, directives: Directive[], fields: Record<string, unknown>): string {
  return JSON.stringify({
    _aws: { Timestamp: timestampMs, CloudWatchMetrics: directives },
    [STAGE_DIMENSION]: stage,
    ...fields,
    level,
    // Lambda reads a line's level only with a valid RFC 3339 timestamp beside it.
    timestamp: new Date(timestampMs).toISOString(),
  });
}

/** The EMF lines for `tally`: [] when it counted nothing. */
export function emfLines(tally: MetricTally, opts: { stage: string; timestampMs: number; level: string }): string[] {
  const stageOnly = (metrics: SluiceMetric[]): Directive => ({ Namespace: METRICS_NAMESPACE, Dimensions: [[STAGE_DIMENSION]], Metrics: metrics.map(metricEntry) });
  const byDirective = (metric: SluiceMetric): Directive => {
    const by = (PIPELINE_METRICS[metric] as MetricDefinition).by!;
    return { Namespace: METRICS_NAMESPACE, Dimensions: [[STAGE_DIMENSION], [STAGE_DIMENSION, by]], Metrics: [metricEntry(metric)] };
  };
  const docs: { directives: Directive[]; fields: Record<string, unknown> }[] = [];
  const main = { directives: [] as Directive[], fields: {} as Record<string, unknown> };
  const plain = (Object.keys(tally.counts) as SluiceMetric[]).filter((m) => (tally.counts[m] ?? 0) > 0);
  const measured = (Object.keys(tally.values) as SluiceMetric[]).filter((m) => (tally.values[m] ?? []).length > 0);
  if (plain.length + measured.length > 0) main.directives.push(stageOnly([...plain, ...measured]));
  for (const m of plain) main.fields[m] = tally.counts[m];
  const overflow: SluiceMetric[] = [];
  for (const m of measured) {
    const values = tally.values[m]!;
    main.fields[m] = values.length === 1 ? values[0] : values.slice(0, MAX_EMF_VALUES);
    if (values.length > MAX_EMF_VALUES) overflow.push(m);
  }
  // The first extra dimension value rides in the main line; each further one needs its own.
  tally.byDimension.forEach((e, i) => {
    const by = (PIPELINE_METRICS[e.metric] as MetricDefinition).by!;
    const target = i === 0 ? main : { directives: [] as Directive[], fields: {} as Record<string, unknown> };
    target.directives.push(byDirective(e.metric));
    target.fields[by] = e.value;
    target.fields[e.metric] = e.n;
    if (target !== main) docs.push(target);
  });
  if (main.directives.length > 0) docs.unshift(main);
  for (const m of overflow) {
    const values = tally.values[m]!;
    for (let i = MAX_EMF_VALUES; i < values.length; i += MAX_EMF_VALUES) docs.push({ directives: [stageOnly([m])], fields: { [m]: values.slice(i, i + MAX_EMF_VALUES) } });
  }
  return docs.map((d) => line(opts.stage, opts.timestampMs, opts.level, d.directives, d.fields));
}

export interface MetricsWriter {
  /** Writes `tally` as EMF lines (none when it is empty, or at level `silent`). */
  write(tally: MetricTally): void;
}

function writeStdout(text: string): void {
  process.stdout.write(text + "\n");
}

export function createMetricsWriter(opts: { stage: string; logLevel: string; sink?: LogSink; now?: () => number }): MetricsWriter {
  const level = emfLevel(opts.logLevel);
  const sink = opts.sink ?? writeStdout;
  const now = opts.now ?? Date.now;
  return {
    write(tally) {
      if (level === undefined) return;
      for (const l of emfLines(tally, { stage: opts.stage, timestampMs: now(), level })) sink(l);
    },
  };
}
