// The end-to-end part of the bench: Sluice and the seed-style comparison (bench/seed-stack.ts),
// each a local stack from its program on the same machine, their phases interleaved so both see
// the same load from whatever else shares the machine; then the throughput figures on Sluice.
import * as path from "node:path";
import * as fs from "node:fs";
import { startLocalStack, type LocalStack } from "../local/stack";
import { loadStackConfig } from "../local/program/stack-config";
import { routeKey } from "../runtime/contract/routes";
import { drainStack, LogMeter, runPhase, type PhaseResult } from "./end-to-end";
import { seedProject } from "./seed-stack";
import { cpuPerUnit, cpuSnapshot } from "./process-cpu";
import { round } from "./stats";
import { runLoad, type LoadResult } from "./throughput";

export interface PipelinePlan {
  stack: string;
  events: number;
  loadSeconds: number;
  /** Requests in flight in the throughput load. */
  concurrency: number;
  /** Requests in flight in the counted phases (see run.ts for why it is low). */
  phaseConcurrency: number;
  step: (msg: string) => void;
}

export interface PipelineFigures {
  /** The config the stacks ran with beyond the stack file. */
  config: Record<string, string>;
  storedDays: number;
  single: PhaseResult;
  batch10: PhaseResult;
  seed: { single: PhaseResult; batch10: PhaseResult };
  /** CPU ms per accepted event and per raw put, by process (undefined without /proc). */
  load: { ingest: LoadResult; dynamo: LoadResult; workerDrainMs: number; cpuMsPerEvent?: Record<string, number>; cpuMsPerRawPut?: Record<string, number> };
}

/**
 * The stack's config, with the stage throttle out of the way (the bench measures the pipeline, not
 * the throttle), prod's log level (the log target is "at the prod log level"), and the pipeline as
 * DESIGN §8 prices it, the default: no by-source list index (its one write unit per event is
 * reported beside, rows.ts) and no failure modes (their reads are a gameday's, not production's).
 */
export function benchConfig(stack: string): Record<string, string> {
  const prodLevel = loadStackConfig("prod")["sluice:logLevel"];
  return {
    "sluice:throttleRateLimit": "100000",
    "sluice:throttleBurstLimit": "100000",
    "sluice:logLevel": prodLevel,
    "sluice:listIndex": "false",
    "sluice:failureModes": "false",
  };
}

export async function measurePipelines(plan: PipelinePlan, workDir: string): Promise<PipelineFigures> {
  const config = benchConfig(plan.stack);
  const stackConfig = loadStackConfig(plan.stack);
  // Kept N days, or for good (0): storage is priced for N days, at most one month.
  const retention = Number(stackConfig["sluice:eventRetentionDays"] ?? 0);
  const storedDays = retention > 0 ? retention : 30;
  const sluiceLogs = new LogMeter();
  const seedLogs = new LogMeter();
  const seedDir = seedProject(fs.mkdtempSync(path.join(workDir, "seed-")));
  plan.step("local stacks: Sluice, and the seed-style comparison");
  const sluice = await startLocalStack({ stack: plan.stack, port: 0, dataDir: path.join(workDir, "data"), config, log: sluiceLogs.sink });
  let seed: LocalStack | undefined;
  try {
    seed = await startLocalStack({ stack: plan.stack, port: 0, dataDir: path.join(workDir, "seed-data"), projectDir: seedDir, config, log: seedLogs.sink });
    const phase = (stack: LocalStack, logs: LogMeter, label: string, events: number, batch: number) => runPhase(stack, logs, { label, events, batch, concurrency: plan.phaseConcurrency, storedDays });
    plan.step("warm-up, both (not counted)");
    await phase(sluice, sluiceLogs, "warm", 20, 1);
    await phase(seed, seedLogs, "seedwarm", 20, 1);
    plan.step(`${plan.events} single-event POSTs, end to end: Sluice, then seed-style`);
    const single = await phase(sluice, sluiceLogs, "single", plan.events, 1);
    const seedSingle = await phase(seed, seedLogs, "seedsingle", plan.events, 1);
    plan.step(`${plan.events} events in POSTs of 10, end to end: Sluice, then seed-style`);
    const batch10 = await phase(sluice, sluiceLogs, "batch", plan.events, 10);
    const seedBatch = await phase(seed, seedLogs, "seedbatch", plan.events, 10);
    await seed.stop();
    seed = undefined;
    plan.step(`autocannon ${routeKey("postEvent")}, ${plan.concurrency} connections, ${plan.loadSeconds} s`);
    const cpuBefore = cpuSnapshot(sluice);
    const ingest = await runLoad(["http", String(sluice.apiUrl), String(plan.concurrency), String(plan.loadSeconds)]);
    // The worker is still storing what the load queued: the raw puts get a quiet dynalite.
    plan.step("waiting for the worker to store what the load queued");
    const workerDrainMs = await drainStack(sluice, 300_000);
    // What an accepted event cost, in CPU, in each process: its whole way through the pipeline.
    const cpuMsPerEvent = withLoadGenerator(cpuPerUnit(cpuBefore, cpuSnapshot(sluice), ingest.ok), ingest);
    plan.step(`raw dynalite conditional puts, ${plan.concurrency} concurrent, ${plan.loadSeconds} s`);
    const rawBefore = cpuSnapshot(sluice);
    const dynamo = await runLoad(["dynamo", sluice.endpoints.dynamodb, String(plan.concurrency), String(plan.loadSeconds), String(sluice.outputs.tableName)]);
    const cpuMsPerRawPut = withLoadGenerator(cpuPerUnit(rawBefore, cpuSnapshot(sluice), dynamo.ok), dynamo);
    return { config, storedDays, single, batch10, seed: { single: seedSingle, batch10: seedBatch }, load: { ingest, dynamo, workerDrainMs, cpuMsPerEvent, cpuMsPerRawPut } };
  } finally {
    await seed?.stop();
    await sluice.stop();
  }
}

function withLoadGenerator(perUnit: Record<string, number> | undefined, load: { cpuMs: number; ok: number }): Record<string, number> | undefined {
  if (!perUnit) return undefined;
  const all = { ...perUnit, "load generator": load.cpuMs / Math.max(1, load.ok) };
  return Object.fromEntries(Object.entries(all).filter(([, ms]) => ms >= 0.005).map(([k, ms]) => [k, round(ms, 3)]));
}
