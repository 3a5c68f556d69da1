// A source's request as the CloudEvent Sluice makes of it (DESIGN §2b): `specversion` 1.0, `id`
// from the id rule, `source` /sources/<name>, `type` from the template, `time` the receipt time,
// `datacontenttype` the request's, and the body as `data`: a JSON body's own text (scanned once
// with the limits), a UTF-8 text body as a string, anything else as `data_base64`. Also where the
// raw body sits inside that event, so it is stored once (contract/stored-document.ts, RawSpan).
import { isUtf8 } from "node:buffer";
import { INPUT_LIMITS } from "../contract/limits";
import { problem } from "../contract/problems";
import type { ProblemBody } from "../contract/problems";
import { sourceEventSource } from "../contract/sources";
import type { SourceSettings } from "../contract/sources";
import type { RawSpan } from "../contract/stored-document";
import type { ScannedEvent } from "../cloudevent-envelope";
import { headerOf } from "../http-request";
import { scanJson } from "../json-scan";
import type { JsonNode, ObjectNode, StringNode } from "../json-scan";
import { isJsonMediaType, isUtf8Charset, parseMediaType } from "../media-type";
import type { MediaType } from "../media-type";
import { scanProblem } from "../read-event";
import { evaluateId, evaluateTemplate } from "./source-rules";
import type { IdRule, RuleInput, TemplatePart } from "./source-rules";

export type Wrapped = { ok: true; scanned: ScannedEvent; rawOf: RawSpan } | { ok: false; problem: ProblemBody };

/** What the body becomes in the event. */
type Data = { kind: "json"; text: string } | { kind: "string"; text: string } | { kind: "base64"; base64: string } | { kind: "none" };

const TEXT_TYPES = ["application/x-www-form-urlencoded", "application/xml"];

function isText(media: MediaType | undefined): boolean {
  if (!media) return false;
  return media.essence.startsWith("text/") || TEXT_TYPES.includes(media.essence) || media.essence.endsWith("+xml");
}

function refuse415(contentType: string | undefined, why: string, requestId: string): { ok: false; problem: ProblemBody } {
  return { ok: false, problem: problem("unsupported-media-type", `content type ${JSON.stringify(contentType ?? "")} is not accepted: ${why}`, { requestId }) };
}

/** The body read as the source takes it, and its scanned tree when it is JSON. */
function readBody(source: SourceSettings, headers: Record<string, string | undefined>, body: Uint8Array, requestId: string): { ok: true; data: Data; root?: JsonNode } | { ok: false; problem: ProblemBody } {
  const contentType = headerOf(headers, "content-type");
  const media = contentType === undefined ? undefined : parseMediaType(contentType);
  if (contentType !== undefined && !media) return refuse415(contentType, "it is not a media type (RFC 9110)", requestId);
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (media && isJsonMediaType(media)) {
    if (!isUtf8Charset(media)) return refuse415(contentType, "JSON is read in UTF-8 only", requestId);
    if (!isUtf8(bytes)) return { ok: false, problem: problem("invalid-json", "the body is not valid UTF-8", { requestId }) };
    const text = bytes.toString("utf8");
    if (text.trim() === "") return { ok: true, data: { kind: "none" } };
    // The body becomes `data`, one level below the event: its depth counts from 2.
    const scanned = scanJson(text, { maxDepth: INPUT_LIMITS.maxDepth, depthOffset: 1, pathPrefix: "/data" });
    if (!scanned.ok) return { ok: false, problem: scanProblem(scanned.error, text, requestId) };
    return { ok: true, data: { kind: "json", text }, root: scanned.node };
  }
  if (source.jsonOnly) return refuse415(contentType, `source ${source.name} takes JSON only (application/json or */*+json)`, requestId);
  if (bytes.byteLength === 0) return { ok: true, data: { kind: "none" } };
  if (isText(media) && isUtf8Charset(media!) && isUtf8(bytes)) return { ok: true, data: { kind: "string", text: bytes.toString("utf8") } };
  return { ok: true, data: { kind: "base64", base64: bytes.toString("base64") } };
}

