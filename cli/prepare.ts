// Turns input rows into events ready to send, or into local rejections for rows that are not
// even JSON objects. Also the --dry-run check, with the same validator the ingest uses.
import { createEventTypes } from "../runtime/event-types";
import { createEnvelopeValidator } from "../runtime/event-validator";
import type { InputRow } from "./input";
import { eventKey, withStableId } from "./keys";
import type { ItemResult } from "./outcome";
import type { PreparedEvent } from "./send-events";

export interface Prepared {
  events: PreparedEvent[];
  /** Rows that cannot be sent at all. */
  rejected: ItemResult[];
}

export function prepareRows(rows: readonly InputRow[]): Prepared {
  const events: PreparedEvent[] = [];
  const rejected: ItemResult[] = [];
  for (const row of rows) {
    if (row.error !== undefined) {
      rejected.push({ index: row.index, line: row.line, outcome: "rejected", reason: row.error });
      continue;
    }
    if (row.value === null || typeof row.value !== "object" || Array.isArray(row.value)) {
      rejected.push({ index: row.index, line: row.line, outcome: "rejected", reason: "a CloudEvent must be a JSON object" });
      continue;
    }
    const event = withStableId(row.value as Record<string, unknown>);
    const { key, storedId } = eventKey(event);
    events.push({ index: row.index, line: row.line, event, key, storedId });
  }
  return { events, rejected };
}

/** What the ingest would say, without sending: valid, or rejected with every field error. */
export function dryRun(events: readonly PreparedEvent[]): ItemResult[] {
  // Unknown types pass, as with the ingest's default; the test-fault type is known so it is checked.
  const validator = createEnvelopeValidator(createEventTypes({ testEvents: true }));
  return events.map((e) => {
    const base: ItemResult = { index: e.index, line: e.line, eventId: e.event.id as string, key: e.key, outcome: "valid", id: e.storedId };
    const checked = validator.validate(e.event);
    if (checked.ok) return base;
    const reason = `validation-failed (${checked.errors.map((x) => `${x.path || "/"}: ${x.message}`).join("; ")})`;
    return { ...base, outcome: "rejected", id: undefined, reason };
  });
}
