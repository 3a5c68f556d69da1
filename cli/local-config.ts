// The config of the stack a local stack runs (for `sluice verify --stack local`): its outputs name
// the stack (`stage`), and the stack file says the rest, as the local stack read it at start.
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "../local/program/project";
import { loadStackConfig } from "../local/program/stack-config";
import { UsageError } from "./target";

export function localStackConfig(opts: { outputs?: string; cwd?: string }): Record<string, string> {
  const file = path.resolve(opts.cwd ?? process.cwd(), opts.outputs ?? path.join(".sluice", "local", "outputs.json"));
  let stage: unknown;
  try {
    stage = (JSON.parse(fs.readFileSync(file, "utf8")) as { stage?: unknown }).stage;
  } catch (err) {
    throw new UsageError(`cannot read the local stack's outputs at ${file}: ${(err as Error).message}`);
  }
  if (typeof stage !== "string") throw new UsageError(`${file} does not name its stack (no stage output)`);
  return loadStackConfig(stage, PROJECT_DIR);
}
