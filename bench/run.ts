// `npm run bench [-- --quick]`: measures Sluice's size, speed and cost per event on this machine,
// prints them beside the targets of DESIGN §8, and writes bench/results/latest.json plus a dated
// copy. Every figure comes from a measurement made in this run.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildSdkLayer } from "../local/lambda/sdk-layer";
import { routeKey } from "../runtime/contract/routes";
import { measureColdInit, type InitResult } from "./cold-init";
import { buildVariantArchives, measureDefaultZips } from "./default-zip";
import { writeJson } from "./end-to-end";
import { measureIngestCpu } from "./ingest-cpu";
import { buildFunctionPackages } from "./packages";
import { markdownTable, textTable, type Row } from "./report";
import { round } from "./stats";
import { measurePipelines } from "./pipelines";
import { costKeptAMonth, costRatio, pipelineRows } from "./rows";
import { measureWorkerBatch } from "./worker-batch";

const quick = process.argv.includes("--quick");
const PLAN = quick
  ? { initRuns: 5, cpuIterations: 2000, cpuRounds: 5, workerBatches: 10, events: 100, loadSeconds: 5 }
  : { initRuns: 9, cpuIterations: 10000, cpuRounds: 9, workerBatches: 30, events: 1000, loadSeconds: 20 };
const STACK = "dev";
const CONCURRENCY = 8;
// The counted phases keep few requests in flight: the twins and the function instances share two
// cores, and their queueing under load is not DynamoDB's latency, which the billed milliseconds
// should reflect.
const PHASE_CONCURRENCY = 2;
const LATENCY_MS = 10;

function step(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/** Adds the load generator's own CPU per unit to a per-process breakdown (processes with nothing to show are left out). */
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

    const pipelines = await measurePipelines({ stack: STACK, events: PLAN.events, loadSeconds: PLAN.loadSeconds, concurrency: CONCURRENCY, phaseConcurrency: PHASE_CONCURRENCY, step }, workDir);
    const { single, batch10, seed } = pipelines;
    const ingestLoad = pipelines.load.ingest;
    const rawPuts = pipelines.load.dynamo;
    const { cpuMsPerEvent: cpuPerEvent, cpuMsPerRawPut: cpuPerPut } = pipelines.load;

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
      dynamoWriteUnitsPerEvent: single.dynamoWriteUnitsPerEvent,
      dynamoWriteUnitsPerEventBatch10: batch10.dynamoWriteUnitsPerEvent,
      writeUnitsPerEventByAction: { single: single.writeUnitsPerEventByAction, batch10: batch10.writeUnitsPerEventByAction },
      logBytesPerEvent: single.logBytesPerEvent,
      logBytesPerEventBatch10: batch10.logBytesPerEvent,
      itemBytes: { single: single.itemBytes, batch10: batch10.itemBytes },
      costPerMillion: { single: single.costPerMillion, batch10: batch10.costPerMillion },
      seedStyle: {
        costPerMillion: { single: seed.single.costPerMillion, batch10: seed.batch10.costPerMillion },
        usagePerEvent: { single: seed.single.usagePerEvent, batch10: seed.batch10.usagePerEvent },
        dynamoWriteUnitsPerEvent: { single: seed.single.dynamoWriteUnitsPerEvent, batch10: seed.batch10.dynamoWriteUnitsPerEvent },
        itemBytes: { single: seed.single.itemBytes, batch10: seed.batch10.itemBytes },
        lambda: { single: seed.single.lambda, batch10: seed.batch10.lambda },
      },
      costRatioToSeedStyle: { single: costRatio(single, seed.single), batch10: costRatio(batch10, seed.batch10) },
      // The same usage with events kept a month, as prod keeps them (its storage comes back every month).
      costPerMillionKeptAMonth: {
        single: costKeptAMonth(single),
        batch10: costKeptAMonth(batch10),
        seedStyleSingle: costKeptAMonth(seed.single),
        seedStyleBatch10: costKeptAMonth(seed.batch10),
      },
      storedDays: pipelines.storedDays,
      config: pipelines.config,
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
      load: { concurrency: CONCURRENCY, seconds: PLAN.loadSeconds, workerDrainMsAfterLoad: pipelines.load.workerDrainMs, ingest: ingestLoad, dynamo: rawPuts, cpuMsPerEvent: cpuPerEvent, cpuMsPerRawPut: cpuPerPut, config: pipelines.config },
      seconds: 0,
      table: [] as Row[],
    };

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
      ...pipelineRows(pipelines),
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
    process.stdout.write(`cost per million, batch of 10:  ${JSON.stringify(batch10.costPerMillion)}\n`);
    process.stdout.write(`seed-style, single POST:        ${JSON.stringify(seed.single.costPerMillion)}\n`);
    process.stdout.write(`seed-style, batch of 10:        ${JSON.stringify(seed.batch10.costPerMillion)}\n\n`);
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
