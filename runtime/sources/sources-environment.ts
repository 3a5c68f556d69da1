// SLUICE_SOURCES, the ingest's view of the configured sources: written by the program from the
// checked config (with where each source's secret is and the rate its handshake grants), read back
// at cold start through the same checks (source-config.ts).
import { DEFAULT_TOLERANCE_SECONDS } from "../contract/sources";
import type { SourceRuntime, SourceSettings } from "../contract/sources";
import { isObject, needsSecrets, parseSources, SOURCES_KEY, sourceConfigError } from "./source-config";

/** What the ingest's environment may hold of SLUICE_SOURCES: Lambda allows 4 KB for all variables together. */
export const SOURCES_ENVIRONMENT_BUDGET = 3000;

/**
 * SLUICE_SOURCES: the sources by name, each with the secret the ingest reads and its handshake
 * rate; settings at their default are left out (the reader applies them again), to stay within
 * SOURCES_ENVIRONMENT_BUDGET.
 */
export function sourcesEnvironment(sources: readonly SourceSettings[], secretIds: Record<string, string>, stageRatePerSecond: number): string {
  if (sources.length === 0) return "";
  const out: Record<string, Record<string, unknown>> = {};
  for (const s of sources) {
    const { name, ...settings } = s;
    const entry: Record<string, unknown> = { ...settings, allowedRatePerMinute: (s.rateLimit ?? stageRatePerSecond) * 60 };
    if (entry.toleranceSeconds === DEFAULT_TOLERANCE_SECONDS) delete entry.toleranceSeconds;
    if (entry.jsonOnly === false) delete entry.jsonOnly;
    if (s.webhookOrigins.length === 0) delete entry.webhookOrigins;
    if (needsSecrets(s)) {
      const id = secretIds[name];
      if (!id) throw new Error(`source ${name} verifies ${s.verify} but has no secret`);
      entry.secretId = id;
    }
    out[name] = entry;
  }
  const text = JSON.stringify(out);
  if (text.length > SOURCES_ENVIRONMENT_BUDGET) {
    throw sourceConfigError(SOURCES_KEY, `holds ${sources.length} sources, which take ${text.length} bytes of the ingest function's environment; at most ${SOURCES_ENVIRONMENT_BUDGET} fit beside its other variables (Lambda allows 4 KB in all)`);
  }
  return text;
}

// As long as a secret's ARN can be: the name the program makes it (naming.ts) within arn:…:secret:NAME-xxxxxx.
const LONGEST_SECRET_ID = "x".repeat(160);

/** Fails now, naming sluice:sources, if SLUICE_SOURCES could not fit once the secrets' ARNs are known. */
export function checkSourcesFit(sources: readonly SourceSettings[], stageRatePerSecond: number): void {
  sourcesEnvironment(sources, Object.fromEntries(sources.map((s) => [s.name, s.secretName ?? LONGEST_SECRET_ID])), stageRatePerSecond);
}

/** SLUICE_SOURCES read back at cold start, with the same checks; a bad value names the variable. */
export function readSourcesEnvironment(raw: string, variable: string): Map<string, SourceRuntime> {
  const byName = new Map<string, SourceRuntime>();
  if (raw.trim() === "") return byName;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new Error(`${variable} is not JSON: ${(err as Error).message}`);
  }
  if (!isObject(parsed)) throw new Error(`${variable} must be a JSON object keyed by source name`);
  const settings: Record<string, unknown> = {};
  for (const [name, entry] of Object.entries(parsed)) {
    if (!isObject(entry)) throw new Error(`${variable}.${name} must be an object`);
    const { name: _n, secretId: _s, allowedRatePerMinute: _r, ...rest } = entry;
    settings[name] = rest;
  }
  for (const s of parseSources(settings, variable)) {
    const entry = parsed[s.name] as Record<string, unknown>;
    if (needsSecrets(s) && typeof entry.secretId !== "string") throw new Error(`${variable}.${s.name}.secretId is missing: the source verifies ${s.verify}`);
    const rate = typeof entry.allowedRatePerMinute === "number" ? entry.allowedRatePerMinute : 0;
    byName.set(s.name, { ...s, ...(typeof entry.secretId === "string" ? { secretId: entry.secretId } : {}), allowedRatePerMinute: rate });
  }
  return byName;
}
