// The CloudEvents webhook spec's abuse protection (http-webhook.md §4): a sender asks with
// `OPTIONS` and `WebHook-Request-Origin` whether it may deliver; a source that lists the origin in
// `webhookOrigins` answers `WebHook-Allowed-Origin` and `WebHook-Allowed-Rate` (requests per
// minute, the route's throttle). Consent is those headers alone, never the status: a refusal is
// a 403 without them, and a source with no origins answers 405 as the spec asks of a target that
// does not take part. Pure: no I/O.
import { problem } from "../contract/problems";
import type { SourceRuntime } from "../contract/sources";
import { headerOf } from "../http-request";
import { problemResponse } from "../http-response";
import type { HttpResult } from "../http-response";

const ALLOW = "OPTIONS, POST";

export function webhookHandshake(source: SourceRuntime | undefined, name: string, headers: Record<string, string | undefined>, requestId: string): HttpResult {
  if (!source) return problemResponse(problem("not-found", `no source named ${JSON.stringify(name)}`, { requestId }));
  if (source.webhookOrigins.length === 0) {
    return problemResponse(problem("method-not-allowed", `source ${name} takes no webhook handshake (it lists no webhookOrigins)`, { requestId }), { allow: "POST" });
  }
  const origin = headerOf(headers, "webhook-request-origin")?.trim();
  if (!origin) return { statusCode: 204, headers: { allow: ALLOW }, body: "" };
  const allowed = source.webhookOrigins.includes("*") || source.webhookOrigins.includes(origin.toLowerCase());
  if (!allowed) return problemResponse(problem("origin-not-allowed", `source ${name} does not take deliveries from ${JSON.stringify(origin)}`, { requestId }), { allow: ALLOW });
  return {
    statusCode: 200,
    headers: { allow: ALLOW, "webhook-allowed-origin": origin, "webhook-allowed-rate": String(source.allowedRatePerMinute) },
    body: "",
  };
}
