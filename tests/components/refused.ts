// Runs the program in a fresh process and reports how it ended: a refusal midway leaves the mock
// monitor of the process half-built, so refusals are tried where nothing else runs.
import { spawn } from "node:child_process";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");

/** Runs the program for `stack` in a fresh process (a refusal midway leaves the mock monitor half-built). */
export function runRefused(stack: string, config: Record<string, string>): Promise<{ status: number | null; output: string }> {
  const script =
    `require(${JSON.stringify(path.join(ROOT, "local/program/run-program"))}).runProgram({ stack: ${JSON.stringify(stack)}, config: ${JSON.stringify(config)} })` +
    `.then(() => process.exit(0), (e) => { console.error("REFUSED: " + (e && e.message)); process.exit(1); });`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["-r", "tsx/cjs", "-e", script], { cwd: ROOT });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
}
