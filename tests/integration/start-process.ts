// `npm start` as a child process, the way the suites that test it as a user runs it: its own
// process group (so a test can send what a terminal sends on Ctrl-C, to the whole group), its
// output collected, and a cleanup that leaves nothing running.
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { PROJECT_DIR } from "../../local/program/project";

export const TSX = path.join(PROJECT_DIR, "node_modules", "tsx", "dist", "cli.mjs");
export const START = ["local/start.ts"];

export interface StartedProcess {
  child: ChildProcess;
  /** What it printed so far. */
  io: { out: string; err: string };
}

export function spawnStart(args: string[]): StartedProcess {
  const child = spawn(process.execPath, [TSX, ...START, ...args], { cwd: PROJECT_DIR, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const io = { out: "", err: "" };
  child.stdout!.on("data", (c: Buffer) => (io.out += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (io.err += c.toString()));
  return { child, io };
}

export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once("exit", (code, signal) => resolve({ code, signal }));
  });
}

/** Kills the child's whole process group if it still runs (the test's cleanup, whatever happened). */
export function killGroup(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid!, "SIGKILL");
  } catch {
    /* already gone */
  }
}
