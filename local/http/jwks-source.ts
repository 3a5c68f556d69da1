// Where the local edge gets an issuer's signing keys: the JWKS the stack's config names
// (`sluice:authLocalJwks`, inline JSON or a file), or, as API Gateway does, the issuer's OpenID
// discovery document (`<issuer>/.well-known/openid-configuration` → `jwks_uri`). Keys are kept for
// two hours (API Gateway "can cache the public key for two hours"); a token whose kid is unknown
// makes it look again, at most once every few seconds, so a rotated key is picked up at once.
import * as fs from "node:fs";
import * as path from "node:path";
import { keySetOf, type KeySet } from "./jwt-verifier";

export interface JwksSource {
  /** The issuer's keys; `refresh` asks for them again (a kid was not found). Rejects when they cannot be had. */
  keys(refresh: boolean): Promise<KeySet>;
}

const CACHE_MS = 2 * 60 * 60_000;
const REFETCH_GAP_MS = 5_000;
const FETCH_TIMEOUT_MS = 5_000;

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), headers: { accept: "application/json" } });
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
  return res.json();
}

/** The discovery document's URL for an issuer, as OpenID Connect Discovery 1.0 §4 builds it. */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
}

/** The JWKS config value read as a key set: inline JSON when it starts with `{`, else a file (relative to `baseDir`). */
export function readConfiguredJwks(value: string, baseDir: string): KeySet {
  const text = value.trim().startsWith("{") ? value : fs.readFileSync(path.resolve(baseDir, value), "utf8");
  return keySetOf(JSON.parse(text));
}

export function configuredJwks(value: string, baseDir: string): JwksSource {
  // Checked at start: a bad file or JSON fails `npm start`, not the first request.
  let keys = readConfiguredJwks(value, baseDir);
  return {
    async keys(refresh) {
      // A file may be rewritten while the stack runs (key rotation): read it again for an unknown kid.
      if (refresh && !value.trim().startsWith("{")) keys = readConfiguredJwks(value, baseDir);
      return keys;
    },
  };
}

export function discoveredJwks(issuer: string, now: () => number = Date.now): JwksSource {
  let cached: { keys: KeySet; at: number } | undefined;
  let inFlight: Promise<KeySet> | undefined;
  const load = async (): Promise<KeySet> => {
    const doc = (await getJson(discoveryUrl(issuer))) as { jwks_uri?: unknown } | null;
    const uri = doc && typeof doc.jwks_uri === "string" ? doc.jwks_uri : undefined;
    if (!uri) throw new Error(`${discoveryUrl(issuer)} names no jwks_uri`);
    const keys = keySetOf(await getJson(uri));
    cached = { keys, at: now() };
    return keys;
  };
  return {
    keys(refresh) {
      const fresh = cached && now() - cached.at < (refresh ? REFETCH_GAP_MS : CACHE_MS);
      if (fresh) return Promise.resolve(cached!.keys);
      inFlight ??= load().finally(() => (inFlight = undefined));
      return inFlight;
    },
  };
}
