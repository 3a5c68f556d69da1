// The stage's access log: its format (JSON with $context variables) filled per request, as API
// Gateway writes it.
import { requestTime } from "./payload-v2";

/** Fills an access log format's $context variables (unknown ones become "-"). */
export function renderAccessLog(format: string, vars: Record<string, string | number>): string {
  return format.replace(/\$context\.([A-Za-z0-9_.]+)/g, (_, name: string) => {
    const v = vars[name];
    return v === undefined || v === "" ? "-" : String(v).replace(/["\\]/g, (c) => `\\${c}`);
  });
}

/** What one request came to, in the terms the $context variables name. */
export interface AccessLogEntry {
  requestId: string;
  sourceIp: string;
  userAgent: string;
  started: number;
  method: string;
  path: string;
  routeKey: string;
  status: number;
  protocol: string;
  responseLength: number;
  integration: { status?: number; latency?: number; error?: string };
  /** Set when API Gateway itself answered (no route, throttled, too large, function failed). */
  gatewayError: string;
  apiId: string;
  stage: string;
  domainName: string;
}

/** The $context variables of an entry (both the current names and the older aliases). */
export function accessLogVariables(e: AccessLogEntry): Record<string, string | number> {
  return {
    requestId: e.requestId,
    extendedRequestId: e.requestId,
    "identity.sourceIp": e.sourceIp,
    "identity.userAgent": e.userAgent,
    requestTime: requestTime(new Date(e.started)),
    requestTimeEpoch: Math.floor(e.started / 1000),
    httpMethod: e.method,
    path: e.path,
    routeKey: e.routeKey,
    status: e.status,
    protocol: e.protocol,
    responseLength: e.responseLength,
    responseLatency: Date.now() - e.started,
    "integration.status": e.integration.status ?? "",
    integrationStatus: e.integration.status ?? "",
    "integration.latency": e.integration.latency ?? "",
    integrationLatency: e.integration.latency ?? "",
    "integration.error": e.integration.error ?? "",
    integrationErrorMessage: e.integration.error ?? "",
    "error.message": e.gatewayError,
    apiId: e.apiId,
    stage: e.stage,
    domainName: e.domainName,
  };
}
