// The I/O-free part of the ingest, for one request: content type, size, JSON, envelope, data schema,
// idempotency key, event id, payload hash and enrichment, in that order. The bench times this.
import type { CloudEventRecord, EnvelopeValidator } from "./event-types";
import { deriveKey, eventIdForKey, parseIdempotencyKey, payloadHash } from "./idempotency-key";
import { encodeMessageBody, SQS_MAX_MESSAGE_BYTES } from "./queue-message";
import type { QueueMessage } from "./queue-message";
import { problem } from "./contract/problems";
import type { ProblemBody } from "./contract/problems";
import { decodeComponent, headerOf } from "./http-request";

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

export interface PrepareDeps {
  validator: EnvelopeValidator;
  maxBodyBytes: number;
}

export type Prepared = { ok: true; message: QueueMessage } | { ok: false; problem: ProblemBody };

export const MAX_BATCH_EVENTS = 10;

/** Lower-cased media type without parameters, and whether a declared charset is one we can read. */
export function parseMediaType(header: string | undefined): { type: string; charsetOk: boolean } {
  if (!header) return { type: "", charsetOk: true };
  const [type, ...params] = header.split(";");
  let charsetOk = true;
  for (const p of params) {
    const [name, value] = p.split("=").map((s) => s.trim().toLowerCase());
    if (name === "charset") charsetOk = value.replace(/"/g, "") === "utf-8" || value.replace(/"/g, "") === "utf8";
  }
  return { type: type.trim().toLowerCase(), charsetOk };
}

function isJsonMediaType(type: string): boolean {
  return type === "application/json" || /^[a-z0-9.+-]+\/[a-z0-9.+-]+\+json$/.test(type);
}

type BodyParse = { ok: true; value: unknown } | { ok: false; problem: ProblemBody };

/** Size after base64 decoding, then JSON: the checks every route shares. */
function readJsonBody(req: IngestRequest, maxBodyBytes: number): BodyParse {
  const raw = req.body ?? "";
  const bytes = req.isBase64Encoded ? Buffer.from(raw, "base64") : Buffer.from(raw, "utf8");
  if (bytes.byteLength > maxBodyBytes) {
    return { ok: false, problem: problem("payload-too-large", `the body is ${bytes.byteLength} bytes; the limit is ${maxBodyBytes}`, { requestId: req.requestId }) };
  }
  const text = req.isBase64Encoded ? bytes.toString("utf8") : raw;
  if (text.trim() === "") return { ok: false, problem: problem("invalid-json", "the body is empty", { requestId: req.requestId }) };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, problem: problem("invalid-json", `the body is not valid JSON: ${(err as Error).message}`, { requestId: req.requestId }) };
  }
}

/** Rebuilds a structured envelope from a binary-mode request (`ce-*` headers, body = data). */
function binaryEnvelope(headers: Record<string, string | undefined>, mediaType: string, data: unknown): Record<string, unknown> {
  const envelope: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower.startsWith("ce-") && value !== undefined) envelope[lower.slice(3)] = decodeComponent(value); // the HTTP binding percent-encodes values
  }
  // application/json is the default data content type: leaving it out lets the structured and
  // binary forms of one event hash the same.
  if (mediaType !== "application/json") envelope.datacontenttype = mediaType;
  envelope.data = data;
  return envelope;
}

function validationProblem(stage: "envelope" | "data", errors: { path: string; message: string }[], requestId: string): ProblemBody {
  const what = stage === "envelope" ? "the CloudEvent envelope is invalid" : "the event data does not match its type's schema";
  return problem("validation-failed", what, { errors, requestId });
}

/** An event under the body limit can still make a message over SQS's limit once enriched. */
function oversizedMessage(message: QueueMessage, requestId: string): ProblemBody | undefined {
  const bytes = Buffer.byteLength(encodeMessageBody(message), "utf8");
  if (bytes <= SQS_MAX_MESSAGE_BYTES) return undefined;
  return problem("payload-too-large", `the event makes a ${bytes}-byte queue message; the limit is ${SQS_MAX_MESSAGE_BYTES}`, { requestId });
}

function enrich(req: IngestRequest, event: CloudEventRecord, asReceived: unknown, key: string): QueueMessage {
  const id = eventIdForKey(key);
  const message: QueueMessage = {
    v: 1,
    id,
    key,
    payloadHash: payloadHash(asReceived),
    receivedAt: req.receivedAt,
    requestId: req.requestId,
    event,
  };
  if (req.sourceIp) message.sourceIp = req.sourceIp;
  if (req.userAgent) message.userAgent = req.userAgent;
  return message;
}

