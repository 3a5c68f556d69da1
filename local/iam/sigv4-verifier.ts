// Checks an AWS Signature Version 4 (AWS4-HMAC-SHA256, Authorization header) the way an AWS
// service checks its caller: the canonical request rebuilt from what arrived, the string to sign,
// the signing key derived from the caller's secret, compared in constant time; the credential
// scope (date, region, service) and the clock checked first. Service-neutral: the local DynamoDB
// and SQS twins use it, and so can the HTTP edge (`execute-api`). What each protocol answers for
// a failure is the caller's business (denial-answers.ts); the failure says which it is.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { decodeComponent } from "../../runtime/http-request";

/** A request as it arrived: method, path and query as sent (`req.url`), headers, raw body. */
export interface SignedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** What the verifier knows about an access key id. */
export interface KnownKey<P> {
  secretAccessKey: string;
  /** Temporary credentials (a role session) carry a token that must come with every request. */
  sessionToken?: string;
  principal: P;
}

export type SigV4FailureKind = "missing" | "incomplete" | "unknown-key" | "wrong-scope" | "expired" | "signature-mismatch";

/** Why a request was refused, with the text AWS gives for it. */
export interface SigV4Failure {
  kind: SigV4FailureKind;
  message: string;
}

export type SigV4Result<P> = { ok: true; accessKeyId: string; principal: P } | { ok: false; failure: SigV4Failure };

export interface SigV4VerifierOptions<P> {
  /** The signing name of the service checked: `dynamodb`, `sqs`, `execute-api`. */
  service: string;
  region: string;
  lookup(accessKeyId: string): KnownKey<P> | undefined;
  /** Epoch ms. Default Date.now. */
  now?: () => number;
}

const ALGORITHM = "AWS4-HMAC-SHA256";
/** SigV4 requests are accepted within 15 minutes of the service's clock. */
const MAX_SKEW_MS = 15 * 60_000;
const MISMATCH =
  "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
const INVALID_TOKEN = "The security token included in the request is invalid.";

const fail = (kind: SigV4FailureKind, message: string): { ok: false; failure: SigV4Failure } => ({ ok: false, failure: { kind, message } });

function header(headers: SignedRequest["headers"], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(",") : v;
}

/** RFC 3986 encoding as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
export function sigV4Escape(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The canonical URI of every service but S3: dot segments removed, then each byte escaped again. */
export function canonicalPath(rawPath: string): string {
  const segments: string[] = [];
  for (const s of rawPath.split("/")) {
    if (s === "" || s === ".") continue;
    if (s === "..") segments.pop();
    else segments.push(s);
  }
  const normalized = `${rawPath.startsWith("/") ? "/" : ""}${segments.join("/")}${segments.length > 0 && rawPath.endsWith("/") ? "/" : ""}`;
  return sigV4Escape(normalized).replace(/%2F/g, "/");
}

/** The canonical query string: each name and value decoded, escaped again, sorted by name then value. */
export function canonicalQuery(rawQuery: string): string {
  const pairs: [string, string][] = [];
  for (const part of rawQuery.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const name = sigV4Escape(decodeComponent(eq < 0 ? part : part.slice(0, eq)));
    if (name.toLowerCase() === "x-amz-signature") continue;
    pairs.push([name, sigV4Escape(decodeComponent(eq < 0 ? "" : part.slice(eq + 1)))]);
  }
  pairs.sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join("&");
}

/** The canonical request of `req` for the given signed header names (lower-case, as listed). */
export function canonicalRequest(req: SignedRequest, signedHeaders: string[], payloadHash: string): string {
  const q = req.url.indexOf("?");
  const rawPath = q < 0 ? req.url : req.url.slice(0, q);
  const rawQuery = q < 0 ? "" : req.url.slice(q + 1);
  const lines = signedHeaders.map((name) => `${name}:${(header(req.headers, name) ?? "").replace(/[\r\n]/g, " ").replace(/[ \t]+/g, " ").trim()}`);
  return [req.method.toUpperCase(), canonicalPath(rawPath || "/"), canonicalQuery(rawQuery), ...lines, "", signedHeaders.join(";"), payloadHash].join("\n");
}

interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  terminator: string;
  signedHeaders: string[];
  signature: string;
}

