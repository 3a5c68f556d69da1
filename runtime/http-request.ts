// Reading an HTTP request the same way everywhere: the handlers, the local edge and the CLI.
import type { APIGatewayProxyEventV2 } from "aws-lambda";

/** Header lookup that ignores case (API Gateway lower-cases, but direct invocations may not). */
export function headerOf(headers: Record<string, string | undefined> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === wanted) return v;
  return undefined;
}

/**
 * `decodeURIComponent` that never throws: a malformed escape (`%E0%A4%A`) is kept as sent, so a
 * hostile path or header can be refused by the check that reads it, not crash the reader.
 */
export function decodeComponent(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The request's method and path, without the stage prefix a named stage adds to rawPath. */
export function requestLine(event: APIGatewayProxyEventV2): { method: string; path: string } {
  const method = (event.requestContext?.http?.method ?? "GET").toUpperCase();
  let path = event.rawPath ?? event.requestContext?.http?.path ?? "/";
  const stage = event.requestContext?.stage;
  if (stage && stage !== "$default" && path.startsWith(`/${stage}/`)) path = path.slice(stage.length + 1);
  if (path.length > 1 && path.endsWith("/")) path = path.slice(0, -1);
  return { method, path };
}
