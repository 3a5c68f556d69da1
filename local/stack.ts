// The local stack: runs the Pulumi program (index.ts) under mocks and gives each resource a local
// twin, through the modules of twin-registry.ts — queues in local-aws-sqs and tables in dynalite
// (each service in its own supervised process), each function's serialized archive in its own
// processes, event source mappings as pollers, the HTTP API as an HTTP server. Nothing about the
// pipeline is declared here: what the program says is what runs.
import * as fs from "node:fs";
import * as path from "node:path";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "./aws/local-account";
import { parseChaos, type ChaosRule } from "./aws/chaos-spec";
import { GateSettings } from "./aws/gate-settings";
import type { TwinStatus } from "./aws/twin-supervisor";
import { startControlServer } from "./control-server";
import { lockDataDir } from "./data-dir-lock";
import { toolOnlyIamConfig } from "./iam/iam-twins";
import { emptyMetrics, resetMetrics, snapshot, type LocalMetrics } from "./metrics";
import { removeOutputsFile, writeOutputsFile, type LocalEndpoints } from "./outputs-file";
import { PROJECT_DIR } from "./program/project";
import type { ProgramRun } from "./program/resource-record";
import { runProgram } from "./program/run-program";
import { secretSeeds } from "./program/source-secret-seeds";
import { loadStackConfig } from "./program/stack-config";
import { createTwinRegistry } from "./twin-registry";
import { localStackConfigEntry } from "../runtime/contract/producer-auth";
import type { TwinModule } from "./twin-module";

import type { BusFault } from "./eventbridge/bus-server";
import type { RecordedEvent } from "./eventbridge/put-events";

export type { LocalMetrics } from "./metrics";
export type { BusFault } from "./eventbridge/bus-server";
export type { RecordedEvent } from "./eventbridge/put-events";
export type { LocalServer } from "./aws/loopback-server";

/** The fixed default port of `npm start`. */
export const DEFAULT_PORT = 3210;
export const DEFAULT_DATA_DIR = ".sluice/local/data";
export const DEFAULT_OUTPUTS_FILE = ".sluice/local/outputs.json";
/** The run's scratch space (unpacked archives, the SDK layer), in the data dir: the next start clears what a crash left. */
export const WORK_DIR_NAME = "work";

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
  /** Faults to inject into the twins from the start (aws/chaos-spec.ts rules). Default none. */
  chaos?: string[];
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
  /** Every counter, the twins' included (they are asked for theirs first). */
  metrics(): Promise<LocalMetrics>;
  resetMetrics(): Promise<void>;
  stop(): Promise<void>;
  /** Every resource the program declared and how it is handled locally. */
  resources: ResourceSummary[];
  /** Process ids of the running function instances. */
  functionPids(): number[];
  /** The same, per function (its logical name in the program). */
  functionInstances(): Record<string, number[]>;
  /** The processes the twins run in: pid, state, restarts. */
  twins(): TwinStatus[];
  /** The fault rules in force. */
  chaos(): ChaosRule[];
  /** Replaces the fault rules (aws/chaos-spec.ts); resolves once every twin applies them. Throws a ChaosSpecError for a bad rule. */
  setChaos(specs: string[]): Promise<void>;
  /** The local AWS endpoints and the control endpoint, for tools and tests that look inside. */
  endpoints: LocalEndpoints;
  /** The EventBridge twin: what was put on the stack's buses, and a fault switch. */
  eventBus: { events(): RecordedEvent[]; setFault(fault: BusFault | undefined): void };
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
  // A bad rule is refused before anything is touched. The twin processes start with IAM's gate
  // (tool credentials only, until the program has run) in front of chaos's.
  const gates = new GateSettings({ iam: toolOnlyIamConfig(), chaos: parseChaos(opts.chaos ?? []) });
  const unlock = lockDataDir(dataDir);
  // The data dir is ours: what a killed run left in its work dir is stale.
  const workDir = path.join(dataDir, WORK_DIR_NAME);
  try {
    fs.rmSync(workDir, { recursive: true, force: true });
    fs.mkdirSync(workDir, { recursive: true });
  } catch (err) {
    unlock();
    throw err;
  }
  const metrics = emptyMetrics();
  const registry = createTwinRegistry({ projectDir, dataDir, workDir, metrics, gates, log }, { port: opts.port ?? DEFAULT_PORT, outOfBandSecrets: () => seeds.outOfBand });
  const opened: TwinModule[] = [];
  let control: { close(): Promise<void> } | undefined;
  const close = async () => {
    await control?.close();
    await stopAll(opened.splice(0), log);
    fs.rmSync(workDir, { recursive: true, force: true });
    unlock();
  };
  const flushTwins = () => Promise.all(registry.twins().map((t) => t.flush()));
  const setChaos = (specs: string[]) => gates.update({ chaos: parseChaos(specs) });

  try {
    for (const m of registry.modules) {
      opened.push(m);
      await m.open?.();
    }
    // The data dir and the port are ours now: a stale outputs file of an earlier run must not
    // say "ready" while this one starts.
    if (outputsFile) removeOutputsFile(outputsFile);
    // The program learns it runs locally (a loopback JWT issuer is then allowed), never from a stack file.
    const declared = await runProgram({ stack, config: { ...config, ...localStackConfigEntry() }, projectDir, onResource: (args, state) => registry.declare(args, state) });
    const run = opts.transformProgram ? opts.transformProgram(declared) : declared;
    for (const m of registry.modules) await m.create?.(run);
    for (const m of registry.modules) m.start?.();

    const twins = () => registry.twins().map((t) => t.status());
    const controlServer = await startControlServer({
      chaos: () => gates.current().chaos.map((r) => r.spec),
      setChaos,
      processes: () => ({ stack: process.pid, twins: twins(), functions: registry.functions.instances() }),
    });
    control = controlServer;
    const endpoints = {
      dynamodb: registry.tables.endpoint(),
      sqs: registry.queues.endpoint(),
      control: controlServer.endpoint,
      eventbridge: registry.buses.endpoint(),
      eventbridgeEvents: registry.buses.eventsFile(),
      secretsmanager: registry.secrets.endpoint(),
      operator: { ...LOCAL_CREDENTIALS, region: LOCAL_REGION },
    };
    const apiUrl = String(run.outputs.apiUrl ?? registry.apis.url());
    await flushTwins();
    resetMetrics(metrics);
    if (outputsFile) writeOutputsFile(outputsFile, run.outputs, endpoints);
    let stopping: Promise<void> | undefined;
    return {
      apiUrl,
      outputs: run.outputs,
      metrics: async () => {
        await flushTwins();
        return snapshot(metrics);
      },
      resetMetrics: async () => {
        await flushTwins();
        resetMetrics(metrics);
      },
      stop: () =>
        (stopping ??= (async () => {
          if (outputsFile) removeOutputsFile(outputsFile);
          await close();
        })()),
      resources: run.resources.map((r) => ({ type: r.type, name: r.name, local: registry.describe(r.type) })),
      functionPids: () => registry.functions.pids(),
      functionInstances: () => registry.functions.instances(),
      twins,
      chaos: () => gates.current().chaos,
      setChaos,
      endpoints,
      eventBus: { events: () => registry.buses.events(), setFault: (f) => registry.buses.setFault(f) },
    };
  } catch (err) {
    await close();
    throw err;
  }
}
