// Builds API Gateway HTTP API (payload v2) responses: JSON bodies and problem+json errors.
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import type { ProblemBody } from "./contract/problems";

export type HttpResult = APIGatewayProxyStructuredResultV2 & { statusCode: number; headers: Record<string, string>; body: string };

export function jsonResponse(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return { statusCode, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}

export function problemResponse(body: ProblemBody, headers: Record<string, string> = {}): HttpResult {
  return { statusCode: body.status, headers: { "content-type": "application/problem+json", ...headers }, body: JSON.stringify(body) };
}
