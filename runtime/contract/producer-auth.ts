// Producer auth (`sluice:auth`, DESIGN §2b): who may call the routes whose authorization is
// `producer` (routes.ts). Written once: index.ts reads the stack's config with readProducerAuth
// and IngestApi turns it into API Gateway's route authorization; the local edge enforces the same
// authorizer from the program's graph; the CLI attaches a bearer token or a SigV4 signature.
// Pure: no I/O (the local edge reads the JWKS file itself).

/** `none`: anyone (the dev default). `jwt`: the HTTP API's JWT authorizer. `iam`: SigV4 (AWS_IAM). */
export const AUTH_MODES = ["none", "jwt", "iam"] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

export type ProducerAuth =
  | { mode: "none" }
  | { mode: "iam" }
  | {
      mode: "jwt";
      /** The token's `iss` and the base of the issuer's OpenID discovery document. */
      issuer: string;
      /** A token's `aud` (or, without one, `client_id`) must be one of these. */
      audiences: string[];
      /** A token must carry at least one of these in `scope`/`scp`; empty requires none. */
      scopes: string[];
    };

/** The config keys (without the `sluice:` namespace), each typed in Pulumi.yaml. */
export const AUTH_CONFIG_KEYS = {
  mode: "auth",
  issuer: "authIssuer",
  audiences: "authAudiences",
  scopes: "authScopes",
  /** Local stack only: a JWKS (inline JSON or a file path) instead of the issuer's discovery document. */
  localJwks: "authLocalJwks",
} as const;

/** Where the HTTP API's JWT authorizer reads the token (API Gateway's identity source syntax). */
export const JWT_IDENTITY_SOURCE = "$request.header.Authorization";

/**
 * The config key the local stack sets on its own program run (never `pulumi up`): an issuer on a
 * loopback http URL is then allowed, because the local edge can reach it and API Gateway never will.
 */
export const LOCAL_STACK_CONFIG = { namespace: "sluice-local", key: "stack" } as const;

/** The config entry the local stack adds to its run (`{"sluice-local:stack": "true"}`). */
export function localStackConfigEntry(): Record<string, string> {
  return { [`${LOCAL_STACK_CONFIG.namespace}:${LOCAL_STACK_CONFIG.key}`]: "true" };
}

/** API Gateway's limits for a JWT authorizer (apigatewayv2 CreateAuthorizer, JWTConfiguration). */
export const JWT_CONFIG_LIMITS = { issuerLength: 2048, maxAudiences: 50, scopeLength: 256 } as const;

export interface RawAuthConfig {
  auth?: string;
  authIssuer?: string;
  authAudiences?: unknown;
  authScopes?: unknown;
  authLocalJwks?: string;
}

const key = (k: string) => `sluice:${k}`;

function stringList(name: string, value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string" || v.trim() === "")) {
    throw new Error(`${key(name)} must be a list of non-empty strings, got ${JSON.stringify(value)}`);
  }
  const list = value as string[];
  const dup = list.find((v, i) => list.indexOf(v) !== i);
  if (dup !== undefined) throw new Error(`${key(name)} lists ${JSON.stringify(dup)} twice`);
  return list;
}

function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/**
 * The issuer as API Gateway takes it: an absolute https URL without query or fragment (it fetches
 * `<issuer>/.well-known/openid-configuration` from the internet). On the local stack, an http URL
 * on a loopback host is accepted too.
 */
export function checkIssuer(issuer: string, local: boolean): string {
  const name = key(AUTH_CONFIG_KEYS.issuer);
  if (!issuer) throw new Error(`${name} is required when sluice:auth is jwt: the issuer URL of your identity provider (e.g. https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123)`);
  if (issuer.length > JWT_CONFIG_LIMITS.issuerLength) throw new Error(`${name} is longer than API Gateway's ${JWT_CONFIG_LIMITS.issuerLength} characters`);
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new Error(`${name} must be an absolute https URL, got ${JSON.stringify(issuer)}`);
  }
  if (url.search || url.hash || url.username || url.password) throw new Error(`${name} must be a plain https URL (no query, fragment or credentials), got ${JSON.stringify(issuer)}`);
  if (url.protocol === "https:") return issuer;
  if (url.protocol === "http:" && local && isLoopback(url.hostname)) return issuer;
  const hint = url.protocol === "http:" && isLoopback(url.hostname) ? " (a loopback http issuer works only on the local stack)" : "";
  throw new Error(`${name} must be an https URL, as API Gateway requires, got ${JSON.stringify(issuer)}${hint}`);
}

/**
 * The stack's producer auth from its config, or an Error naming the bad key. `local` is true only
 * for the local stack's own run (LOCAL_STACK_CONFIG).
 */
export function readProducerAuth(raw: RawAuthConfig, opts: { local: boolean }): ProducerAuth {
  const mode = raw.auth ?? "none";
  if (!(AUTH_MODES as readonly string[]).includes(mode)) throw new Error(`${key(AUTH_CONFIG_KEYS.mode)} must be one of ${AUTH_MODES.join(", ")}, got ${JSON.stringify(mode)}`);
  const audiences = stringList(AUTH_CONFIG_KEYS.audiences, raw.authAudiences);
  const scopes = stringList(AUTH_CONFIG_KEYS.scopes, raw.authScopes);
  if (mode !== "jwt") {
    // A JWT setting on a stack that does not use JWT is a stack its owner believes protected otherwise.
    const stray = (
      [
        [AUTH_CONFIG_KEYS.issuer, Boolean(raw.authIssuer)],
        [AUTH_CONFIG_KEYS.audiences, audiences.length > 0],
        [AUTH_CONFIG_KEYS.scopes, scopes.length > 0],
        [AUTH_CONFIG_KEYS.localJwks, Boolean(raw.authLocalJwks)],
      ] as const
    ).find(([, set]) => set);
    if (stray) throw new Error(`${key(stray[0])} applies only when sluice:auth is jwt, but sluice:auth is ${mode}: remove it or set sluice:auth to jwt`);
    return { mode } as ProducerAuth;
  }
  const issuer = checkIssuer(raw.authIssuer ?? "", opts.local);
  if (audiences.length === 0) throw new Error(`${key(AUTH_CONFIG_KEYS.audiences)} needs at least one audience when sluice:auth is jwt (API Gateway requires it): the aud or client_id your tokens carry`);
  if (audiences.length > JWT_CONFIG_LIMITS.maxAudiences) throw new Error(`${key(AUTH_CONFIG_KEYS.audiences)} lists ${audiences.length} audiences, more than API Gateway's ${JWT_CONFIG_LIMITS.maxAudiences}`);
  const badScope = scopes.find((s) => s.length > JWT_CONFIG_LIMITS.scopeLength || /\s/.test(s));
  if (badScope !== undefined) throw new Error(`${key(AUTH_CONFIG_KEYS.scopes)}: ${JSON.stringify(badScope)} is not a scope (no spaces, at most ${JWT_CONFIG_LIMITS.scopeLength} characters)`);
  return { mode, issuer, audiences, scopes };
}
