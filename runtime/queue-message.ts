// The queue message contract between ingest and worker (docs/architecture.md, "Queue message"):
// one JSON header line of our own, a newline, then the event's text exactly as accepted. The event
// is carried once and never re-serialized. SQS refuses U+FFFE, U+FFFF and lone surrogates in a
// body; an event holding one travels as base64 of its deflated text instead (marked in the header).
import { deflateRawSync, inflateRawSync } from "node:zlib";
import type { RawSpan, VerificationReceipt } from "./contract/stored-document";

/** One accepted event on its way to the worker, with what ingest learnt about the request. */
export interface QueueMessage {
  id: string;
  key: string;
  /** SHA-256 (hex) of the event as received: what tells a retry from a reuse. */
  payloadHash: string;
  receivedAt: string;
  requestId: string;
  sourceIp?: string;
  userAgent?: string;
  /** The event's JSON text as accepted. */
  event: string;
  /** An event from a source: how its signature was checked. */
  receipt?: VerificationReceipt;
  /** An event from a source: where its raw body is inside the event text (usually), or… */
  rawOf?: RawSpan;
  /** …the raw body itself, when the event is not the body as sent (a type's coercions changed it). */
  raw?: Uint8Array;
  /**
   * Set on a replay: the request id of the operator's replay run. The worker may then store over
   * a `processed` or `failed` record of the same payload (docs/adr/0001, "Replay").
   */
  replay?: string;
}

/** The format of the header line; another `v` is a message this worker cannot read. */
export const QUEUE_MESSAGE_VERSION = 2;

/** How the text after the header line holds the event. */
const ENCODING_DEFLATE_BASE64 = "deflate-base64";

// SQS accepts #x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF only. A JSON text that
// passed the scanner holds no raw control character or lone surrogate, so U+FFFE/U+FFFF are left.
const SQS_REFUSED = /[\uFFFE\uFFFF]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// In our own header, escaping keeps the JSON's meaning (JSON.stringify already escapes surrogates).
const SQS_REFUSED_IN_HEADER = /[\uFFFE\uFFFF]/g;

/** The message body as sent; SQS accepts it for any event. */
export function encodeMessageBody(m: QueueMessage): string {
  const header: Record<string, unknown> = { v: QUEUE_MESSAGE_VERSION, id: m.id, key: m.key, payloadHash: m.payloadHash, receivedAt: m.receivedAt, requestId: m.requestId };
  if (m.sourceIp) header.sourceIp = m.sourceIp;
  if (m.userAgent) header.userAgent = m.userAgent;
  if (m.receipt) header.receipt = m.receipt;
  if (m.rawOf) header.rawOf = [m.rawOf.start, m.rawOf.end, m.rawOf.encoding];
  else if (m.raw) header.raw = Buffer.from(m.raw).toString("base64");
  if (m.replay) header.replay = m.replay;
  // UTF-8 cannot carry a lone surrogate: such text never came through the scanner, so it is a bug.
  if (LONE_SURROGATE.test(m.event)) throw new Error("the event text is not well-formed Unicode");
  let payload = m.event;
  if (SQS_REFUSED.test(m.event)) {
    header.encoding = ENCODING_DEFLATE_BASE64;
    payload = deflateRawSync(Buffer.from(m.event, "utf8")).toString("base64");
  }
  return JSON.stringify(header).replace(SQS_REFUSED_IN_HEADER, (c) => "\\u" + c.charCodeAt(0).toString(16)) + "\n" + payload;
}

/** Bytes SQS counts for a body. */
export function messageBytes(body: string): number {
  return Buffer.byteLength(body, "utf8");
}

/** Parses a queue message body; anything else is poison, reported so that it reaches the DLQ. */
export function parseQueueMessage(body: string): { ok: true; message: QueueMessage } | { ok: false; reason: string } {
  const newline = body.indexOf("\n");
  if (newline === -1) return { ok: false, reason: "body has no header line" };
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(body.slice(0, newline)) as Record<string, unknown>;
  } catch (err) {
    return { ok: false, reason: `header line is not JSON: ${(err as Error).message}` };
  }
  if (!header || typeof header !== "object" || Array.isArray(header)) return { ok: false, reason: "header line is not an object" };
  if (header.v !== QUEUE_MESSAGE_VERSION) return { ok: false, reason: `unknown message version ${JSON.stringify(header.v)}` };
  for (const field of ["id", "key", "payloadHash", "receivedAt", "requestId"]) {
    if (typeof header[field] !== "string" || header[field] === "") return { ok: false, reason: `message field ${field} is missing` };
  }
  let event = body.slice(newline + 1);
  if (header.encoding === ENCODING_DEFLATE_BASE64) {
    try {
      event = inflateRawSync(Buffer.from(event, "base64")).toString("utf8");
    } catch (err) {
      return { ok: false, reason: `event does not inflate: ${(err as Error).message}` };
    }
  } else if (header.encoding !== undefined) {
    return { ok: false, reason: `unknown event encoding ${JSON.stringify(header.encoding)}` };
  }
  if (event === "") return { ok: false, reason: "message holds no event" };
  const text = (k: string) => (typeof header[k] === "string" ? (header[k] as string) : undefined);
  const message: QueueMessage = {
    id: text("id")!,
    key: text("key")!,
    payloadHash: text("payloadHash")!,
    receivedAt: text("receivedAt")!,
    requestId: text("requestId")!,
    sourceIp: text("sourceIp"),
    userAgent: text("userAgent"),
    ...(text("replay") ? { replay: text("replay") } : {}),
    event,
  };
  if (header.receipt && typeof header.receipt === "object") message.receipt = header.receipt as VerificationReceipt;
  const span = header.rawOf;
  if (Array.isArray(span)) {
    const [start, end, encoding] = span as unknown[];
    if (typeof start !== "number" || typeof end !== "number" || !["text", "string", "base64"].includes(encoding as string)) return { ok: false, reason: "message field rawOf is malformed" };
    message.rawOf = { start, end, encoding: encoding as RawSpan["encoding"] };
  } else if (typeof header.raw === "string") {
    message.raw = new Uint8Array(Buffer.from(header.raw, "base64"));
  }
  return { ok: true, message };
}
