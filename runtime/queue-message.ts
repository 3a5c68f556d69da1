// The queue message contract between ingest and worker: its shape, the body ingest sends, and the
// check the worker makes before it trusts a body (docs/architecture.md, "Queue message").
import type { CloudEventRecord } from "./event-types";

/** One accepted event on its way to the worker, with what ingest learnt about the request. */
export interface QueueMessage {
  v: 1;
  id: string;
  key: string;
  payloadHash: string;
  receivedAt: string;
  requestId: string;
  sourceIp?: string;
  userAgent?: string;
  event: CloudEventRecord;
}

/** SQS's message size limit (the classic 256 KiB; queues may allow more, none allow less). */
export const SQS_MAX_MESSAGE_BYTES = 256 * 1024;

// SQS accepts only #x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF. JSON.stringify escapes
// the control characters and lone surrogates, but leaves U+FFFE and U+FFFF as they are: escaping
// them keeps the JSON identical in meaning and stops SQS refusing an event a client sent in good faith.
const SQS_FORBIDDEN_IN_JSON = /[\uFFFE\uFFFF]/g;

/** The message body as sent: JSON that SQS accepts for any event. */
export function encodeMessageBody(message: QueueMessage): string {
  return JSON.stringify(message).replace(SQS_FORBIDDEN_IN_JSON, (c) => "\\u" + c.charCodeAt(0).toString(16));
}

/** Parses a queue message body; anything else is poison, reported so that it reaches the DLQ. */
export function parseQueueMessage(body: string): { ok: true; message: QueueMessage } | { ok: false; reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (err) {
    return { ok: false, reason: `body is not JSON: ${(err as Error).message}` };
  }
  const m = value as Partial<QueueMessage> | null;
  if (!m || typeof m !== "object" || Array.isArray(m)) return { ok: false, reason: "body is not an object" };
  if (m.v !== 1) return { ok: false, reason: `unknown message version ${JSON.stringify(m.v)}` };
  for (const field of ["id", "key", "payloadHash", "receivedAt", "requestId"] as const) {
    if (typeof m[field] !== "string" || m[field] === "") return { ok: false, reason: `message field ${field} is missing` };
  }
  if (!m.event || typeof m.event !== "object") return { ok: false, reason: "message field event is missing" };
  return { ok: true, message: m as QueueMessage };
}
