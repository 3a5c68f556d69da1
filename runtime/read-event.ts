// From an HTTP request to scanned events, as the CloudEvents HTTP binding reads one: the body's
// size and encoding first, then the content mode by content type (a structured event with a stray
// ce-specversion header is still structured), then one scan of the text (json-scan.ts). Binary
// mode builds the structured event around the body's own text, so `data` is stored as sent.
import { isUtf8 } from "node:buffer";
import { INPUT_LIMITS } from "./contract/limits";
import { problem } from "./contract/problems";
import { routeKey } from "./contract/routes";
import type { ProblemBody } from "./contract/problems";
import { DATA_MEMBERS } from "./cloudevent-attributes";
import type { ScannedEvent } from "./cloudevent-envelope";
import { lineAndColumn, pointerSegment, scanJson } from "./json-scan";
import type { JsonNode, ObjectNode, ScanError, StringNode } from "./json-scan";
import { headerOf } from "./http-request";
import { isJsonMediaType, isUtf8Charset, parseMediaType } from "./media-type";
import type { MediaType } from "./media-type";

/** What the ingest knows about one HTTP request before touching any dependency. */
export interface IngestRequest {
  headers: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded?: boolean;
  requestId: string;
  sourceIp?: string;
  userAgent?: string;
  receivedAt: string;
}

export type Read<T> = { ok: true; value: T } | { ok: false; problem: ProblemBody };

const CE_HEADER = "ce-";

/** The body as text: within the size limit after base64 decoding, and valid UTF-8. */
export function readBodyText(req: IngestRequest, maxBodyBytes: number): Read<string> {
  const raw = req.body ?? "";
  const bytes = req.isBase64Encoded ? Buffer.from(raw, "base64") : undefined;
  const size = bytes ? bytes.byteLength : Buffer.byteLength(raw, "utf8");
  if (size > maxBodyBytes) return { ok: false, problem: problem("payload-too-large", `the body is ${size} bytes; the limit is ${maxBodyBytes}`, { requestId: req.requestId }) };
  if (bytes && !isUtf8(bytes)) return { ok: false, problem: problem("invalid-json", "the body is not valid UTF-8", { requestId: req.requestId }) };
  return { ok: true, value: bytes ? bytes.toString("utf8") : raw };
}

/** The problem for a scan that failed: 400 for text that is not JSON, 422 with a path for JSON we refuse. */
export function scanProblem(error: ScanError, text: string, requestId: string, offsetBase = 0, where = "the body"): ProblemBody {
  if (error.kind === "invalid") return problem("validation-failed", "the event exceeds a documented input limit or is not acceptable JSON", { errors: [{ path: error.path, message: error.message }], requestId });
  const at = error.offset - offsetBase;
  return problem("invalid-json", `${where} is not valid JSON: ${error.message} at character ${at + 1} (${lineAndColumn(text.slice(offsetBase), at)})`, { requestId });
}

/** A structured-mode body: one JSON object. */
export function scanStructured(text: string, requestId: string): Read<ScannedEvent> {
  if (text.trim() === "") return { ok: false, problem: problem("invalid-json", "the body is empty", { requestId }) };
  const scanned = scanJson(text, { maxDepth: INPUT_LIMITS.maxDepth });
  if (!scanned.ok) return { ok: false, problem: scanProblem(scanned.error, text, requestId) };
  if (scanned.node.k !== "object") {
    return { ok: false, problem: problem("validation-failed", "the CloudEvent envelope is invalid", { errors: [{ path: "", message: "a CloudEvent must be a JSON object" }], requestId }) };
  }
  return { ok: true, value: { text, root: scanned.node } };
}

/** A batch body: a JSON array whose items are scanned as events (the array does not count in the depth). */
export function scanBatch(text: string, requestId: string): Read<{ text: string; items: JsonNode[] }> {
  if (text.trim() === "") return { ok: false, problem: problem("invalid-json", "the body is empty", { requestId }) };
  const scanned = scanJson(text, { maxDepth: INPUT_LIMITS.maxDepth + 1 });
  // An error path inside an item starts with its index: /3/data/x is event 3's /data/x.
  if (!scanned.ok) return { ok: false, problem: scanProblem(scanned.error, text, requestId) };
  if (scanned.node.k !== "array") {
    return { ok: false, problem: problem("validation-failed", "a batch is a JSON array of CloudEvents", { errors: [{ path: "", message: "expected an array" }], requestId }) };
  }
  return { ok: true, value: { text, items: scanned.node.items } };
}

// RFC 9110 quoted-string unescaping, then one round of percent-decoding whose bytes must be UTF-8
// (CloudEvents HTTP binding 3.1.3.2: "%C0%A0" and a stray "%" are refused, not kept).
function decodeHeaderValue(raw: string): string | undefined {
  let value = raw.trim();
  if (value.startsWith('"')) {
    if (value.length < 2 || !value.endsWith('"')) return undefined;
    value = value.slice(1, -1).replace(/\\(.)/g, "$1");
  }
  const chunks: Buffer[] = [];
  for (const part of value.split(/(%[0-9A-Fa-f]{2})/)) {
    if (/^%[0-9A-Fa-f]{2}$/.test(part)) chunks.push(Buffer.from([parseInt(part.slice(1), 16)]));
    else if (part.includes("%")) return undefined;
    else chunks.push(Buffer.from(part, "utf8"));
  }
  const buf = Buffer.concat(chunks);
  return isUtf8(buf) ? buf.toString("utf8") : undefined;
}

