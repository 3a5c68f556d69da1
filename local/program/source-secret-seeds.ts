// A source's secrets for a local stack from the environment (SLUICE_SOURCE_SECRET_<NAME>,
// runtime/contract/sources.ts): for a source whose secret the program makes, they replace
// `sluice:sourceSecrets.<name>` for this run (so a stack file whose values are encrypted, or a
// dev stack with other secrets, runs as is); for a source whose secret is made out of band
// (`secretName`), they seed that secret in the local Secrets Manager.
import { sourceSecretVariable } from "../../runtime/contract/sources";
import { parseSecretValue } from "../../runtime/sources/secret-value";
import { needsSecrets, parseSources, SOURCE_SECRETS_KEY, SOURCES_KEY } from "../../runtime/sources/source-config";

/** One variable's value, read as a secret's value is (a JSON list, or one secret). */
function parseSecretVariable(name: string, value: string): string[] {
  const list = parseSecretValue(value);
  if (!list) throw new Error(`${sourceSecretVariable(name)} holds no secret: give one secret, or a JSON list of them`);
  return list;
}

export interface SecretSeeds {
  /** Config overrides for this run (`sluice:sourceSecrets`), or none. */
  config: Record<string, string>;
  /** Secrets made out of band: their name or ARN → the secrets. */
  outOfBand: Record<string, string[]>;
}

/**
 * What the environment says of the sources in `config` (the stack's, overrides applied). Sources
 * that do not parse are left to the program, which names the bad key.
 */
export function secretSeeds(config: Record<string, string>, env: Record<string, string | undefined>): SecretSeeds {
  let sources;
  try {
    sources = parseSources(config[SOURCES_KEY] === undefined ? undefined : JSON.parse(config[SOURCES_KEY]));
  } catch {
    return { config: {}, outOfBand: {} };
  }
  const outOfBand: Record<string, string[]> = {};
  const made: Record<string, string[]> = {};
  for (const s of sources.filter(needsSecrets)) {
    const value = env[sourceSecretVariable(s.name)];
    if (value === undefined || value === "") continue;
    if (s.secretName) outOfBand[s.secretName] = parseSecretVariable(s.name, value);
    else made[s.name] = parseSecretVariable(s.name, value);
  }
  if (Object.keys(made).length === 0) return { config: {}, outOfBand };
  let current: Record<string, unknown> = {};
  try {
    const parsed = config[SOURCE_SECRETS_KEY] === undefined ? {} : JSON.parse(config[SOURCE_SECRETS_KEY]);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) current = parsed as Record<string, unknown>;
  } catch {
    // Not JSON: the variables alone make the value.
  }
  return { config: { [SOURCE_SECRETS_KEY]: JSON.stringify({ ...current, ...made }) }, outOfBand };
}