function parseAuthorization(value: string): ParsedAuthorization | SigV4Failure {
  const space = value.indexOf(" ");
  const algorithm = space < 0 ? value : value.slice(0, space);
  if (algorithm !== ALGORITHM) return { kind: "incomplete", message: `Unsupported AWS 'algorithm': '${algorithm}'` };
  const fields = new Map<string, string>();
  for (const part of value.slice(space + 1).split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  for (const name of ["Credential", "SignedHeaders", "Signature"]) {
    if (!fields.get(name)) return { kind: "incomplete", message: `Authorization header requires '${name}' parameter. Authorization=${value}` };
  }
  const scope = fields.get("Credential")!.split("/");
  if (scope.length !== 5) return { kind: "incomplete", message: `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${fields.get("Credential")}'` };
  const [accessKeyId, date, region, service, terminator] = scope;
  return { accessKeyId, date, region, service, terminator, signedHeaders: fields.get("SignedHeaders")!.split(";"), signature: fields.get("Signature")! };
}

/** `20240102T030405Z` from an x-amz-date (or an HTTP Date header). */
function amzDateOf(req: SignedRequest): string | undefined {
  const amz = header(req.headers, "x-amz-date");
  if (amz) return amz;
  const date = header(req.headers, "date");
  const t = date ? Date.parse(date) : NaN;
  return Number.isNaN(t) ? undefined : iso(t);
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "");
}

function parseAmzDate(s: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : NaN;
}

const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data, "utf8").digest();
const sha256Hex = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

/** The SigV4 signing key: the secret, HMAC-chained through date, region, service and terminator. */
export function signingKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), region), service), "aws4_request");
}

/** A verifier for one service and region; it caches signing keys per key id and day. */
export function createSigV4Verifier<P>(opts: SigV4VerifierOptions<P>) {
  const now = opts.now ?? Date.now;
  const keys = new Map<string, Buffer>();
  const keyFor = (id: string, known: KnownKey<P>, date: string) => {
    const cacheKey = `${id}/${date}`;
    let k = keys.get(cacheKey);
    if (!k) {
      if (keys.size > 256) keys.clear();
      keys.set(cacheKey, (k = signingKey(known.secretAccessKey, date, opts.region, opts.service)));
    }
    return k;
  };

  return function verify(req: SignedRequest): SigV4Result<P> {
    const authorization = header(req.headers, "authorization");
    if (!authorization) return fail("missing", "Request is missing Authentication Token");
    const auth = parseAuthorization(authorization);
    if ("kind" in auth) return { ok: false, failure: auth };
    const amzDate = amzDateOf(req);
    if (!amzDate) return fail("incomplete", `Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=${authorization}`);
    if (!auth.signedHeaders.includes("host")) return fail("signature-mismatch", "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");

    const known = opts.lookup(auth.accessKeyId);
    if (!known) return fail("unknown-key", INVALID_TOKEN);
    if (known.sessionToken !== undefined && header(req.headers, "x-amz-security-token") !== known.sessionToken) return fail("unknown-key", INVALID_TOKEN);

    if (auth.terminator !== "aws4_request") return fail("wrong-scope", "Credential should be scoped with a valid terminator: 'aws4_request', not '" + auth.terminator + "'.");
    if (auth.service !== opts.service) return fail("wrong-scope", `Credential should be scoped to correct service: '${opts.service}'.`);
    if (auth.region !== opts.region) return fail("wrong-scope", `Credential should be scoped to a valid region, not '${auth.region}'.`);
    if (auth.date !== amzDate.slice(0, 8)) {
      return fail("wrong-scope", `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.date}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`);
    }
    const signedAt = parseAmzDate(amzDate);
    const t = now();
    if (Number.isNaN(signedAt)) return fail("incomplete", `Invalid X-Amz-Date '${amzDate}'`);
    if (signedAt < t - MAX_SKEW_MS) return fail("expired", `Signature expired: ${amzDate} is now earlier than ${iso(t - MAX_SKEW_MS)} (${iso(t)} - 15 min.)`);
    if (signedAt > t + MAX_SKEW_MS) return fail("expired", `Signature not yet current: ${amzDate} is still later than ${iso(t + MAX_SKEW_MS)} (${iso(t)} + 15 min.)`);

    const payloadHash = sha256Hex(req.body);
    // A client that declares its payload hash must declare the right one.
    const declared = header(req.headers, "x-amz-content-sha256");
    if (declared !== undefined && declared !== payloadHash) return fail("signature-mismatch", MISMATCH);
    const stringToSign = [ALGORITHM, amzDate, `${auth.date}/${auth.region}/${auth.service}/aws4_request`, sha256Hex(canonicalRequest(req, auth.signedHeaders, payloadHash))].join("\n");
    const expected = Buffer.from(createHmac("sha256", keyFor(auth.accessKeyId, known, auth.date)).update(stringToSign, "utf8").digest("hex"));
    const given = Buffer.from(auth.signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return fail("signature-mismatch", MISMATCH);
    return { ok: true, accessKeyId: auth.accessKeyId, principal: known.principal };
  };
}

export type SigV4Verifier<P> = ReturnType<typeof createSigV4Verifier<P>>;
