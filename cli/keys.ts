// Idempotency keys and stable ids. A key must be the same on every retry and every rerun of the
// same input, so it comes from the event alone. The server's own rules (runtime/idempotency-key)
// are used as they are, so the CLI knows the key and the stored id before it sends anything.
import { createHash } from "node:crypto";
import { canonicalJson, deriveKey, eventIdForKey } from "../runtime/idempotency-key";

export function contentHash(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex");
}

function nonEmptyString(v: unknown): v is string {
  return typeof v === "string" && v !== "";
}

/**
 * Gives an event without an `id` one derived from its content (CloudEvents requires an id, and
 * the server keys on source+id), so the same row gets the same id, hence key, on every run.
 */
export function withStableId(event: Record<string, unknown>): Record<string, unknown> {
  if (nonEmptyString(event.id)) return event;
  const { id: _absent, ...rest } = event;
  return { ...event, id: contentHash(rest).slice(0, 32) };
}

export interface EventKey {
  /** The key the server will store the event under, or a content hash when it cannot have one. */
  key: string;
  /** The id the server will answer with (`GET /events/{id}`), when the event can be keyed. */
  storedId?: string;
}

/**
 * The event's idempotency key: `source` + `id`, exactly as the server derives it when no
 * `Idempotency-Key` header is sent. The CLI deliberately sends no header: the server namespaces
 * header keys apart from source+id keys, and `POST /events/batch` cannot carry a header per event,
 * so a header would make a single send and a batch send of the same file two different events.
 */
export function eventKey(event: Record<string, unknown>): EventKey {
  if (nonEmptyString(event.source) && nonEmptyString(event.id)) {
    const key = deriveKey({ source: event.source, id: event.id });
    return { key, storedId: eventIdForKey(key) };
  }
  // Without a source the server rejects the event; the hash only names it in the summary.
  return { key: `content:${contentHash(event)}` };
}
