// Where the request gates of a twin process are built from their plain-data config, in the order
// they run: IAM first, then chaos (on AWS a denied call never reaches the service, so it is never
// throttled either). Chaos spares the local stack's own requests, recognized by their verified
// tool-credential signature: faults injected for the pipeline must not stop the emulator from
// making its queues or saving what it holds.
import { createIamGate } from "../iam/iam-gate";
import { createToolCallerCheck } from "../iam/tool-caller";
import { createChaosGate } from "./chaos-gate";
import type { RequestGate } from "./request-gate";
import type { GateConfig } from "./twin-protocol";

export interface GateOptions {
  /** Receives the gates' JSON log lines (IAM's refusals). */
  log(line: string): void;
}

export function buildGates(config: GateConfig, opts: GateOptions): RequestGate[] {
  const gates: RequestGate[] = [];
  if (config.iam) gates.push(createIamGate(config.iam, { log: opts.log }));
  if (config.chaos.length > 0) gates.push(createChaosGate(config.chaos, { exempt: createToolCallerCheck() }));
  return gates;
}
