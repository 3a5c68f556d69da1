// The local edge's JWT authorization, for routes whose authorizationType is JWT: the route's
// authorizer (issuer, audiences, identity source) and scopes from the program's graph, the token
// checked by jwt-verifier.ts against the issuer's keys (jwks-source.ts), and API Gateway's own
// answers for a refusal: 401 {"message":"Unauthorized"} with a `www-authenticate` header in the
// form AWS shows (`Bearer scope="" error="invalid_token" error_description="the token does not
// have a valid audience"`, https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-jwt.html),
// and 403 {"message":"Forbidden"} for a valid token without a required scope. AWS publishes only
// the audience wording; the other descriptions are ours, in its style: act on the status, never
// on the text. What the integration gets is `requestContext.authorizer.jwt` ({claims, scopes}).
import type { GatewayResponse } from "./gateway-responses";
import type { JwksSource } from "./jwks-source";
import { verifyJwt, type JwtFailure, type KeySet } from "./jwt-verifier";

/** A JWT route as the program declared it. */
export interface JwtRoute {
  issuer: string;
  audiences: string[];
  /** The authorizer's identity source, e.g. `$request.header.Authorization`. */
  identitySource: string;
  scopes: string[];
}

export type JwtDecision = { ok: true; authorizer: { jwt: { claims: Record<string, string>; scopes: string[] | null } } } | { ok: false; answer: GatewayResponse; reason: string };

const quote = (s: string) => s.replace(/["\\]/g, "");

function refusal(status: 401 | 403, scopes: string[], failure: JwtFailure): GatewayResponse {
  const challenge =
    failure.kind === "missing"
      ? `Bearer scope="${quote(scopes.join(" "))}"`
      : `Bearer scope="${quote(scopes.join(" "))}" error="${failure.kind === "invalid" ? "invalid_token" : "insufficient_scope"}" error_description="${quote(failure.description)}"`;
  return { statusCode: status, headers: { "content-type": "application/json", "www-authenticate": challenge }, body: Buffer.from(JSON.stringify({ message: status === 401 ? "Unauthorized" : "Forbidden" })) };
}

/** API Gateway hands claims to the integration as strings (a list as `[a b]`). */
function claimStrings(claims: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(claims)) out[k] = typeof v === "string" ? v : Array.isArray(v) ? `[${v.join(" ")}]` : JSON.stringify(v);
  return out;
}

/** The request header an identity source names (`$request.header.Authorization` → `authorization`). */
export function identityHeader(identitySource: string): string | undefined {
  return /^\$request\.header\.([A-Za-z0-9-]+)$/.exec(identitySource)?.[1].toLowerCase();
}

export function createJwtRouteAuthorizer(opts: { jwks(issuer: string): JwksSource; log(line: string): void; now?: () => number }) {
  const now = opts.now ?? Date.now;
  return async (headers: Record<string, string | string[] | undefined>, route: JwtRoute): Promise<JwtDecision> => {
    const name = identityHeader(route.identitySource);
    const raw = name ? headers[name] : undefined;
    const header = Array.isArray(raw) ? raw[0] : raw;
    const check = { issuer: route.issuer, audiences: route.audiences, scopes: route.scopes, now: now() };
    const source = opts.jwks(route.issuer);
    let keys: KeySet;
    try {
      keys = await source.keys(false);
    } catch (err) {
      opts.log(JSON.stringify({ level: "warn", source: "local", msg: "the JWT issuer's keys could not be fetched: the route answers 401", issuer: route.issuer, error: (err as Error).message }));
      return { ok: false, answer: refusal(401, route.scopes, { kind: "invalid", description: "the issuer's keys could not be fetched" }), reason: "jwks-unavailable" };
    }
    let result = verifyJwt(header, keys, check);
    if (!result.ok && result.failure.kind === "invalid" && result.failure.description.includes("kid")) {
      // A key the issuer added since the keys were fetched.
      keys = await source.keys(true).catch(() => keys);
      result = verifyJwt(header, keys, check);
    }
    if (result.ok) return { ok: true, authorizer: { jwt: { claims: claimStrings(result.claims), scopes: result.scopes.length > 0 ? result.scopes : null } } };
    const f = result.failure;
    return { ok: false, answer: refusal(f.kind === "insufficient-scope" ? 403 : 401, route.scopes, f), reason: f.kind === "missing" ? "missing" : f.description };
  };
}

export type JwtRouteAuthorizer = ReturnType<typeof createJwtRouteAuthorizer>;
