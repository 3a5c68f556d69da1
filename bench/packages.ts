// Function packages: each function's AssetArchive exactly as the program serializes it under mocks
// (what `pulumi up` uploads), written to disk and zipped. The folders are kept for the cold-init
// measurement, which loads these same archives.
import * as path from "node:path";
import { materializeArchive, zipDirectory } from "../local/lambda/archive";
import { runProgram } from "../local/program/run-program";

export interface FunctionPackage {
  /** Short name: ingest, worker, query. */
  label: string;
  dir: string;
  zipBytes: number;
  environment: Record<string, string>;
}

export function functionLabel(logicalName: string): string {
  return logicalName.replace(/^sluice-/, "").replace(/-function$/, "");
}

export async function buildFunctionPackages(stack: string, workDir: string): Promise<FunctionPackage[]> {
  const run = await runProgram({ stack });
  const fns = run.resources.filter((r) => r.type === "aws:lambda/function:Function");
  if (fns.length === 0) throw new Error("the program declared no functions");
  const out: FunctionPackage[] = [];
  for (const fn of fns) {
    const label = functionLabel(fn.name);
    const dir = path.join(workDir, "packages", label);
    await materializeArchive(fn.inputs.code, dir);
    const zip = await zipDirectory(dir);
    const variables = (fn.inputs.environment?.variables ?? {}) as Record<string, unknown>;
    out.push({ label, dir, zipBytes: zip.length, environment: Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, String(v)])) });
  }
  return out.sort((a, b) => a.label.localeCompare(b.label));
}
