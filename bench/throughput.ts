// Local throughput: accepted events/s that the local stack's POST /events sustains under autocannon,
// and conditional puts/s that the same dynalite takes directly at the same concurrency, in the
// same run. The load runs in a child process (bench/load.ts) either way.
import { spawn } from "node:child_process";
import * as path from "node:path";

export interface LoadResult {
  ok: number;
  seconds: number;
  perSec: number;
  statuses: Record<string, number>;
  /** CPU time the load generator itself used, ms. */
  cpuMs: number;
}

export function runLoad(args: string[]): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "load.ts"), ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (err += c));
    child.on("error", reject);
    child.on("close", (code) => {
      const line = out.trim().split("\n").pop() ?? "";
      if (code !== 0 || !line.startsWith("{")) reject(new Error(`load ${args[0]} exited ${code}: ${err.slice(-2000)}`));
      else resolve(JSON.parse(line) as LoadResult);
    });
  });
}
