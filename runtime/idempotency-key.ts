// Idempotency keys after the IETF draft "The Idempotency-Key HTTP Header Field": parsing the
// header, choosing the key when it is absent, and deriving from the key everything every layer must
// agree on without asking (the event id) and what tells a retry from a reuse (the payload hash).
import { createHash } from "node:crypto";

export type KeyParse = { ok: true; key: string } | { ok: false; reason: string };

const MAX_KEY_LENGTH = 255;
// RFC 8941 sf-token, plus the bare UUIDs and digits clients send in practice (a token cannot start
// with a digit, but refusing `Idempotency-Key: 3f1c…` would only punish well-meaning clients).
const BARE_KEY = /^[!#$%&'*+\-.^_`|~0-9A-Za-z:/]+$/;

/** Parses an `Idempotency-Key` header value: an RFC 8941 sf-string, or a bare token. */
export function parseIdempotencyKey(raw: string): KeyParse {
  const value = raw.trim();
  if (value.length === 0) return { ok: false, reason: "the Idempotency-Key header is empty" };
  let key: string;
  if (value.startsWith('"')) {
    let out = "";
    let i = 1;
    for (; i < value.length; i++) {
      const ch = value[i];
      if (ch === "\\") {
        const next = value[i + 1];
        if (next !== '"' && next !== "\\") return { ok: false, reason: "only \\\" and \\\\ may be escaped in a structured-field string" };
        out += next;
        i++;
      } else if (ch === '"') {
        break;
      } else {
        const code = ch.charCodeAt(0);
        if (code < 0x20 || code > 0x7e) return { ok: false, reason: "a structured-field string holds printable ASCII only" };
        out += ch;
      }
    }
    if (i >= value.length) return { ok: false, reason: "the structured-field string is not closed" };
    if (i !== value.length - 1) return { ok: false, reason: "the Idempotency-Key header holds more than one string (parameters are not supported)" };
    key = out;
  } else {
    if (!BARE_KEY.test(value)) return { ok: false, reason: 'the Idempotency-Key must be a quoted string, e.g. "8e03978e-40d5-43e8-bc93-6894a57f9324"' };
    key = value;
  }
  if (key.length === 0) return { ok: false, reason: "the Idempotency-Key is empty" };
  if (key.length > MAX_KEY_LENGTH) return { ok: false, reason: `the Idempotency-Key is longer than ${MAX_KEY_LENGTH} characters` };
  return { ok: true, key };
}

export interface KeySources {
  /** The parsed `Idempotency-Key` header, if any. */
  header?: string;
  /** The `webhook-id` header (Standard Webhooks), if any. */
  webhookId?: string;
  /** The event's `source` and `id`. */
  source: string;
  id: string;
}

/**
 * The namespaced key: an explicit header wins, then `webhook-id`, then the CloudEvent's own
 * identity (`source` + `id`, which CloudEvents defines as unique per event). Prefixes keep the
 * three spaces apart; the pair is JSON-encoded so no `source`/`id` split can collide with another.
 */
export function deriveKey(src: KeySources): string {
  if (src.header !== undefined) return `h:${src.header}`;
  if (src.webhookId !== undefined && src.webhookId.trim() !== "") return `w:${src.webhookId.trim()}`;
  return `ce:${JSON.stringify([src.source, src.id])}`;
}

const EVENT_ID = /^evt_[0-9a-f]{32}$/;

/** The event id, a hash of the key, so the ingest, the worker and the query all agree. */
export function eventIdForKey(key: string): string {
  return "evt_" + createHash("sha256").update("sluice/event-id\n" + key).digest("hex").slice(0, 32);
}

export function isEventId(value: string): boolean {
  return EVENT_ID.test(value);
}

/** JSON with object keys sorted at every level, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return "[" + value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",") + "]";
  const entries = Object.keys(value as Record<string, unknown>)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort()
    .map((k) => JSON.stringify(k) + ":" + canonicalJson((value as Record<string, unknown>)[k]));
  return "{" + entries.join(",") + "}";
}

/** SHA-256 of the canonical JSON of the event as received: what tells a retry from a reuse. */
export function payloadHash(envelope: unknown): string {
  return createHash("sha256").update(canonicalJson(envelope)).digest("hex");
}
