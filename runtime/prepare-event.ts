// The I/O-free part of the ingest, for one request: content type, size, one scan of the text,
// envelope, data schema, idempotency key, event id, payload hash and the queue message, in that
// order. Nothing walks the input before the scanner has checked its limits. The bench times this.
import { INPUT_LIMITS, QUEUE_LIMITS } from "./contract/limits";
import { problem } from "./contract/problems";
import { routeKey } from "./contract/routes";
import { SOURCE_EVENT_PREFIX } from "./contract/sources";
import type { FieldError, ProblemBody } from "./contract/problems";
import type { ScannedEvent } from "./cloudevent-envelope";
import type { EnvelopeValidator } from "./event-validator";
import { headerOf } from "./http-request";
import { deriveKey, eventIdForKey, eventPayloadHash, parseIdempotencyKey, parseWebhookId } from "./idempotency-key";
import type { KeyParse } from "./idempotency-key";
import { encodeMessageBody, messageBytes } from "./queue-message";
import type { QueueMessage } from "./queue-message";
import { contentMode, readBodyText, scanBatch, scanBinary, scanStructured } from "./read-event";
import type { IngestRequest } from "./read-event";
import { isUtf8Charset, parseMediaType } from "./media-type";

export type { IngestRequest };

export interface PrepareDeps {
  validator: EnvelopeValidator;
  maxBodyBytes: number;
}

/** An event ready to be leased and sent: its message, the body SQS will get, and what the lease records. */
export interface PreparedMessage {
  message: QueueMessage;
  /** The encoded message body, measured once: what is sent is what was checked. */
  body: string;
  source: string;
  type: string;
}

export type Prepared = { ok: true; prepared: PreparedMessage } | { ok: false; problem: ProblemBody };

export const MAX_BATCH_EVENTS = INPUT_LIMITS.maxBatchEvents;

function validationProblem(stage: "envelope" | "data", errors: FieldError[], requestId: string): ProblemBody {
  const what = stage === "envelope" ? "the CloudEvent envelope is invalid" : "the event data does not match its type's schema";
  return problem("validation-failed", what, { errors, requestId });
}

/** How a route turns a checked event into its message. */
export interface PrepareOptions {
  /** The idempotency key, from the event's `source` and `id` (or a problem: a bad header, a reserved source). */
  keyOf: (source: string, id: string) => string | ProblemBody;
  /** The payload hash; default: the event's own (eventPayloadHash). */
  hash?: (scanned: ScannedEvent) => string;
  /** Adds what the route knows to the message before it is encoded, given the text as accepted. */
  decorate?: (message: QueueMessage, acceptedText: string) => void;
}

/** The events `/events` refuses: those whose `source` says a source made them (only the sources route may). */
export function reservedSourceProblem(source: string, requestId: string): ProblemBody | undefined {
  if (!source.startsWith(SOURCE_EVENT_PREFIX)) return undefined;
  return validationProblem(
    "envelope",
    [{ path: "/source", message: `${SOURCE_EVENT_PREFIX}… is reserved for the events Sluice makes from a configured source (${routeKey("postSource")})` }],
    requestId,
  );
}

/** Validation, key, hash and message for one scanned event; the route chooses the key. */
export function prepareScanned(req: IngestRequest, deps: PrepareDeps, scanned: ScannedEvent, opts: PrepareOptions): Prepared {
  const checked = deps.validator.check(scanned);
  if (!checked.ok) return { ok: false, problem: validationProblem(checked.stage, checked.errors, req.requestId) };
  const { envelope, text } = checked.event;
  const key = opts.keyOf(envelope.source, envelope.id);
  if (typeof key !== "string") return { ok: false, problem: key };
  const message: QueueMessage = {
    id: eventIdForKey(key),
    key,
    payloadHash: (opts.hash ?? eventPayloadHash)(scanned),
    receivedAt: req.receivedAt,
    requestId: req.requestId,
    event: text,
  };
  if (req.sourceIp) message.sourceIp = req.sourceIp;
  if (req.userAgent) message.userAgent = req.userAgent;
  opts.decorate?.(message, text);
  const body = encodeMessageBody(message);
  const bytes = messageBytes(body);
  // Under the body limit an event can still make a message over SQS's limit (a base64 fallback, a
  // raised maxBodyBytes): a 413 now, not a 503 from SQS after the lease.
  if (bytes > QUEUE_LIMITS.maxMessageBytes) {
    return { ok: false, problem: problem("payload-too-large", `the event makes a ${bytes}-byte queue message; the limit is ${QUEUE_LIMITS.maxMessageBytes}`, { requestId: req.requestId }) };
  }
  return { ok: true, prepared: { message, body, source: envelope.source, type: envelope.type } };
}

