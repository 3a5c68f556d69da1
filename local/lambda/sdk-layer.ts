// The Lambda nodejs22.x runtime ships AWS SDK v3 on its NODE_PATH, so Sluice's function zips do not
// carry it. To run a serialized archive locally with exactly that view of the world, we build a
// folder that holds only the SDK packages and what they depend on (symlinks into node_modules)
// and put that folder, and nothing else of the project, on NODE_PATH.
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "../program/project";

/** The SDK packages the runtime code uses; their dependency closure is what the layer holds. */
export const RUNTIME_SDK_PACKAGES = ["@aws-sdk/client-dynamodb", "@aws-sdk/lib-dynamodb", "@aws-sdk/client-sqs", "@aws-sdk/client-eventbridge", "@aws-sdk/client-secrets-manager"];

function packageDir(name: string, from: string): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "node_modules", name);
    if (fs.existsSync(path.join(candidate, "package.json"))) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** Hoisted names (as seen from the project root) of the SDK packages and all their dependencies. */
export function sdkClosure(projectDir = PROJECT_DIR): string[] {
  const seen = new Set<string>();
  const queue = [...RUNTIME_SDK_PACKAGES];
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (seen.has(name)) continue;
    const dir = packageDir(name, projectDir);
    if (!dir) throw new Error(`AWS SDK package ${name} is not installed: run npm ci`);
    seen.add(name);
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
    queue.push(...Object.keys(pkg.dependencies ?? {}));
  }
  return [...seen].sort();
}

/**
 * Creates (or refreshes) `layerDir/node_modules` with a symlink per package of the SDK closure and
 * returns the folder to put on NODE_PATH.
 */
export function buildSdkLayer(layerDir: string, projectDir = PROJECT_DIR): string {
  const modules = path.join(layerDir, "node_modules");
  fs.rmSync(modules, { recursive: true, force: true });
  for (const name of sdkClosure(projectDir)) {
    const link = path.join(modules, name);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(packageDir(name, projectDir)!, link, "dir");
  }
  return modules;
}
