// The bench's end-to-end rows against DESIGN §8: requests, write units and log bytes per event,
// cost per million at list prices, and Sluice's cost as a ratio to the seed-style pipeline
// measured in the same run.
import { BY_SOURCE_INDEX } from "../runtime/contract/table";
import { costPerMillion } from "./cost";
import type { PhaseResult } from "./end-to-end";
import type { PipelineFigures } from "./pipelines";
import type { Row } from "./report";
import { round } from "./stats";

export const COST_TARGETS = { single: 3.0, batch10: 1.6 };
export const LOG_BYTES_TARGET = 150;

/** Sluice's total cost over the seed-style pipeline's, same mode, same run. */
export function costRatio(sluice: PhaseResult, seed: PhaseResult): number {
  return round(sluice.costPerMillion.total / seed.costPerMillion.total, 3);
}

function units(p: PhaseResult): string {
  const by = Object.entries(p.writeUnitsPerEventByAction)
    .map(([action, u]) => `${action} ${u}`)
    .join(", ");
  return `${p.dynamoWriteUnitsPerEvent} (${by})`;
}

/**
 * The same measured usage with the events kept a month (prod keeps them: each month adds their
 * storage again), so the ratio can be read for prod's retention as well as for this stack's.
 */
export function costKeptAMonth(p: PhaseResult): number {
  return round(costPerMillion({ ...p.usagePerEvent, storedDays: 30 }).total, 4);
}

/**
 * Write units of the keys-only by-source index (config listIndex) per event: an index entry is
 * written when an item gains its keys (the lease put that creates it: 1 unit, keys only) and never
 * when the worker's write leaves them as they were. dynalite reports no index capacity, so this is
 * counted from the measured puts that created an item, not read from a capacity figure.
 */
export function listIndexUnitsPerEvent(p: PhaseResult): number {
  return p.requestsPerEvent["dynamodb.PutItem"] ?? 0;
}

/** The phase's cost per million with the by-source index's write units added. */
export function costWithListIndex(p: PhaseResult): number {
  const units = p.usagePerEvent.dynamoWriteUnits + listIndexUnitsPerEvent(p);
  return round(costPerMillion({ ...p.usagePerEvent, dynamoWriteUnits: units }).total, 4);
}

export function pipelineRows(f: PipelineFigures): Row[] {
  const { single, batch10, seed } = f;
  const rs = single.requestsPerEvent;
  const level = f.config["sluice:logLevel"];
  const dollars = (n: number) => `$${n.toFixed(3)}`;
  const ratioSingle = costRatio(single, seed.single);
  const ratioBatch = costRatio(batch10, seed.batch10);
  return [
    { figure: "DynamoDB writes per event, single POST", measured: String(single.dynamoWritesPerEvent), target: "≤ 2", pass: single.dynamoWritesPerEvent <= 2 },
    { figure: "DynamoDB writes per event, batch of 10", measured: String(batch10.dynamoWritesPerEvent), target: "≤ 2", pass: batch10.dynamoWritesPerEvent <= 2 },
    { figure: "DynamoDB write units per 1 KB event, single POST", measured: units(single), target: "≤ 2", pass: single.dynamoWriteUnitsPerEvent <= 2 },
    { figure: "DynamoDB write units per 1 KB event, batch of 10", measured: units(batch10), target: "≤ 2", pass: batch10.dynamoWriteUnitsPerEvent <= 2 },
    {
      figure: "the same with listIndex on (dev, prod): write units, single / batch of 10",
      measured: `${round(single.dynamoWriteUnitsPerEvent + listIndexUnitsPerEvent(single), 3)} / ${round(batch10.dynamoWriteUnitsPerEvent + listIndexUnitsPerEvent(batch10), 3)} (+ ${BY_SOURCE_INDEX} index ${listIndexUnitsPerEvent(single)}: the lease put's entry)`,
      target: "comparison",
      pass: undefined,
    },
    { figure: "stored item per 1 KB event", measured: `${single.itemBytes} B (seed-style: ${seed.single.itemBytes} B)`, target: "≤ 1 KB", pass: single.itemBytes <= 1024 },
    { figure: "API requests per event, single POST", measured: String(rs.httpRequests), target: "1", pass: rs.httpRequests <= 1 },
    { figure: "SQS requests per event, single POST", measured: `${rs.sqsTotal} (send ${rs.sqsSends}, receive ${rs.sqsReceives}, delete ${rs.sqsDeletes}, other ${rs.sqsOther})`, target: "≤ 1.3", pass: rs.sqsTotal <= 1.3 },
    { figure: `log bytes per event at the prod level (${level}), single POST`, measured: String(single.logBytesPerEvent), target: `≤ ${LOG_BYTES_TARGET}`, pass: single.logBytesPerEvent <= LOG_BYTES_TARGET },
    { figure: `log bytes per event at the prod level (${level}), batch of 10`, measured: String(batch10.logBytesPerEvent), target: `≤ ${LOG_BYTES_TARGET}`, pass: batch10.logBytesPerEvent <= LOG_BYTES_TARGET },
    { figure: `cost per million events, single POST (storage: ${f.storedDays} days)`, measured: dollars(single.costPerMillion.total), target: `≤ $${COST_TARGETS.single.toFixed(2)}`, pass: single.costPerMillion.total <= COST_TARGETS.single },
    { figure: `cost per million events, batch of 10 (storage: ${f.storedDays} days)`, measured: dollars(batch10.costPerMillion.total), target: `≤ $${COST_TARGETS.batch10.toFixed(2)}`, pass: batch10.costPerMillion.total <= COST_TARGETS.batch10 },
    {
      figure: "cost per million with listIndex on (dev, prod): single / batch of 10",
      measured: `${dollars(costWithListIndex(single))} / ${dollars(costWithListIndex(batch10))}`,
      target: "comparison",
      pass: undefined,
    },
    { figure: "seed-style pipeline, cost per million, single POST", measured: dollars(seed.single.costPerMillion.total), target: "comparison", pass: undefined },
    { figure: "seed-style pipeline, cost per million, batch of 10", measured: dollars(seed.batch10.costPerMillion.total), target: "comparison", pass: undefined },
    { figure: "Sluice / seed-style cost, single POST", measured: `${ratioSingle} ×`, target: "< 1.0 ×", pass: ratioSingle < 1 },
    { figure: "Sluice / seed-style cost, batch of 10", measured: `${ratioBatch} ×`, target: "< 1.0 ×", pass: ratioBatch < 1 },
    {
      figure: "the same, events kept a month (prod): single / batch of 10",
      measured: `${dollars(costKeptAMonth(single))} / ${dollars(costKeptAMonth(seed.single))} = ${round(costKeptAMonth(single) / costKeptAMonth(seed.single), 3)} ×; ${dollars(costKeptAMonth(batch10))} / ${dollars(costKeptAMonth(seed.batch10))} = ${round(costKeptAMonth(batch10) / costKeptAMonth(seed.batch10), 3)} ×`,
      target: "comparison",
      pass: undefined,
    },
  ];
}
