// What the integration suites run against, as run.ts found it: the outputs of a local stack it
// started, or of a deployed stack (`pulumi stack output --json`). Also the small helpers the
// suites share (an HTTP client with no retries, CloudEvent builders, a bounded wait).
import * as fs from "node:fs";
import { randomUUID } from "node:crypto";
// got is ESM-only; its types come through the "node16" resolution and the value through Node's
// require(esm), which gives the module namespace (hence `.default`).
import type { Got } from "got" with { "resolution-mode": "import" };

const got: Got = (require("got") as { default: Got }).default;

export const OUTPUTS_ENV = "SLUICE_IT_OUTPUTS";
export const TARGET_ENV = "SLUICE_IT_TARGET";

export interface Target {
  /** "local": a stack run.ts started on this machine; otherwise the deployed stack's name. */
  kind: "local" | "deployed";
  stack: string;
  outputs: Record<string, unknown>;
  apiUrl: string;
}

let cached: Target | undefined;

export function target(): Target {
  if (cached) return cached;
  const file = process.env[OUTPUTS_ENV];
  if (!file) throw new Error(`${OUTPUTS_ENV} is not set: run the integration suite with \`npm run test:integration\` (it starts a local stack) or \`npm run test:integration -- --stack NAME\``);
  const outputs = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
  const [kind, stack] = (process.env[TARGET_ENV] ?? "local:local").split(":");
  if (typeof outputs.apiUrl !== "string") throw new Error(`the stack outputs in ${file} have no apiUrl`);
  cached = { kind: kind === "deployed" ? "deployed" : "local", stack, outputs, apiUrl: outputs.apiUrl.replace(/\/$/, "") };
  return cached;
}

/** A got client for `baseUrl`: every status is an answer (no throw), and nothing is retried. */
export function httpClient(baseUrl: string): Got {
  return got.extend({ prefixUrl: baseUrl, throwHttpErrors: false, retry: { limit: 0 }, timeout: { request: 30_000 } });
}

/** A unique suffix, so runs against a persistent data dir or a deployed stack never collide. */
export function unique(): string {
  return randomUUID().slice(0, 8);
}

export function cloudEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    specversion: "1.0",
    id: `it-${unique()}`,
    source: "/sluice/integration",
    type: "sluice.it.created",
    time: new Date().toISOString(),
    datacontenttype: "application/json",
    data: { n: 1 },
    ...overrides,
  };
}

/** The test event type that fails on purpose in non-prod stacks (docs/architecture.md). */
export function faultEvent(mode: string): Record<string, unknown> {
  return cloudEvent({ type: "sluice.test.fault", data: { mode } });
}

/**
 * Calls `probe` until it returns something other than undefined, or `limitMs` passes. A bound on
 * waiting for asynchronous processing, not a timing claim.
 */
export async function eventually<T>(what: string, probe: () => Promise<T>, limitMs = 45_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + limitMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== null) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${limitMs} ms${last ? `: ${(last as Error).message}` : ""}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The JSON body of a got response, or undefined when it is not JSON. */
export function json<T = Record<string, any>>(res: { body: string }): T {
  return JSON.parse(res.body) as T;
}
