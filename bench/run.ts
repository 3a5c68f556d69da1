// `npm run bench [-- --quick]`: measures Sluice's size, speed and cost per event on this machine,
// prints them beside the targets of DESIGN §8, and writes bench/results/latest.json plus a dated
// copy. Every figure comes from a measurement made in this run.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildSdkLayer } from "../local/lambda/sdk-layer";
import { routeKey } from "../runtime/contract/routes";
import { startLocalStack } from "../local/stack";
import { measureColdInit, type InitResult } from "./cold-init";
import { buildVariantArchives, measureDefaultZips } from "./default-zip";
import { drainStack, LogMeter, runPhase, writeJson } from "./end-to-end";
import { measureIngestCpu } from "./ingest-cpu";
import { buildFunctionPackages } from "./packages";
import { cpuPerUnit, cpuSnapshot } from "./process-cpu";
import { markdownTable, textTable, type Row } from "./report";
import { round } from "./stats";
import { runLoad } from "./throughput";
import { measureWorkerBatch } from "./worker-batch";

const quick = process.argv.includes("--quick");
const PLAN = quick
  ? { initRuns: 5, cpuIterations: 2000, cpuRounds: 5, workerBatches: 10, events: 100, loadSeconds: 5 }
  : { initRuns: 9, cpuIterations: 10000, cpuRounds: 9, workerBatches: 30, events: 1000, loadSeconds: 20 };
const STACK = "dev";
const CONCURRENCY = 8;
const LATENCY_MS = 10;
// The dev stage throttles at 50 requests/s; the bench measures the pipeline, not the throttle.
const LOAD_CONFIG = { "sluice:throttleRateLimit": "100000", "sluice:throttleBurstLimit": "100000" };

