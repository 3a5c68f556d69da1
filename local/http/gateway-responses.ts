// The answers an HTTP API gives itself, without (or instead of) the function: no route, body too
// large, throttled, the integration failed or ran past its timeout. API Gateway's own bodies, not
// Sluice's problem+json: `{"message":"…"}` as JSON, and no header it does not send (no
// Retry-After on a 429). Every answer also carries `apigw-requestid` (api-server.ts).
// Sources: the HTTP API quotas (payload 10 MB, integration timeout at most 30 s, not raisable):
// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html, and the
// integration's timeoutInMillis (50–30,000 ms, default 30 s for HTTP APIs; API Gateway V2
// reference, e.g. https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-apigatewayv2-apigatewaymanagedoverrides-integrationoverrides.html).
// That a timed-out HTTP API integration is a 503 {"message":"Service Unavailable"} with only
// date, content-length and apigw-requestid (a REST API answers 504) is what deployed HTTP APIs
// were seen to send (github.com/cortexlabs/cortex/issues/1225); the AWS guides name no body.

export interface GatewayResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: Buffer;
  cookies?: string[];
}

/** API Gateway's payload limit. */
export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

/** An HTTP API's longest (and default) integration timeout. */
export const MAX_INTEGRATION_TIMEOUT_MS = 30_000;

function message(status: number, text: string, headers: Record<string, string> = { "content-type": "application/json" }): GatewayResponse {
  return { statusCode: status, headers, body: Buffer.from(JSON.stringify({ message: text })) };
}

/** Over the 10 MB payload limit. */
export function payloadTooLarge(): GatewayResponse {
  return message(413, "Request Entity Too Large");
}

/** No route matches the method and path (an HTTP API has no 405: a wrong method is no route). */
export function noRoute(): GatewayResponse {
  return message(404, "Not Found");
}

/** The stage's (or route's) rate or burst limit was exceeded. */
export function throttled(): GatewayResponse {
  return message(429, "Too Many Requests");
}

/** The function failed (error, crash, its own timeout), could not be invoked, or returned something unusable. */
export function integrationFailed(): GatewayResponse {
  return message(500, "Internal Server Error");
}

/** The integration did not answer within its timeout; the function may still be running. */
export function integrationTimedOut(): GatewayResponse {
  // Observed without a content type.
  return message(503, "Service Unavailable", {});
}