/**
 * A binary-mode request as the structured event it stands for: the `ce-*` headers become
 * attributes (their JSON written by us), Content-Type becomes `datacontenttype`, and the body's
 * text becomes `data` unchanged. The scan covers only the body; the rest is ours.
 */
export function scanBinary(headers: Record<string, string | undefined>, contentType: string | undefined, media: MediaType | undefined, body: string, requestId: string): Read<ScannedEvent> {
  const attributes: [string, string][] = [];
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (!lower.startsWith(CE_HEADER) || value === undefined) continue;
    const attribute = lower.slice(CE_HEADER.length);
    const decoded = decodeHeaderValue(value);
    const path = pointerSegment(attribute);
    // The body is the data: a header standing for it would make a second "data" member, and two
    // headers of one name (a direct invoke keeps their case) a second attribute, in text we write.
    if (DATA_MEMBERS.includes(attribute) || attributes.some(([n]) => n === attribute)) {
      return { ok: false, problem: problem("validation-failed", "the CloudEvent envelope is invalid", { errors: [{ path, message: DATA_MEMBERS.includes(attribute) ? `in binary mode the body is the data; ${lower} must not be sent` : `the ${lower} header is sent twice` }], requestId }) };
    }
    if (attribute === "datacontenttype") {
      return { ok: false, problem: problem("validation-failed", "the CloudEvent envelope is invalid", { errors: [{ path, message: "in binary mode the data's type is the Content-Type header; ce-datacontenttype must not be sent" }], requestId }) };
    }
    if (decoded === undefined) {
      return { ok: false, problem: problem("validation-failed", "the CloudEvent envelope is invalid", { errors: [{ path, message: `the ${lower} header is not percent-encoded UTF-8` }], requestId }) };
    }
    attributes.push([attribute, decoded]);
  }
  const hasData = body.trim() !== "";
  if (hasData && (!media || !isJsonMediaType(media) || !isUtf8Charset(media))) {
    return { ok: false, problem: problem("unsupported-media-type", `binary-mode data must be JSON in UTF-8 (application/json or */*+json); the content type is ${JSON.stringify(contentType ?? "")}`, { requestId }) };
  }
  if (contentType !== undefined) attributes.push(["datacontenttype", contentType.trim()]);
  const first = ["specversion", "id", "source", "type", "datacontenttype"];
  const rank = (n: string) => (first.includes(n) ? first.indexOf(n) : first.length);
  attributes.sort((a, b) => rank(a[0]) - rank(b[0]) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

  const root: ObjectNode = { k: "object", s: 0, e: -1, keys: [], values: [], keyStarts: [] };
  let text = "{";
  for (const [name, value] of attributes) {
    if (root.keys.length > 0) text += ",";
    root.keyStarts.push(text.length);
    text += JSON.stringify(name) + ":";
    const node: StringNode = { k: "string", s: text.length, e: -1, v: value };
    text += JSON.stringify(value);
    node.e = text.length;
    root.keys.push(name);
    root.values.push(node);
  }
  if (hasData) {
    if (root.keys.length > 0) text += ",";
    root.keyStarts.push(text.length);
    text += '"data":';
    const dataStart = text.length;
    text += body + "}";
    const scanned = scanJson(text, { maxDepth: INPUT_LIMITS.maxDepth, depthOffset: 1, pathPrefix: "/data", start: dataStart, end: dataStart + body.length });
    if (!scanned.ok) return { ok: false, problem: scanProblem(scanned.error, text.slice(0, dataStart + body.length), requestId, dataStart) };
    root.keys.push("data");
    root.values.push(scanned.node);
  } else {
    text += "}";
  }
  root.e = text.length;
  return { ok: true, value: { text, root } };
}

export type ContentMode = { mode: "structured" } | { mode: "binary"; contentType?: string; media?: MediaType };

/** The content mode of `POST /events`, from the Content-Type (CloudEvents HTTP binding §3). */
export function contentMode(headers: Record<string, string | undefined>, requestId: string): Read<ContentMode> {
  const contentType = headerOf(headers, "content-type");
  const media = contentType === undefined ? undefined : parseMediaType(contentType);
  const refuse = (why: string): Read<ContentMode> => ({
    ok: false,
    problem: problem("unsupported-media-type", `content type ${JSON.stringify(contentType ?? "")} is not accepted: ${why}`, { requestId }),
  });
  if (contentType !== undefined && !media) return refuse("it is not a media type (RFC 9110)");
  if (media?.essence.startsWith("application/cloudevents-batch")) return refuse(`a batch goes to ${routeKey("postBatch")}`);
  if (media?.essence.startsWith("application/cloudevents")) {
    if (media.essence !== "application/cloudevents+json") return refuse("the only structured event format accepted is application/cloudevents+json");
    return isUtf8Charset(media) ? { ok: true, value: { mode: "structured" } } : refuse("JSON is read in UTF-8 only");
  }
  if (headerOf(headers, "ce-specversion") !== undefined) return { ok: true, value: { mode: "binary", contentType, media } };
  if (media?.essence === "application/json") return isUtf8Charset(media) ? { ok: true, value: { mode: "structured" } } : refuse("JSON is read in UTF-8 only");
  return refuse("send application/cloudevents+json, application/json, or binary mode (ce-* headers) with a JSON body, in UTF-8");
}
