// Idempotency keys after the IETF draft "The Idempotency-Key HTTP Header Field": parsing the
// header, choosing the key when it is absent, and deriving from the key everything every layer must
// agree on without asking (the event id) and what tells a retry from a reuse (the payload hash).
import { createHash } from "node:crypto";
import type { ScannedEvent } from "./cloudevent-envelope";
import { canonicalText } from "./json-canonical";
import { scanJson } from "./json-scan";
import type { JsonNode } from "./json-scan";
import { isDefaultDataContentType } from "./media-type";
import { INPUT_LIMITS } from "./contract/limits";

export type KeyParse = { ok: true; key: string } | { ok: false; reason: string };

const MAX_KEY_LENGTH = INPUT_LIMITS.maxKeyLength;
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

/**
 * Checks a `webhook-id` header (Standard Webhooks) before it becomes a key: visible ASCII, at most
 * the key length. A blank one is no key at all (`ok` with an empty key).
 */
export function parseWebhookId(raw: string): KeyParse {
  const value = raw.trim();
  if (value.length > MAX_KEY_LENGTH) return { ok: false, reason: `the webhook-id header is longer than ${MAX_KEY_LENGTH} characters` };
  if (!/^[\x21-\x7e]*$/.test(value)) return { ok: false, reason: "the webhook-id header holds characters other than visible ASCII" };
  return { ok: true, key: value };
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

/**
 * The key of an event made from a source (DESIGN §2b): the source's name and the id its rule
 * found, in a space of their own, so a provider's redelivery is a replay and no `/events`
 * producer can take a source's key.
 */
export function sourceKey(sourceName: string, id: string): string {
  return `src:${JSON.stringify([sourceName, id])}`;
}

const EVENT_ID = /^evt_[0-9a-f]{32}$/;

/** The event id, a hash of the key, so the ingest, the worker and the query all agree. */
export function eventIdForKey(key: string): string {
  return "evt_" + createHash("sha256").update("sluice/event-id\n" + key).digest("hex").slice(0, 32);
}

export function isEventId(value: string): boolean {
  return EVENT_ID.test(value);
}

/** Canonical JSON of a value: sorted member names, numbers and strings as JSON.stringify writes them. */
export function canonicalJson(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return "null";
  // The value is already in memory, so its depth is no threat: no limit of our own here.
  const scanned = scanJson(text, { maxDepth: Number.MAX_SAFE_INTEGER });
  if (!scanned.ok) throw new Error(`canonicalJson: ${scanned.error.message}`);
  return canonicalText(text, scanned.node);
}

// What makes two events the same payload: CloudEvents says a null attribute is an absent one, and
// a `datacontenttype` of plain application/json is what a JSON event without one means, so the
// structured and the binary form of one event hash the same. `"data": null` is a payload and stays.
function samePayloadMember(name: string, value: JsonNode): boolean {
  if (value.k === "null") return name === "data";
  return !(name === "datacontenttype" && value.k === "string" && isDefaultDataContentType(value.v));
}

/**
 * SHA-256 of the lossless canonical form of the event as received (before coercions): any
 * accepted difference, down to one digit of a 64-bit integer, is a different payload.
 */
export function eventPayloadHash(event: ScannedEvent): string {
  return createHash("sha256").update(canonicalText(event.text, event.root, samePayloadMember)).digest("hex");
}

/**
 * The payload hash of an event made from a source: as eventPayloadHash, but without `time`, which
 * is the receipt time: a redelivery of the same body is the same payload.
 */
export function sourcePayloadHash(event: ScannedEvent): string {
  return createHash("sha256").update(canonicalText(event.text, event.root, (name, value) => name !== "time" && samePayloadMember(name, value))).digest("hex");
}

/** The same hash for an event held as a value (tests, tools). */
export function payloadHash(event: unknown): string {
  const text = JSON.stringify(event);
  const scanned = text === undefined ? undefined : scanJson(text, { maxDepth: Number.MAX_SAFE_INTEGER });
  if (!scanned?.ok || scanned.node.k !== "object") return createHash("sha256").update(canonicalJson(event)).digest("hex");
  return eventPayloadHash({ text: text!, root: scanned.node });
}
