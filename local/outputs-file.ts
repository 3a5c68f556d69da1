// The local stack's outputs file: the program's outputs in the shape `pulumi stack output --json`
// prints, plus the local service endpoints under one key of their own. Its existence means the
// stack takes requests, so it is written last at start and removed first at stop.
import * as fs from "node:fs";
import * as path from "node:path";

/** The key of the outputs file that holds the local AWS endpoints (not a program output). */
export const LOCAL_ENDPOINTS_KEY = "localEndpoints";

export interface LocalEndpoints {
  dynamodb: string;
  sqs: string;
  /** The local Secrets Manager (the sources' secrets). */
  secretsmanager: string;
  /**
   * What an operator signs the IAM-only admin routes with, locally (the stack's tool credentials:
   * the local account's admin), and the region to sign for. `sluice` reads them from here.
   */
  operator: { accessKeyId: string; secretAccessKey: string; region: string };
  /** The stack's control endpoint (control-server.ts): faults at run time, its processes. */
  control: string;
  /** The EventBridge twin (PutEvents, and its /_sluice/events and /_sluice/fault control). */
  eventbridge: string;
  /** The JSONL file where the bus twin records every event put on the stack's buses. */
  eventbridgeEvents: string;
}

export function writeOutputsFile(file: string, outputs: Record<string, unknown>, endpoints: LocalEndpoints): void {
  if (LOCAL_ENDPOINTS_KEY in outputs) throw new Error(`the program exports an output named ${LOCAL_ENDPOINTS_KEY}, which the local outputs file keeps for the local endpoints: rename it`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // Written then renamed: a reader never sees half a file.
  fs.writeFileSync(`${file}.tmp`, JSON.stringify({ ...outputs, [LOCAL_ENDPOINTS_KEY]: endpoints }, null, 4) + "\n");
  fs.renameSync(`${file}.tmp`, file);
}

export function removeOutputsFile(file: string): void {
  fs.rmSync(file, { force: true });
}
