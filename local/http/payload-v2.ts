// Translation between HTTP and Lambda for an HTTP API route with payload format 2.0: the request
// becomes an APIGatewayProxyEventV2, the function's result becomes the HTTP response, with API
// Gateway's rules for both.
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { decodeComponent } from "../../runtime/http-request";

export interface IncomingRequest {
  method: string;
  /** Path and query as received, e.g. `/events/abc?x=1`. */
  url: string;
  /** Node's rawHeaders: name, value, name, value… */
  rawHeaders: string[];
  body: Buffer;
  sourceIp: string;
}

export interface RequestContextInfo {
  routeKey: string;
  pathParameters: Record<string, string>;
  requestId: string;
  apiId: string;
  domainName: string;
  stage: string;
  accountId: string;
  now: Date;
  /** `requestContext.authorizer`: what the route's authorizer learnt of the caller (`{ iam: … }`). */
  authorizer?: Record<string, unknown>;
}

const TEXT_TYPES = [/^text\//, /^application\/json\b/, /^application\/[^;]*\+json\b/, /^application\/xml\b/, /^application\/[^;]*\+xml\b/, /^application\/javascript\b/];

/** Whether API Gateway passes a body of this content type as text (else base64). */
export function isTextContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const ct = contentType.trim().toLowerCase();
  return TEXT_TYPES.some((re) => re.test(ct));
}

function monthName(d: Date): string {
  return ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][d.getUTCMonth()];
}

/** API Gateway's requestContext.time format: `12/Mar/2020:19:03:58 +0000`. */
export function requestTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(d.getUTCDate())}/${monthName(d)}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

export function buildEventV2(req: IncomingRequest, ctx: RequestContextInfo): APIGatewayProxyEventV2 {
  const q = req.url.indexOf("?");
  const rawPath = q === -1 ? req.url : req.url.slice(0, q);
  const rawQueryString = q === -1 ? "" : req.url.slice(q + 1);

  // Format 2.0: header names lower-cased, repeats joined by commas; cookies moved to their own list.
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i].toLowerCase();
    const value = req.rawHeaders[i + 1];
    if (name === "cookie") {
      cookies.push(...value.split(";").map((c) => c.trim()).filter((c) => c !== ""));
      continue;
    }
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }

  const query: Record<string, string> = {};
  if (rawQueryString !== "") {
    for (const pair of rawQueryString.split("&")) {
      if (pair === "") continue;
      const eq = pair.indexOf("=");
      const key = decodeComponent((eq === -1 ? pair : pair.slice(0, eq)).replace(/\+/g, " "));
      const value = eq === -1 ? "" : decodeComponent(pair.slice(eq + 1).replace(/\+/g, " "));
      query[key] = query[key] === undefined ? value : `${query[key]},${value}`;
    }
  }

  const hasBody = req.body.length > 0;
  const text = isTextContentType(headers["content-type"]);
  const event: APIGatewayProxyEventV2 = {
    version: "2.0",
    routeKey: ctx.routeKey,
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: ctx.accountId,
      apiId: ctx.apiId,
      ...(ctx.authorizer ? { authorizer: ctx.authorizer as never } : {}),
      domainName: ctx.domainName,
      domainPrefix: ctx.domainName.split(".")[0],
      http: {
        method: req.method.toUpperCase(),
        path: rawPath,
        protocol: "HTTP/1.1",
        sourceIp: req.sourceIp,
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: ctx.requestId,
      routeKey: ctx.routeKey,
      stage: ctx.stage,
      time: requestTime(ctx.now),
      timeEpoch: ctx.now.getTime(),
    },
    ...(Object.keys(ctx.pathParameters).length > 0 ? { pathParameters: ctx.pathParameters } : {}),
    ...(hasBody ? { body: text ? req.body.toString("utf8") : req.body.toString("base64") } : {}),
    isBase64Encoded: hasBody && !text,
  };
  return event;
}


export interface HttpResult {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
  body: Buffer;
}

/**
 * The HTTP response API Gateway makes of a function's result (format 2.0): a result without
 * `statusCode` is taken as a 200 JSON body; `isBase64Encoded` bodies are decoded.
 */
export function toHttpResult(value: unknown): HttpResult {
  const structured = value !== null && typeof value === "object" && "statusCode" in (value as object);
  if (!structured) {
    const body = typeof value === "string" ? value : JSON.stringify(value ?? null);
    return { statusCode: 200, headers: { "content-type": "application/json" }, cookies: [], body: Buffer.from(body) };
  }
  const r = value as APIGatewayProxyStructuredResultV2;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = String(v);
  const raw = r.body ?? "";
  const body = r.isBase64Encoded ? Buffer.from(raw, "base64") : Buffer.from(raw, "utf8");
  if (body.length > 0 && headers["content-type"] === undefined) headers["content-type"] = "application/json";
  return { statusCode: Number(r.statusCode), headers, cookies: r.cookies ?? [], body };
}
