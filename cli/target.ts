// Where to send: --url as given, or the ingest URL from a stack's outputs (the local stack's
// outputs file, or `pulumi stack output --json` for a deployed stack).
import * as fs from "node:fs";
import * as path from "node:path";
import { execFile } from "node:child_process";

export class UsageError extends Error {}

export interface TargetOptions {
  url?: string;
  stack?: string;
  /** Outputs file for `--stack local`; default `.sluice/local/outputs.json`. */
  outputs?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** Output names that hold the API's base URL, most specific first. */
export const URL_OUTPUT_NAMES = ["apiUrl", "ingestUrl", "url", "endpoint"];

export function urlFromOutputs(outputs: unknown, origin: string): string {
  if (outputs && typeof outputs === "object") {
    for (const name of URL_OUTPUT_NAMES) {
      const v = (outputs as Record<string, unknown>)[name];
      if (typeof v === "string" && /^https?:\/\//.test(v)) return v;
    }
  }
  throw new UsageError(`${origin} has no API URL (looked for outputs ${URL_OUTPUT_NAMES.join(", ")})`);
}

export async function resolveTarget(opts: TargetOptions): Promise<string> {
  const env = opts.env ?? process.env;
  if (opts.url) return checkUrl(opts.url, "--url");
  if (opts.stack === "local") return urlFromOutputs(readOutputsFile(opts), "the local stack outputs");
  if (opts.stack) return urlFromOutputs(await pulumiOutputs(opts.stack, opts.cwd, env), `stack ${opts.stack}`);
  if (env.SLUICE_URL) return checkUrl(env.SLUICE_URL, "SLUICE_URL");
  throw new UsageError("no target: pass --url URL or --stack NAME (or set SLUICE_URL)");
}

/**
 * The operator credentials a local stack's outputs file names (`localEndpoints.operator`), for
 * `--stack local`; undefined for any other target.
 */
export function localOperatorCredentials(opts: TargetOptions): { accessKeyId: string; secretAccessKey: string; region: string } | undefined {
  if (opts.stack !== "local") return undefined;
  const outputs = readOutputsFile(opts) as { localEndpoints?: { operator?: Record<string, unknown> } } | null;
  const op = outputs?.localEndpoints?.operator;
  if (!op || typeof op.accessKeyId !== "string" || typeof op.secretAccessKey !== "string" || typeof op.region !== "string") {
    throw new UsageError("the local stack outputs name no operator credentials (localEndpoints.operator): restart the local stack with this version");
  }
  return { accessKeyId: op.accessKeyId, secretAccessKey: op.secretAccessKey, region: op.region };
}

function checkUrl(url: string, origin: string): string {
  if (!/^https?:\/\/[^/]/.test(url)) throw new UsageError(`${origin} must be an http(s) URL, got ${JSON.stringify(url)}`);
  return url;
}

function readOutputsFile(opts: TargetOptions): unknown {
  const file = path.resolve(opts.cwd ?? process.cwd(), opts.outputs ?? path.join(".sluice", "local", "outputs.json"));
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    throw new UsageError(`no local stack outputs at ${file}: start the local stack with \`npm start\`, or pass --outputs FILE or --url`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${file} is not JSON: ${(err as Error).message}`);
  }
}

function pulumiOutputs(stack: string, cwd: string | undefined, env: NodeJS.ProcessEnv): Promise<unknown> {
  return new Promise((resolve, reject) => {
    execFile("pulumi", ["stack", "output", "--json", "--stack", stack], { cwd, env, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === "ENOENT") {
        reject(new UsageError(`--stack ${stack} needs the pulumi CLI, which is not on PATH: install it (https://www.pulumi.com/docs/install/) or pass --url`));
        return;
      }
      if (err) {
        reject(new UsageError(`pulumi stack output --json --stack ${stack} failed: ${(stderr || err.message).trim()}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout));
      } catch (e) {
        reject(new UsageError(`pulumi stack output for ${stack} is not JSON: ${(e as Error).message}`));
      }
    });
  });
}