/** `POST /events`: one event, structured or binary mode. */
export function prepareEvent(req: IngestRequest, deps: PrepareDeps): Prepared {
  const contentType = headerOf(req.headers, "content-type");
  const media = parseMediaType(contentType);
  const binary = headerOf(req.headers, "ce-specversion") !== undefined && isJsonMediaType(media.type);
  const structured = media.type === "application/cloudevents+json" || media.type === "application/json";
  if ((!binary && !structured) || !media.charsetOk) {
    return {
      ok: false,
      problem: problem(
        "unsupported-media-type",
        `content type ${JSON.stringify(contentType ?? "")} is not accepted: send application/cloudevents+json, application/json, or binary mode (ce-* headers) with a JSON body, in UTF-8`,
        { requestId: req.requestId },
      ),
    };
  }
  const body = readJsonBody(req, deps.maxBodyBytes);
  if (!body.ok) return body;
  const asReceived = binary ? binaryEnvelope(req.headers, media.type, body.value) : body.value;
  const checked = deps.validator.validate(asReceived);
  if (!checked.ok) return { ok: false, problem: validationProblem(checked.stage, checked.errors, req.requestId) };

  const headerKey = headerOf(req.headers, "idempotency-key");
  let parsedKey: string | undefined;
  if (headerKey !== undefined) {
    const parsed = parseIdempotencyKey(headerKey);
    if (!parsed.ok) return { ok: false, problem: problem("invalid-idempotency-key", parsed.reason, { requestId: req.requestId }) };
    parsedKey = parsed.key;
  }
  const key = deriveKey({ header: parsedKey, webhookId: headerOf(req.headers, "webhook-id"), source: checked.value.source, id: checked.value.id });
  const message = enrich(req, checked.value, asReceived, key);
  const tooBig = oversizedMessage(message, req.requestId);
  if (tooBig) return { ok: false, problem: tooBig };
  return { ok: true, message };
}

export type PreparedItem = { index: number; ok: true; message: QueueMessage } | { index: number; ok: false; problem: ProblemBody };

export type PreparedBatch = { ok: true; items: PreparedItem[] } | { ok: false; problem: ProblemBody };

/** `POST /events/batch`: 1..10 structured events; each item's key is its `source` + `id`. */
export function prepareBatch(req: IngestRequest, deps: PrepareDeps): PreparedBatch {
  const contentType = headerOf(req.headers, "content-type");
  const media = parseMediaType(contentType);
  if ((media.type !== "application/cloudevents-batch+json" && media.type !== "application/json") || !media.charsetOk) {
    return {
      ok: false,
      problem: problem("unsupported-media-type", `content type ${JSON.stringify(contentType ?? "")} is not accepted: send application/cloudevents-batch+json or application/json, in UTF-8`, {
        requestId: req.requestId,
      }),
    };
  }
  const body = readJsonBody(req, deps.maxBodyBytes);
  if (!body.ok) return body;
  const list = body.value;
  if (!Array.isArray(list)) {
    return { ok: false, problem: problem("validation-failed", "a batch is a JSON array of CloudEvents", { errors: [{ path: "", message: "expected an array" }], requestId: req.requestId }) };
  }
  if (list.length === 0) {
    return { ok: false, problem: problem("validation-failed", "a batch holds at least one event", { errors: [{ path: "", message: "the array is empty" }], requestId: req.requestId }) };
  }
  if (list.length > MAX_BATCH_EVENTS) {
    return { ok: false, problem: problem("payload-too-large", `a batch holds at most ${MAX_BATCH_EVENTS} events; this one has ${list.length}`, { requestId: req.requestId }) };
  }
  const notObjects = list.map((v, i) => ({ v, i })).filter(({ v }) => v === null || typeof v !== "object" || Array.isArray(v));
  if (notObjects.length > 0) {
    return {
      ok: false,
      problem: problem("validation-failed", "every batch item must be a JSON object", {
        errors: notObjects.map(({ i }) => ({ path: `/${i}`, message: "expected an object" })),
        requestId: req.requestId,
      }),
    };
  }
  const items = list.map((raw, index): PreparedItem => {
    const checked = deps.validator.validate(raw);
    if (!checked.ok) return { index, ok: false, problem: validationProblem(checked.stage, checked.errors, req.requestId) };
    const key = deriveKey({ source: checked.value.source, id: checked.value.id });
    const message = enrich(req, checked.value, raw, key);
    const tooBig = oversizedMessage(message, req.requestId);
    if (tooBig) return { index, ok: false, problem: tooBig };
    return { index, ok: true, message };
  });
  return { ok: true, items };
}
