// The stored document: what the table's binary `document` attribute holds for one event. One byte
// of format, then (deflated where that is smaller) a JSON line of metadata, a newline, the event's
// exact UTF-8 text, and optionally the raw request body's bytes. The metadata line says how long
// each part is, so parts can be added later without breaking readers of the old ones.
//
//   byte 0      1 = stored as is, 2 = deflated (raw DEFLATE, RFC 1951)
//   then        {"key":…,"requestId":…,"sourceIp":…,"userAgent":…,"eventBytes":N,"rawBytes":M,"receipt":{…}}\n
//               N bytes of event JSON text, M bytes of raw body
import { deflateRawSync, inflateRawSync } from "node:zlib";

/** How a webhook's signature was checked when it was received (written by the sources ingest). */
export interface VerificationReceipt {
  /** `standard-webhooks`, `github`, `stripe`, `hmac-sha256`… */
  scheme: string;
  /** Which of the source's secrets matched (an index or a name, never the secret). */
  keyId?: string;
  /** The timestamp the signature covered, as the producer sent it. */
  signedAt?: string;
  /** ISO 8601 time Sluice checked it. */
  verifiedAt: string;
  /** SHA-256 (hex) of the raw body that was verified. */
  bodySha256: string;
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
  receipt?: VerificationReceipt;
}

const STORED_AS_IS = 1;
const DEFLATED = 2;
// Below this, deflate's own framing outweighs what it saves.
const WORTH_COMPRESSING = 96;

export function encodeStoredDocument(doc: StoredDocument): Buffer {
  const event = Buffer.from(doc.event, "utf8");
  const meta: Record<string, unknown> = { key: doc.key, requestId: doc.requestId };
  if (doc.sourceIp) meta.sourceIp = doc.sourceIp;
  if (doc.userAgent) meta.userAgent = doc.userAgent;
  meta.eventBytes = event.byteLength;
  if (doc.raw) meta.rawBytes = doc.raw.byteLength;
  if (doc.receipt) meta.receipt = doc.receipt;
  const parts = [Buffer.from(JSON.stringify(meta) + "\n", "utf8"), event];
  if (doc.raw) parts.push(Buffer.from(doc.raw));
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
  const doc: StoredDocument = { event: plain.subarray(eventStart, eventEnd).toString("utf8"), key: String(meta.key), requestId: String(meta.requestId) };
  if (typeof meta.sourceIp === "string") doc.sourceIp = meta.sourceIp;
  if (typeof meta.userAgent === "string") doc.userAgent = meta.userAgent;
  if (typeof meta.rawBytes === "number") doc.raw = new Uint8Array(plain.subarray(eventEnd, eventEnd + meta.rawBytes));
  if (meta.receipt && typeof meta.receipt === "object") doc.receipt = meta.receipt as VerificationReceipt;
  return doc;
}
