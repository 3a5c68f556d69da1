// The local stack: runs the Pulumi program (index.ts) under mocks and gives each resource a local
// twin, through the modules of twin-registry.ts — queues in local-aws-sqs, tables in dynalite,
// each function's serialized archive in its own processes, event source mappings as pollers, the
// HTTP API as an HTTP server. Nothing about the pipeline is declared here: what the program says
// is what runs.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { lockDataDir } from "./data-dir-lock";
import { emptyMetrics, resetMetrics, snapshot, type LocalMetrics } from "./metrics";
import { removeOutputsFile, writeOutputsFile, type LocalEndpoints } from "./outputs-file";
import { PROJECT_DIR } from "./program/project";
import type { ProgramRun } from "./program/resource-record";
import { runProgram } from "./program/run-program";
import { secretSeeds } from "./program/source-secret-seeds";
import { loadStackConfig } from "./program/stack-config";
import { createTwinRegistry } from "./twin-registry";
import type { TwinModule } from "./twin-module";

export type { LocalMetrics } from "./metrics";
export type { LocalServer } from "./aws/loopback-server";

/** The fixed default port of `npm start`. */
export const DEFAULT_PORT = 3210;
export const DEFAULT_DATA_DIR = ".sluice/local/data";
export const DEFAULT_OUTPUTS_FILE = ".sluice/local/outputs.json";

export interface LocalStackOptions {
  /** Stack whose config to use (Pulumi.<stack>.yaml over the Pulumi.yaml defaults). Default "dev". */
  stack?: string;
  /** HTTP API port; 0 picks a free one. Default 3210. */
  port?: number;
  /** Where dynalite keeps tables and undelivered messages are saved. Default .sluice/local/data. */
  dataDir?: string;
  /** Where to write the stack outputs once the stack takes requests. Default: not written. */
  outputsFile?: string;
  /** Config overrides, keyed like `sluice:batchSize`. Default none. */
  config?: Record<string, string>;
  /** Receives every log line (JSON). Default: printed to stdout. */
  log?: (line: string) => void;
  /** The project to run (a folder with index.ts, Pulumi.yaml, package.json). Default this repo. */
  projectDir?: string;
  /**
   * For tests that break the program on purpose (say, drop one IAM grant) without editing it:
   * rewrites the graph the program declared, after it ran and before the twins that read the
   * whole graph are made (IAM policies, functions, mappings, routes). Tables, queues and APIs are
   * made while the program runs and are not affected. Default: the graph as declared.
   */
  transformProgram?: (run: ProgramRun) => ProgramRun;
  /** Where SLUICE_SOURCE_SECRET_<NAME> are read from (README, "Sources"). Default process.env. */
  env?: Record<string, string | undefined>;
}

export interface ResourceSummary {
  type: string;
  name: string;
  /** What stands in for it locally, or "recorded" when nothing needs to run. */
  local: string;
}

export interface LocalStack {
  apiUrl: string;
  outputs: Record<string, unknown>;
  metrics(): LocalMetrics;
  resetMetrics(): void;
  stop(): Promise<void>;
  /** Every resource the program declared and how it is handled locally. */
  resources: ResourceSummary[];
  /** Process ids of the running function instances. */
  functionPids(): number[];
  /** The local AWS endpoints, for tools and tests that look inside. */
  endpoints: LocalEndpoints;
}

/** Stops `modules` last-first; one that fails is logged and the rest still stop. */
async function stopAll(modules: TwinModule[], log: (line: string) => void): Promise<void> {
  for (const m of [...modules].reverse()) {
    try {
      await m.stop?.();
    } catch (err) {
      log(JSON.stringify({ level: "error", source: "local", msg: "a local twin did not stop cleanly", error: (err as Error).message }));
    }
  }
}

/**
 * Starts the local stack of `opts.stack` and resolves once it takes requests. Several stacks may
 * run in one process (their program runs take turns); each needs its own data dir. A start that
 * is refused (data dir or port in use) or fails touches nothing of another stack.
 */
export async function startLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  const stack = opts.stack ?? "dev";
  const log = opts.log ?? ((line: string) => process.stdout.write(line + "\n"));
  const projectDir = path.resolve(opts.projectDir ?? PROJECT_DIR);
  const dataDir = path.resolve(opts.dataDir ?? path.join(projectDir, DEFAULT_DATA_DIR));
  const outputsFile = opts.outputsFile ? path.resolve(opts.outputsFile) : undefined;

  // A source's secrets from the environment: config for this run, or seeds of secrets made out of band.
  const seeds = secretSeeds({ ...loadStackConfig(stack, projectDir), ...(opts.config ?? {}) }, opts.env ?? process.env);
  const config = { ...(opts.config ?? {}), ...seeds.config };
  const unlock = lockDataDir(dataDir);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-local-"));
  const metrics = emptyMetrics();
  const registry = createTwinRegistry({ projectDir, dataDir, workDir, metrics, log }, { port: opts.port ?? DEFAULT_PORT, outOfBandSecrets: () => seeds.outOfBand });
  const opened: TwinModule[] = [];
  const close = async () => {
    await stopAll(opened.splice(0), log);
    fs.rmSync(workDir, { recursive: true, force: true });
    unlock();
  };

  try {
    for (const m of registry.modules) {
      opened.push(m);
      await m.open?.();
    }
    // The data dir and the port are ours now: a stale outputs file of an earlier run must not
    // say "ready" while this one starts.
    if (outputsFile) removeOutputsFile(outputsFile);
    const declared = await runProgram({ stack, config, projectDir, onResource: (args, state) => registry.declare(args, state) });
    const run = opts.transformProgram ? opts.transformProgram(declared) : declared;
    for (const m of registry.modules) await m.create?.(run);
    for (const m of registry.modules) m.start?.();

    const endpoints = { dynamodb: registry.tables.endpoint(), sqs: registry.queues.endpoint(), secretsmanager: registry.secrets.endpoint() };
    const apiUrl = String(run.outputs.apiUrl ?? registry.apis.url());
    resetMetrics(metrics);
    if (outputsFile) writeOutputsFile(outputsFile, run.outputs, endpoints);
    let stopping: Promise<void> | undefined;
    return {
      apiUrl,
      outputs: run.outputs,
      metrics: () => snapshot(metrics),
      resetMetrics: () => resetMetrics(metrics),
      stop: () =>
        (stopping ??= (async () => {
          if (outputsFile) removeOutputsFile(outputsFile);
          await close();
        })()),
      resources: run.resources.map((r) => ({ type: r.type, name: r.name, local: registry.describe(r.type) })),
      functionPids: () => registry.functions.pids(),
      endpoints,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