function step(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/** Adds the load generator's own CPU per unit to a per-process breakdown (processes with nothing to show are left out). */
function withLoadGenerator(perUnit: Record<string, number> | undefined, load: { cpuMs: number; ok: number }): Record<string, number> | undefined {
  if (!perUnit) return undefined;
  const all = { ...perUnit, "load generator": load.cpuMs / Math.max(1, load.ok) };
  return Object.fromEntries(Object.entries(all).filter(([, ms]) => ms >= 0.005).map(([k, ms]) => [k, round(ms, 3)]));
}

function cpuLine(perUnit: Record<string, number> | undefined): string {
  if (!perUnit) return "n/a (no /proc)";
  const total = Object.values(perUnit).reduce((a, b) => a + b, 0);
  return `${total.toFixed(2)} ms: ${Object.entries(perUnit).sort((a, b) => b[1] - a[1]).map(([k, ms]) => `${k} ${ms.toFixed(2)}`).join(", ")}`;
}

async function main(): Promise<void> {
  const started = Date.now();
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-bench-"));
  try {
    step("function packages (program under mocks)");
    const packages = await buildFunctionPackages(STACK, workDir);
    const zipBytes = Object.fromEntries(packages.map((p) => [p.label, p.zipBytes]));
    step("default CallbackFunction packages (no codePathOptions)");
    const zipBytesDefault = await measureDefaultZips(workDir);

    step(`cold init, ${PLAN.initRuns} fresh processes each`);
    const nodePath = buildSdkLayer(path.join(workDir, "sdk-layer"));
    const init: Record<string, InitResult> = {};
    for (const p of packages) init[p.label] = measureColdInit(p, nodePath, PLAN.initRuns);

    step(`the alternative: the AWS SDK in the zip (zip and cold init, ${PLAN.initRuns} processes each, nothing on NODE_PATH)`);
    const sdkInZip: Record<string, { zipBytes: number; init: InitResult }> = {};
    for (const [label, built] of Object.entries(await buildVariantArchives(workDir, "sdk in zip"))) {
      const pkg = packages.find((p) => p.label === label)!;
      sdkInZip[label] = { zipBytes: built.zipBytes, init: measureColdInit({ ...pkg, dir: built.dir, zipBytes: built.zipBytes }, "", PLAN.initRuns) };
    }

    step("ingest CPU");
    const cpu = measureIngestCpu({ iterations: PLAN.cpuIterations, rounds: PLAN.cpuRounds });

    step(`worker batch of 10 with ${LATENCY_MS} ms per store call`);
    const worker = await measureWorkerBatch({ batches: PLAN.workerBatches, latencyMs: LATENCY_MS, batchSize: 10 });

    step("local stack");
    const logs = new LogMeter();
    const stack = await startLocalStack({ stack: STACK, port: 0, dataDir: path.join(workDir, "data"), config: LOAD_CONFIG, log: logs.sink });
    let single, batch10, ingestLoad, rawPuts, cpuPerEvent, cpuPerPut;
    let workerDrainMs = 0;
    try {
      const windowSeconds = Number((await import("../local/program/stack-config")).loadStackConfig(STACK)["sluice:idempotencyWindowSeconds"] ?? 86400);
      step("warm-up (not counted)");
      await runPhase(stack, logs, { label: "warm", events: 20, batch: 1, concurrency: CONCURRENCY, windowSeconds });
      step(`${PLAN.events} single-event POSTs, end to end`);
      single = await runPhase(stack, logs, { label: "single", events: PLAN.events, batch: 1, concurrency: CONCURRENCY, windowSeconds });
      step(`${PLAN.events} events in POSTs of 10, end to end`);
      batch10 = await runPhase(stack, logs, { label: "batch", events: PLAN.events, batch: 10, concurrency: CONCURRENCY, windowSeconds });
      step(`autocannon ${routeKey("postEvent")}, ${CONCURRENCY} connections, ${PLAN.loadSeconds} s`);
      const cpuBefore = cpuSnapshot(stack);
      ingestLoad = await runLoad(["http", String(stack.apiUrl), String(CONCURRENCY), String(PLAN.loadSeconds)]);
      // The worker is still storing what the load queued: the raw puts get a quiet dynalite.
      step("waiting for the worker to store what the load queued");
      workerDrainMs = await drainStack(stack, 300_000);
      // What an accepted event cost, in CPU, in each process: its whole way through the pipeline.
      cpuPerEvent = withLoadGenerator(cpuPerUnit(cpuBefore, cpuSnapshot(stack), ingestLoad.ok), ingestLoad);
      step(`raw dynalite conditional puts, ${CONCURRENCY} concurrent, ${PLAN.loadSeconds} s`);
      const rawBefore = cpuSnapshot(stack);
      rawPuts = await runLoad(["dynamo", stack.endpoints.dynamodb, String(CONCURRENCY), String(PLAN.loadSeconds), String(stack.outputs.tableName)]);
      cpuPerPut = withLoadGenerator(cpuPerUnit(rawBefore, cpuSnapshot(stack), rawPuts.ok), rawPuts);
    } finally {
      await stack.stop();
    }

    const initRatio = Object.fromEntries(Object.entries(init).map(([k, v]) => [k, round(v.ratio, 3)]));
    const localIngestRatio = round(ingestLoad.perSec / rawPuts.perSec, 3);
    const results = {
      date: new Date().toISOString(),
      mode: quick ? "quick" : "full",
      machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, platform: `${os.platform()} ${os.arch()}` },
      stack: STACK,
      zipBytes,
      zipBytesDefault,
      sdkInZip: Object.fromEntries(Object.entries(sdkInZip).map(([k, v]) => [k, { zipBytes: v.zipBytes, archiveInitMs: round(v.init.archiveMs, 1) }])),
      initRatio,
      init,
      requestsPerEvent: { single: single.requestsPerEvent, batch10: batch10.requestsPerEvent },
      dynamoWritesPerEvent: single.dynamoWritesPerEvent,
      dynamoWritesPerEventBatch10: batch10.dynamoWritesPerEvent,
      costPerMillion: { single: single.costPerMillion, batch10: batch10.costPerMillion },
      usagePerEvent: { single: single.usagePerEvent, batch10: batch10.usagePerEvent },
      lambda: { single: single.lambda, batch10: batch10.lambda },
      endToEnd: { single: { events: single.events, posts: single.posts, accepted: single.accepted, drainMs: single.drainMs, excluded: single.excluded }, batch10: { events: batch10.events, posts: batch10.posts, accepted: batch10.accepted, drainMs: batch10.drainMs, excluded: batch10.excluded } },
      workerBatchMs: round(worker.msPerBatch, 2),
      worker,
      ingestCpuMicros: round(cpu.microsPerEvent, 2),
      ingestCpu: cpu,
      localIngestPerSec: round(ingestLoad.perSec, 1),
      localDynamoPutsPerSec: round(rawPuts.perSec, 1),
      localIngestRatio,
      load: { concurrency: CONCURRENCY, seconds: PLAN.loadSeconds, workerDrainMsAfterLoad: workerDrainMs, ingest: ingestLoad, dynamo: rawPuts, cpuMsPerEvent: cpuPerEvent, cpuMsPerRawPut: cpuPerPut, config: LOAD_CONFIG },
      seconds: 0,
      table: [] as Row[],
    };

    const rs = single.requestsPerEvent;
    const rows: Row[] = [
      ...packages.map((p) => ({ figure: `zip: ${p.label}`, measured: kb(p.zipBytes), target: "≤ 150 KB", pass: p.zipBytes <= 150 * 1024 })),
      ...packages.map((p) => ({ figure: `zip: ${p.label}, default CallbackFunction`, measured: kb(zipBytesDefault[p.label]), target: "comparison", pass: undefined })),
      ...packages.map((p) => ({ figure: `zip: ${p.label}, AWS SDK in the zip`, measured: kb(sdkInZip[p.label].zipBytes), target: "comparison (budget 150 KB)", pass: undefined })),
      ...packages.map((p) => ({
        figure: `cold init: ${p.label}, AWS SDK in the zip (median of ${PLAN.initRuns})`,
        measured: `${sdkInZip[p.label].init.archiveMs.toFixed(1)} ms (SDK from the runtime: ${init[p.label].archiveMs.toFixed(1)} ms)`,
        target: "comparison",
        pass: undefined,
      })),
      ...packages.map((p) => ({
        figure: `cold init: ${p.label} (median of ${PLAN.initRuns})`,
        measured: `${initRatio[p.label]} × (${init[p.label].archiveMs.toFixed(1)} / ${init[p.label].baselineMs.toFixed(1)} ms)`,
        target: "≤ 1.3 ×",
        pass: init[p.label].ratio <= 1.3,
      })),
      { figure: "DynamoDB writes per event, single POST", measured: String(single.dynamoWritesPerEvent), target: "≤ 2", pass: single.dynamoWritesPerEvent <= 2 },
      { figure: "DynamoDB writes per event, batch of 10", measured: String(batch10.dynamoWritesPerEvent), target: "≤ 2", pass: batch10.dynamoWritesPerEvent <= 2 },
      { figure: "API requests per event, single POST", measured: String(rs.httpRequests), target: "1", pass: rs.httpRequests <= 1 },
      { figure: "SQS requests per event, single POST", measured: `${rs.sqsTotal} (send ${rs.sqsSends}, receive ${rs.sqsReceives}, delete ${rs.sqsDeletes}, other ${rs.sqsOther})`, target: "≤ 1.3", pass: rs.sqsTotal <= 1.3 },
      { figure: "cost per million events, single POST", measured: `$${single.costPerMillion.total.toFixed(3)}`, target: "≤ $3.00", pass: single.costPerMillion.total <= 3 },
      { figure: "cost per million events, batch of 10", measured: `$${batch10.costPerMillion.total.toFixed(3)}`, target: "≤ $1.00", pass: batch10.costPerMillion.total <= 1 },
      { figure: "ingest CPU per 1 KB event", measured: `${results.ingestCpuMicros} µs`, target: "≤ 100 µs", pass: cpu.microsPerEvent <= 100 },
      {
        figure: `worker batch of 10, ${LATENCY_MS} ms per store call`,
        measured: `${results.workerBatchMs} ms = ${(worker.msPerBatch / worker.roundTripMs).toFixed(2)} round trips (${worker.storeCallsPerBatch} store calls; the same calls alone, in parallel: ${worker.parallelStoreMs.toFixed(1)} ms; serial would be ≈ ${(worker.storeCallsPerBatch * worker.roundTripMs).toFixed(0)} ms)`,
        target: `≤ 2 round trips (${(2 * worker.roundTripMs).toFixed(1)} ms)`,
        pass: worker.msPerBatch <= 2 * worker.roundTripMs,
      },
      { figure: `local ingest, ${routeKey("postEvent")}, ${CONCURRENCY} connections`, measured: `${results.localIngestPerSec}/s (answers: ${Object.entries(ingestLoad.statuses).map(([c, n]) => `${c}×${n}`).join(", ")})`, target: "comparison", pass: undefined },
      { figure: `raw dynalite conditional puts, ${CONCURRENCY} concurrent`, measured: `${results.localDynamoPutsPerSec}/s`, target: "comparison", pass: undefined },
      { figure: "CPU per accepted event, by process", measured: cpuLine(cpuPerEvent), target: "comparison", pass: undefined },
      { figure: "CPU per raw put, by process", measured: cpuLine(cpuPerPut), target: "comparison", pass: undefined },
      { figure: "local ingest / raw dynalite puts", measured: `${(localIngestRatio * 100).toFixed(1)} %`, target: "≥ 50 %", pass: localIngestRatio >= 0.5 },
    ];
    results.table = rows;
    results.seconds = round((Date.now() - started) / 1000, 1);

    const dir = path.join(__dirname, "results");
    writeJson(path.join(dir, "latest.json"), results);
    writeJson(path.join(dir, `${results.date.slice(0, 10)}.json`), results);
    process.stdout.write(`\nSluice bench (${results.mode}, ${results.seconds} s, ${results.machine.cpus} CPUs, Node ${process.version})\n\n${textTable(rows)}\n\n`);
    process.stdout.write(`cost per million, single POST:  ${JSON.stringify(single.costPerMillion)}\n`);
    process.stdout.write(`cost per million, batch of 10:  ${JSON.stringify(batch10.costPerMillion)}\n\n`);
    process.stdout.write(markdownTable(rows) + "\n\nwrote bench/results/latest.json\n");
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
