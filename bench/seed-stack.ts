// The seed-style comparison stack: a copy of this project whose index.ts takes its ingest and
// worker factories from bench/seed-handlers.ts. Everything else is the same program: components,
// config, API and access log, queue, table, memory, log level; the local stack runs it the same way.
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "../local/program/project";

const SWAPS: [string, string][] = [
  ['import { ingestFactory } from "./runtime/ingest-handler";', 'import { seedIngestFactory as ingestFactory } from "./bench/seed-handlers";'],
  ['import { workerFactory } from "./runtime/worker-handler";', 'import { seedWorkerFactory as workerFactory } from "./bench/seed-handlers";'],
];

/** Writes the copy under `dir` and returns its project directory. */
export function seedProject(dir: string): string {
  for (const entry of ["package.json", "Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml", "tsconfig.json", "components", "runtime"]) {
    fs.cpSync(path.join(PROJECT_DIR, entry), path.join(dir, entry), { recursive: true });
  }
  fs.mkdirSync(path.join(dir, "bench"), { recursive: true });
  fs.copyFileSync(path.join(PROJECT_DIR, "bench", "seed-handlers.ts"), path.join(dir, "bench", "seed-handlers.ts"));
  fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(dir, "node_modules"), "dir");
  let program = fs.readFileSync(path.join(PROJECT_DIR, "index.ts"), "utf8");
  for (const [from, to] of SWAPS) {
    if (!program.includes(from)) throw new Error(`bench: index.ts no longer says ${from}; update bench/seed-stack.ts`);
    program = program.replace(from, to);
  }
  fs.writeFileSync(path.join(dir, "index.ts"), program);
  return dir;
}
