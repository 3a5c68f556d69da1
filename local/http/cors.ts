// An HTTP API's CORS configuration as API Gateway applies it: the allow-origin headers on every
// answer to an allowed origin, and the preflight answered by the gateway itself.

export interface CorsConfig {
  allowOrigins?: string[];
  allowMethods?: string[];
  allowHeaders?: string[];
  exposeHeaders?: string[];
  maxAge?: number;
  allowCredentials?: boolean;
}

/** The CORS headers of an answer to `origin` (none when it is not allowed). */
export function corsHeaders(cors: CorsConfig | undefined, origin: string | undefined): Record<string, string> {
  if (!cors || !origin) return {};
  const origins = cors.allowOrigins ?? [];
  if (!origins.includes("*") && !origins.includes(origin)) return {};
  const out: Record<string, string> = { "access-control-allow-origin": origins.includes("*") && !cors.allowCredentials ? "*" : origin };
  if (cors.allowCredentials) out["access-control-allow-credentials"] = "true";
  if (cors.exposeHeaders?.length) out["access-control-expose-headers"] = cors.exposeHeaders.join(",");
  return out;
}

/** The gateway's own 204 to a preflight request. */
export function preflightHeaders(cors: CorsConfig, origin: string): Record<string, string> {
  return {
    ...corsHeaders(cors, origin),
    ...(cors.allowMethods?.length ? { "access-control-allow-methods": cors.allowMethods.join(",") } : {}),
    ...(cors.allowHeaders?.length ? { "access-control-allow-headers": cors.allowHeaders.join(",") } : {}),
    ...(cors.maxAge !== undefined ? { "access-control-max-age": String(cors.maxAge) } : {}),
  };
}