/** The event's text and tree: our attributes, then the data member; the raw body's span in it. */
function compose(attributes: [string, string][], data: Data, requestId: string): Wrapped {
  const root: ObjectNode = { k: "object", s: 0, e: -1, keys: [], values: [], keyStarts: [] };
  let text = "{";
  const member = (name: string) => {
    if (root.keys.length > 0) text += ",";
    root.keyStarts.push(text.length);
    text += JSON.stringify(name) + ":";
    root.keys.push(name);
  };
  const stringMember = (name: string, value: string): StringNode => {
    member(name);
    const node: StringNode = { k: "string", s: text.length, e: -1, v: value };
    text += JSON.stringify(value);
    node.e = text.length;
    root.values.push(node);
    return node;
  };
  for (const [name, value] of attributes) stringMember(name, value);
  let span: { s: number; e: number; encoding: RawSpan["encoding"] } = { s: 0, e: 0, encoding: "text" };
  if (data.kind === "json") {
    member("data");
    const start = text.length;
    text += data.text;
    const scanned = scanJson(text, { maxDepth: INPUT_LIMITS.maxDepth, depthOffset: 1, pathPrefix: "/data", start, end: text.length });
    if (!scanned.ok) return { ok: false, problem: scanProblem(scanned.error, text, requestId, start) };
    root.values.push(scanned.node);
    span = { s: start, e: text.length, encoding: "text" };
  } else if (data.kind === "string") {
    const node = stringMember("data", data.text);
    span = { s: node.s, e: node.e, encoding: "string" };
  } else if (data.kind === "base64") {
    const node = stringMember("data_base64", data.base64);
    span = { s: node.s, e: node.e, encoding: "base64" };
  }
  text += "}";
  root.e = text.length;
  const byteOffset = (i: number) => Buffer.byteLength(text.slice(0, i), "utf8");
  const start = byteOffset(span.s);
  const rawOf: RawSpan = { start, end: start + Buffer.byteLength(text.slice(span.s, span.e), "utf8"), encoding: span.encoding };
  return { ok: true, scanned: { text, root }, rawOf };
}

function ruleProblem(path: string, what: string, missing: string, requestId: string): ProblemBody {
  return problem("validation-failed", `the source's ${what} rule found nothing in the request`, { errors: [{ path, message: `the ${what} comes from ${missing}, which the request does not have` }], requestId });
}

export interface SourceRequestParts {
  headers: Record<string, string | undefined>;
  body: Uint8Array;
  receivedAt: string;
  requestId: string;
}

/** The CloudEvent of one verified request to `source`, or the 4xx that refuses it. */
export function wrapSourceEvent(source: SourceSettings, rules: { id: IdRule; type: readonly TemplatePart[] }, req: SourceRequestParts): Wrapped {
  const read = readBody(source, req.headers, req.body, req.requestId);
  if (!read.ok) return read;
  const input: RuleInput = { headers: req.headers, raw: req.body, json: read.data.kind === "json" && read.root ? { text: read.data.text, root: read.root } : undefined };
  const id = evaluateId(rules.id, input);
  if (!id.ok) return { ok: false, problem: ruleProblem("/id", "id", id.missing, req.requestId) };
  const type = evaluateTemplate(rules.type, input);
  if (!type.ok) return { ok: false, problem: ruleProblem("/type", "type", type.missing, req.requestId) };
  const attributes: [string, string][] = [
    ["specversion", "1.0"],
    ["id", id.value],
    ["source", sourceEventSource(source.name)],
    ["type", type.value],
    ["time", req.receivedAt],
  ];
  const contentType = headerOf(req.headers, "content-type");
  if (contentType !== undefined) attributes.push(["datacontenttype", contentType.trim()]);
  return compose(attributes, read.data, req.requestId);
}
