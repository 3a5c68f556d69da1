// What the local edge reads from the program's graph for a JWT route (its authorizer's issuer,
// audiences and identity source, the route's scopes) and where it gets each issuer's keys: the
// stack's `sluice:authLocalJwks` when set, else the issuer's discovery document.
import { AUTH_CONFIG_KEYS } from "../../runtime/contract/producer-auth";
import { qualifiedConfigKey } from "../program/stack-config";
import type { ProgramRun, ResourceRecord } from "../program/resource-record";
import { configuredJwks, discoveredJwks, type JwksSource } from "./jwks-source";
import type { JwtRoute } from "./jwt-authorizer";

const AUTHORIZER_TYPE = "aws:apigatewayv2/authorizer:Authorizer";

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

/** The JWT authorizer and scopes of a route with authorizationType JWT; undefined for any other (or a dangling authorizerId). */
export function jwtRouteOf(run: Pick<ProgramRun, "resources">, route: ResourceRecord): JwtRoute | undefined {
  if (route.inputs.authorizationType !== "JWT") return undefined;
  const authorizer = run.resources.find((r) => r.type === AUTHORIZER_TYPE && r.id === route.inputs.authorizerId && r.inputs.authorizerType === "JWT");
  const jwt = authorizer?.inputs.jwtConfiguration;
  if (!authorizer || !jwt?.issuer) return undefined;
  return { issuer: String(jwt.issuer), audiences: strings(jwt.audience ?? jwt.audiences), identitySource: strings(authorizer.inputs.identitySources)[0] ?? "", scopes: strings(route.inputs.authorizationScopes) };
}

/** One key source per issuer, made on first use. */
export function producerJwks(config: Record<string, string> | undefined, projectDir: string): (issuer: string) => JwksSource {
  const configured = config?.[qualifiedConfigKey(AUTH_CONFIG_KEYS.localJwks)] ?? "";
  let local: JwksSource | undefined;
  try {
    local = configured ? configuredJwks(configured, projectDir) : undefined;
  } catch (err) {
    throw new Error(`${qualifiedConfigKey(AUTH_CONFIG_KEYS.localJwks)} is not a usable JWKS (inline JSON or a file): ${(err as Error).message}`);
  }
  const byIssuer = new Map<string, JwksSource>();
  return (issuer) => {
    if (local) return local;
    let source = byIssuer.get(issuer);
    if (!source) byIssuer.set(issuer, (source = discoveredJwks(issuer)));
    return source;
  };
}
