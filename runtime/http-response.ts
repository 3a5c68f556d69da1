// Builds API Gateway HTTP API (payload v2) responses: JSON bodies and problem+json errors.
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import type { ProblemBody } from "./problems";

export type HttpResult = APIGatewayProxyStructuredResultV2 & { statusCode: number; headers: Record<string, string>; body: string };

export function jsonResponse(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return { statusCode, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}

export function problemResponse(body: ProblemBody, headers: Record<string, string> = {}): HttpResult {
  return { statusCode: body.status, headers: { "content-type": "application/problem+json", ...headers }, body: JSON.stringify(body) };
}

/** Header lookup that ignores case (API Gateway lower-cases, but direct invocations may not). */
export function headerOf(headers: Record<string, string | undefined> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === wanted) return v;
  return undefined;
}
