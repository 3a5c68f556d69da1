// What a twin process runs (twin-process.ts): one emulated AWS service on loopback, with the gates
// in front of it and its requests counted where they are answered.
import type { RequestGate } from "./request-gate";

export interface TwinServiceContext {
  /** The stack's data dir: what must survive a crash of the twin lives here. */
  dataDir: string;
  /** Started again after a crash, in the same run of the stack (not the stack's own start). */
  restart: boolean;
  /** The gates to run before the service's own handler; they change at run time. */
  gates(): readonly RequestGate[];
  /** One JSON log line with these fields (the twin and its pid are added). */
  log(fields: Record<string, unknown>): void;
}

export interface TwinService {
  /** Listens on 127.0.0.1:`port` (0: a free one); resolves with the port. */
  listen(port: number): Promise<number>;
  /** What was counted since the last call, shaped like the stack's metrics of the service; then zeroed. */
  takeCounters(): { requests: number } & object;
  /** Service-specific requests of the stack (say, SQS's "replay" and "save"). */
  calls: Record<string, (args: unknown) => Promise<unknown>>;
  /** A clean stop: what the service holds is saved, then the server closes. */
  stop(): Promise<void>;
}

export type TwinServiceFactory = (ctx: TwinServiceContext) => TwinService;
