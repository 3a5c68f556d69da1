// The contract between the local stack and the modules that stand in for AWS resources. Each
// module emulates one kind of resource (or a few that only make sense together, like an HTTP API
// and its routes), in its service's folder; stack.ts runs their phases over the registry
// (twin-registry.ts) in order, and stops them in reverse.
import type { GateSettings } from "./aws/gate-settings";
import type { LocalMetrics } from "./metrics";
import type { NewResourceArgs, ProgramRun } from "./program/resource-record";

/** What every module of one local stack shares. */
export interface TwinContext {
  projectDir: string;
  /** What must survive a restart (tables, undelivered messages) lives here. */
  dataDir: string;
  /** Scratch space of this run (unpacked archives, the SDK layer), under the data dir; emptied at start and removed at stop. */
  workDir: string;
  metrics: LocalMetrics;
  /** The request gates of the twin processes (IAM, chaos): change them here, every twin follows. */
  gates: GateSettings;
  /** One JSON line per call. */
  log(line: string): void;
}

export interface TwinModule {
  /** Pulumi type token → what stands in for it locally, as `npm start` lists it. */
  readonly emulates: Readonly<Record<string, string>>;
  /** Before the program runs: take ports, start servers. */
  open?(): Promise<void>;
  /**
   * While the program runs, for each resource of a type it emulates: makes the twin at once and
   * returns the state fields the twin decides (its URL, ARN, endpoint), which the program reads.
   */
  declare?(args: NewResourceArgs, state: Record<string, any>): Promise<Record<string, unknown>>;
  /** Once the program ran: makes the twins that need the whole graph (its run.resources). */
  create?(run: ProgramRun): Promise<void>;
  /** Once every module has made its twins: begin work (pollers start polling). */
  start?(): void;
  /**
   * In reverse registry order, at stop and after a failed start: ends what open/create began,
   * skipping what never ran. Throws only when something acknowledged could be lost.
   */
  stop?(): Promise<void>;
}
