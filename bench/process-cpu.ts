// CPU time of the local stack's processes (the stack itself, each twin, each function's
// instances), read from /proc, so the bench can say where the CPU of an event goes, not only how
// many events a second come through. Linux only: elsewhere every figure is absent.
import * as fs from "node:fs";
import type { LocalStack } from "../local/stack";

/** Label → CPU milliseconds (user + system) used so far. */
export type CpuSnapshot = Record<string, number>;

const TICKS_PER_SECOND = 100;

function cpuMsOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** The CPU used so far by the stack's process, its twins and each function's live instances. */
export function cpuSnapshot(stack: LocalStack): CpuSnapshot | undefined {
  if (!fs.existsSync("/proc/self/stat")) return undefined;
  const out: CpuSnapshot = {};
  const add = (label: string, pid: number | undefined) => {
    const ms = pid === undefined ? undefined : cpuMsOf(pid);
    if (ms !== undefined) out[label] = (out[label] ?? 0) + ms;
  };
  add("stack", process.pid);
  for (const t of stack.twins()) add(t.service, t.pid);
  for (const [fn, pids] of Object.entries(stack.functionInstances())) for (const pid of pids) add(fn, pid);
  return out;
}

/** CPU ms per unit between two snapshots, by label (labels that appeared later count from zero). */
export function cpuPerUnit(before: CpuSnapshot | undefined, after: CpuSnapshot | undefined, units: number): Record<string, number> | undefined {
  if (!before || !after || units <= 0) return undefined;
  return Object.fromEntries(Object.entries(after).map(([label, ms]) => [label, (ms - (before[label] ?? 0)) / units]));
}
