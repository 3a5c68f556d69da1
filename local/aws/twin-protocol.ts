// The messages between the local stack and a twin process (twin-process.ts) over the IPC channel:
//   stack → twin  start (once), call (replies with the same id), flush (replies with the counters
//                 since the last flush), stop (replies, then the process exits)
//   twin → stack  listening | start-failed (once), reply, counters (pushed now and then)
// The gates are configured by the call "gates", with the whole GateConfig each time.
import type { IamGateConfig } from "../iam/iam-gate";
import type { ChaosRule } from "./chaos-spec";

export type TwinServiceName = "dynamodb" | "sqs";

/** What the gates of every twin process are built from (gate-factories.ts): plain data. */
export interface GateConfig {
  /** The IAM gate's config (local/iam/iam-twins.ts): the tool credentials until the program ran, then every function's role too; absent: no IAM gate. */
  iam?: IamGateConfig;
  /** The chaos rules (chaos-spec.ts) in force; empty: no faults. */
  chaos: ChaosRule[];
}

export interface StartMessage {
  type: "start";
  service: TwinServiceName;
  /** 0 at the stack's start; the first port again when a crashed twin is restarted. */
  port: number;
  dataDir: string;
  /** Started again after a crash, in the same run of the stack. */
  restart: boolean;
  gates: GateConfig;
}

export type ToTwin = StartMessage | { type: "call"; id: number; method: string; args?: unknown } | { type: "flush"; id: number } | { type: "stop"; id: number };

export type FromTwin =
  | { type: "listening"; port: number }
  | { type: "start-failed"; error: string; code?: string }
  | { type: "reply"; id: number; ok: true; value?: unknown }
  | { type: "reply"; id: number; ok: false; error: string }
  | { type: "counters"; delta: object };
