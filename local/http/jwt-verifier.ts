// Checks a JWT the way an HTTP API's JWT authorizer does
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html,
// "Authorizing API requests"): the identity source holds the token, bare or after `Bearer `; the
// token is decoded; its algorithm and signature are checked with the issuer's key named by its
// `kid`; then `iss` must be the issuer, `aud` (or, only without `aud`, `client_id`) one of the
// audiences, `exp` after now, `nbf` and `iat` before now, and `scope` or `scp` must hold at least
// one of the route's scopes when it has any. Signatures are checked with node:crypto from the JWK
// (createPublicKey), in constant time by the library. Pure apart from the clock it is given.
import { createPublicKey, verify as verifySignature, type JsonWebKey, type KeyObject } from "node:crypto";

/** What the caller may sign with: API Gateway takes RSA only ("Currently, only RSA-based algorithms are supported"). */
export const API_GATEWAY_JWT_ALGORITHMS = ["RS256", "RS384", "RS512"] as const;
/** What this verifier can check. */
export const SUPPORTED_JWT_ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512"] as const;
type Algorithm = (typeof SUPPORTED_JWT_ALGORITHMS)[number];

const HASH: Record<Algorithm, string> = { RS256: "sha256", RS384: "sha384", RS512: "sha512", ES256: "sha256", ES384: "sha384", ES512: "sha512" };
const CURVE: Partial<Record<Algorithm, string>> = { ES256: "P-256", ES384: "P-384", ES512: "P-521" };

/** Why a token was refused: `missing` and `invalid` are a 401, `insufficient-scope` a 403. */
export type JwtFailure = { kind: "missing" } | { kind: "invalid"; description: string } | { kind: "insufficient-scope"; description: string };

export type JwtResult = { ok: true; claims: Record<string, unknown>; scopes: string[] } | { ok: false; failure: JwtFailure };

export interface JwtCheck {
  issuer: string;
  audiences: string[];
  /** The route's authorizationScopes; empty requires none. */
  scopes: string[];
  /** Algorithms accepted. Default API_GATEWAY_JWT_ALGORITHMS. */
  algorithms?: readonly string[];
  /** Epoch ms. */
  now: number;
}

/** The keys of a JWKS by `kid` (keys without a kid cannot be selected by a token, as on API Gateway). */
export type KeySet = Map<string, JsonWebKey>;

export function keySetOf(jwks: unknown): KeySet {
  const keys = jwks && typeof jwks === "object" && Array.isArray((jwks as { keys?: unknown }).keys) ? ((jwks as { keys: unknown[] }).keys) : undefined;
  if (!keys) throw new Error("a JWKS is a JSON object with a keys array");
  const set: KeySet = new Map();
  for (const k of keys) {
    if (k && typeof k === "object" && typeof (k as { kid?: unknown }).kid === "string") set.set((k as { kid: string }).kid, k as JsonWebKey);
  }
  return set;
}

const invalid = (description: string): JwtResult => ({ ok: false, failure: { kind: "invalid", description } });

function decodeSegment(segment: string): Record<string, unknown> | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(segment)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The token in an identity source value: the whole value, or what follows `Bearer `. */
export function tokenOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (/^bearer$/i.test(value)) return undefined;
  const bearer = /^bearer\s+(.+)$/i.exec(value);
  const token = bearer ? bearer[1].trim() : value;
  return token === "" ? undefined : token;
}

function publicKey(jwk: JsonWebKey, alg: Algorithm): KeyObject | undefined {
  if (jwk.use !== undefined && jwk.use !== "sig") return undefined;
  if (jwk.alg !== undefined && jwk.alg !== alg) return undefined;
  if (alg.startsWith("RS") ? jwk.kty !== "RSA" : jwk.kty !== "EC" || jwk.crv !== CURVE[alg]) return undefined;
  try {
    return createPublicKey({ key: jwk, format: "jwk" });
  } catch {
    return undefined;
  }
}

function seconds(claims: Record<string, unknown>, name: string): number | undefined | "bad" {
  const v = claims[name];
  if (v === undefined) return undefined;
  return typeof v === "number" && Number.isFinite(v) ? v : "bad";
}

/** `scope` (space-separated) or `scp` (a list, or space-separated), as identity providers write them. */
export function scopesOf(claims: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const v of [claims.scope, claims.scp]) {
    if (typeof v === "string") out.push(...v.split(" ").filter(Boolean));
    else if (Array.isArray(v)) out.push(...v.filter((s): s is string => typeof s === "string"));
  }
  return [...new Set(out)];
}

export function verifyJwt(header: string | undefined, keys: KeySet, check: JwtCheck): JwtResult {
  const token = tokenOf(header);
  if (token === undefined) return { ok: false, failure: { kind: "missing" } };
  const parts = token.split(".");
  if (parts.length !== 3) return invalid("token contains an invalid number of segments");
  const head = decodeSegment(parts[0]);
  const claims = decodeSegment(parts[1]);
  if (!head || !claims || !/^[A-Za-z0-9_-]*$/.test(parts[2])) return invalid("the token is malformed");
  const alg = head.alg;
  const allowed = check.algorithms ?? API_GATEWAY_JWT_ALGORITHMS;
  if (typeof alg !== "string" || !allowed.includes(alg) || !(SUPPORTED_JWT_ALGORITHMS as readonly string[]).includes(alg)) return invalid(`signing method ${String(alg)} is invalid`);
  if (typeof head.kid !== "string") return invalid("the token has no kid");
  const jwk = keys.get(head.kid);
  const key = jwk && publicKey(jwk, alg as Algorithm);
  if (!key) return invalid("no key of the issuer matches the token's kid");
  const signed = Buffer.from(`${parts[0]}.${parts[1]}`, "ascii");
  const signature = Buffer.from(parts[2], "base64url");
  const good = verifySignature(HASH[alg as Algorithm], signed, alg.startsWith("ES") ? { key, dsaEncoding: "ieee-p1363" } : key, signature);
  if (!good) return invalid("the token has an invalid signature");

  if (claims.iss !== check.issuer) return invalid("the token does not have a valid issuer");
  const aud = claims.aud;
  const audiences = typeof aud === "string" ? [aud] : Array.isArray(aud) ? aud.filter((a): a is string => typeof a === "string") : undefined;
  const presented = aud !== undefined ? (audiences ?? []) : typeof claims.client_id === "string" ? [claims.client_id] : [];
  if (!presented.some((a) => check.audiences.includes(a))) return invalid("the token does not have a valid audience");
  const now = check.now / 1000;
  const exp = seconds(claims, "exp");
  if (exp === undefined || exp === "bad") return invalid("the token has no valid exp");
  if (exp <= now) return invalid("the token has expired");
  const nbf = seconds(claims, "nbf");
  if (nbf === "bad" || (nbf !== undefined && nbf > now)) return invalid("the token is not valid yet");
  const iat = seconds(claims, "iat");
  if (iat === "bad" || (iat !== undefined && iat > now)) return invalid("the token was issued in the future");
  const scopes = scopesOf(claims);
  if (check.scopes.length > 0 && !check.scopes.some((s) => scopes.includes(s))) {
    return { ok: false, failure: { kind: "insufficient-scope", description: "the token does not have the required scope" } };
  }
  return { ok: true, claims, scopes };
}
