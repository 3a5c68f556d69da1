// The stored document: what the table's binary `document` attribute holds for one event. One byte
// of format, then (deflated where that is smaller) a JSON line of metadata, a newline, the event's
// exact UTF-8 text, and optionally the raw request body's bytes. The metadata line says how long
// each part is, so parts can be added later without breaking readers of the old ones.
//
//   byte 0      1 = stored as is, 2 = deflated (raw DEFLATE, RFC 1951)
//   then        {"key":…,"requestId":…,"sourceIp":…,"userAgent":…,"eventBytes":N,"rawBytes":M,"receipt":{…}}\n
//               N bytes of event JSON text, M bytes of raw body
//
// A webhook's raw body is usually inside the event already: a JSON body is its `data` text, a text
// body its `data` string, anything else its `data_base64`. Then the metadata says where
// (`"rawOf":[start,end,encoding]`, byte offsets into the event) instead of storing it twice, and
// the reader gets the same bytes back; only an event a type's coercions changed carries `rawBytes`.
import { deflateRawSync, inflateRawSync } from "node:zlib";

/** How a webhook's signature was checked when it was received (written by the sources ingest). */
export interface VerificationReceipt {
  /** `none`, `standard-webhooks`, `github`, `stripe`, `hmac-sha256` (runtime/contract/sources.ts). */
  scheme: string;
  /** Which of the source's secrets matched: its index in the list (0 is the first), never the secret. */
  keyIndex?: number;
  /** The Secrets Manager version the secrets were read from. */
  secretVersion?: string;
  /** ISO 8601 time of the timestamp the signature covered (Standard Webhooks, Stripe). */
  signedAt?: string;
  /** ISO 8601 time Sluice checked it. */
  verifiedAt: string;
  /** SHA-256 (hex) of the raw body that was verified. */
  bodySha256: string;
  /** The headers the signature came in, as received, so it can be checked again (`sluice verify`). */
  headers?: Record<string, string>;
  /** hmac-sha256's settings when it was checked: the header, the prefix, the encoding. */
  signature?: { header: string; prefix: string; encoding: string };
}

/**
 * Where the raw body sits inside the event: the byte range of a member's value in the event's
 * UTF-8 text, and how to read it there: `text` as is (JSON `data`), `string` a JSON string's
 * value (a text body as `data`), `base64` a JSON string of base64 (`data_base64`).
 */
export interface RawSpan {
  start: number;
  end: number;
  encoding: "text" | "string" | "base64";
}

export interface StoredDocument {
  /** The event's JSON text as accepted, exactly. */
  event: string;
  /** The idempotency key the event was stored under. */
  key: string;
  requestId: string;
  sourceIp?: string;
  userAgent?: string;
  /** The request body's bytes as received, when they differ from the event (a wrapped webhook). */
  raw?: Uint8Array;
  /** Writing: where `raw` is inside the event, so it is not stored twice (it wins over `raw`). Reading: set when it was. */
  rawOf?: RawSpan;
  receipt?: VerificationReceipt;
}

const STORED_AS_IS = 1;
const DEFLATED = 2;
// Below this, deflate's own framing outweighs what it saves.
const WORTH_COMPRESSING = 96;
const RAW_ENCODINGS = ["text", "string", "base64"];

/** The bytes `span` points at in `event`'s UTF-8 text, decoded as the span says. */
export function rawFromEvent(event: Uint8Array, span: RawSpan): Uint8Array {
  if (!Number.isInteger(span.start) || !Number.isInteger(span.end) || span.start < 0 || span.end > event.byteLength || span.start > span.end) {
    throw new Error("stored document: the raw body's span is outside the event");
  }
  const slice = Buffer.from(event.buffer, event.byteOffset + span.start, span.end - span.start);
  if (span.encoding === "text") return new Uint8Array(slice);
  const value = JSON.parse(slice.toString("utf8")) as unknown;
  if (typeof value !== "string") throw new Error("stored document: the raw body's span is not a JSON string");
  return new Uint8Array(span.encoding === "string" ? Buffer.from(value, "utf8") : Buffer.from(value, "base64"));
}

export function encodeStoredDocument(doc: StoredDocument): Buffer {
  const event = Buffer.from(doc.event, "utf8");
  const meta: Record<string, unknown> = { key: doc.key, requestId: doc.requestId };
  if (doc.sourceIp) meta.sourceIp = doc.sourceIp;
  if (doc.userAgent) meta.userAgent = doc.userAgent;
  meta.eventBytes = event.byteLength;
  const raw = doc.rawOf ? undefined : doc.raw;
  if (doc.rawOf) meta.rawOf = [doc.rawOf.start, doc.rawOf.end, doc.rawOf.encoding];
  if (raw) meta.rawBytes = raw.byteLength;
  if (doc.receipt) meta.receipt = doc.receipt;
  const parts = [Buffer.from(JSON.stringify(meta) + "\n", "utf8"), event];
  if (raw) parts.push(Buffer.from(raw));
  const plain = Buffer.concat(parts);
  if (plain.byteLength >= WORTH_COMPRESSING) {
    const deflated = deflateRawSync(plain);
    if (deflated.byteLength < plain.byteLength) return Buffer.concat([Buffer.from([DEFLATED]), deflated]);
  }
  return Buffer.concat([Buffer.from([STORED_AS_IS]), plain]);
}

export function decodeStoredDocument(bytes: Uint8Array): StoredDocument {
  const all = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const format = all[0];
  if (format !== STORED_AS_IS && format !== DEFLATED) throw new Error(`unknown stored document format ${format}`);
  const plain = format === DEFLATED ? inflateRawSync(all.subarray(1)) : all.subarray(1);
  const newline = plain.indexOf(0x0a);
  if (newline === -1) throw new Error("stored document has no metadata line");
  const meta = JSON.parse(plain.subarray(0, newline).toString("utf8")) as Record<string, unknown>;
  const eventStart = newline + 1;
  const eventEnd = eventStart + Number(meta.eventBytes);
  if (!Number.isInteger(meta.eventBytes) || eventEnd > plain.byteLength) throw new Error("stored document is shorter than its metadata says");
  const eventBytes = plain.subarray(eventStart, eventEnd);
  const doc: StoredDocument = { event: eventBytes.toString("utf8"), key: String(meta.key), requestId: String(meta.requestId) };
  if (typeof meta.sourceIp === "string") doc.sourceIp = meta.sourceIp;
  if (typeof meta.userAgent === "string") doc.userAgent = meta.userAgent;
  if (typeof meta.rawBytes === "number") doc.raw = new Uint8Array(plain.subarray(eventEnd, eventEnd + meta.rawBytes));
  if (Array.isArray(meta.rawOf) && meta.rawOf.length === 3 && RAW_ENCODINGS.includes(meta.rawOf[2])) {
    const [start, end, encoding] = meta.rawOf as [number, number, RawSpan["encoding"]];
    doc.rawOf = { start, end, encoding };
    doc.raw = rawFromEvent(eventBytes, doc.rawOf);
  }
  if (meta.receipt && typeof meta.receipt === "object") doc.receipt = meta.receipt as VerificationReceipt;
  return doc;
}