/** The key of a single event: the Idempotency-Key header, then webhook-id, then source + id. */
function singleKey(req: IngestRequest): (source: string, id: string) => string | ProblemBody {
  // A header given is checked before it becomes a key; an absent one is no key.
  const headerKey = (name: string, parse: (raw: string) => KeyParse): { key?: string } | ProblemBody => {
    const raw = headerOf(req.headers, name);
    if (raw === undefined) return {};
    const parsed = parse(raw);
    return parsed.ok ? { key: parsed.key } : problem("invalid-idempotency-key", parsed.reason, { requestId: req.requestId });
  };
  return (source, id) => {
    const reserved = reservedSourceProblem(source, req.requestId);
    if (reserved) return reserved;
    const header = headerKey("idempotency-key", parseIdempotencyKey);
    if ("status" in header) return header;
    const webhook = headerKey("webhook-id", parseWebhookId);
    if ("status" in webhook) return webhook;
    return deriveKey({ header: header.key, webhookId: webhook.key, source, id });
  };
}

/** `POST /events`: one event, structured or binary mode. */
export function prepareEvent(req: IngestRequest, deps: PrepareDeps): Prepared {
  const mode = contentMode(req.headers, req.requestId);
  if (!mode.ok) return mode;
  const body = readBodyText(req, deps.maxBodyBytes);
  if (!body.ok) return body;
  const scanned =
    mode.value.mode === "structured"
      ? scanStructured(body.value, req.requestId)
      : scanBinary(req.headers, mode.value.contentType, mode.value.media, body.value, req.requestId);
  if (!scanned.ok) return scanned;
  return prepareScanned(req, deps, scanned.value, { keyOf: singleKey(req) });
}

export type PreparedItem = { index: number; ok: true; prepared: PreparedMessage } | { index: number; ok: false; problem: ProblemBody };

export type PreparedBatch = { ok: true; items: PreparedItem[] } | { ok: false; problem: ProblemBody };

/** `POST /events/batch`: 1..10 structured events; each item's key is its `source` + `id`. */
export function prepareBatch(req: IngestRequest, deps: PrepareDeps): PreparedBatch {
  const contentType = headerOf(req.headers, "content-type");
  const media = contentType === undefined ? undefined : parseMediaType(contentType);
  if (!media || (media.essence !== "application/cloudevents-batch+json" && media.essence !== "application/json") || !isUtf8Charset(media)) {
    return {
      ok: false,
      problem: problem("unsupported-media-type", `content type ${JSON.stringify(contentType ?? "")} is not accepted: send application/cloudevents-batch+json or application/json, in UTF-8`, {
        requestId: req.requestId,
      }),
    };
  }
  const body = readBodyText(req, deps.maxBodyBytes);
  if (!body.ok) return body;
  const scanned = scanBatch(body.value, req.requestId);
  if (!scanned.ok) return scanned;
  const { text, items: list } = scanned.value;
  if (list.length === 0) {
    return { ok: false, problem: problem("validation-failed", "a batch holds at least one event", { errors: [{ path: "", message: "the array is empty" }], requestId: req.requestId }) };
  }
  if (list.length > MAX_BATCH_EVENTS) {
    return { ok: false, problem: problem("payload-too-large", `a batch holds at most ${MAX_BATCH_EVENTS} events; this one has ${list.length}`, { requestId: req.requestId }) };
  }
  const notObjects = list.map((node, i) => ({ node, i })).filter(({ node }) => node.k !== "object");
  if (notObjects.length > 0) {
    return {
      ok: false,
      problem: problem("validation-failed", "every batch item must be a JSON object", {
        errors: notObjects.map(({ i }) => ({ path: `/${i}`, message: "expected an object" })),
        requestId: req.requestId,
      }),
    };
  }
  const items = list.map((node, index): PreparedItem => {
    const keyOf = (source: string, id: string) => reservedSourceProblem(source, req.requestId) ?? deriveKey({ source, id });
    const item = prepareScanned(req, deps, { text, root: node as ScannedEvent["root"] }, { keyOf });
    return item.ok ? { index, ok: true, prepared: item.prepared } : { index, ok: false, problem: item.problem };
  });
  return { ok: true, items };
}
