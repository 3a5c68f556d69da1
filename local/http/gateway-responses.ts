// The answers API Gateway gives itself, without the function: no route, wrong method, body too
// large, throttled, and the 500 when the integration fails. One place, so that matching AWS's own
// bodies and headers is one edit.
import { problemType, type ProblemSlug } from "../../runtime/contract/problems";

export interface GatewayResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: Buffer;
  cookies?: string[];
}

/** API Gateway's payload limit. */
export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

function problem(status: number, slug: ProblemSlug, title: string, detail: string, extra: Record<string, unknown> = {}): GatewayResponse {
  return {
    statusCode: status,
    headers: { "content-type": "application/problem+json" },
    body: Buffer.from(JSON.stringify({ type: problemType(slug), title, status, detail, ...extra })),
  };
}

export function payloadTooLarge(): GatewayResponse {
  return problem(413, "payload-too-large", "Payload Too Large", `the request body exceeds ${MAX_PAYLOAD_BYTES} bytes, the API's limit`);
}

export function noRoute(method: string, path: string): GatewayResponse {
  return problem(404, "not-found", "Not Found", `no route for ${method} ${path}`);
}

export function methodNotAllowed(method: string, path: string, allow: string[]): GatewayResponse {
  const out = problem(405, "method-not-allowed", "Method Not Allowed", `${path} does not take ${method}`, { allow });
  out.headers.allow = allow.join(", ");
  return out;
}

export function throttled(): GatewayResponse {
  const out = problem(429, "throttled", "Too Many Requests", "the stage's rate limit was exceeded; retry later");
  out.headers["retry-after"] = "1";
  return out;
}

/** What API Gateway answers when the function fails (error, crash or timeout) or its result is unusable. */
export function integrationFailed(): GatewayResponse {
  return { statusCode: 500, headers: { "content-type": "application/json" }, body: Buffer.from('{"message":"Internal Server Error"}') };
}
