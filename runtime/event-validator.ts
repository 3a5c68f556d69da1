// The whole-event check the ingest, the worker and the CLI share: the envelope first
// (cloudevent-envelope.ts), then the type's `data` schema with its coercions, and the result as the
// event's exact text: what was received, with only the coerced values spliced in (json-splice.ts).
import type { FieldError } from "./contract/problems";
import { INPUT_LIMITS } from "./contract/limits";
import { readEnvelope } from "./cloudevent-envelope";
import type { Envelope, ScannedEvent } from "./cloudevent-envelope";
import type { EventTypeRegistry } from "./event-types";
import { scanJson } from "./json-scan";
import { applyEdits, coercionEdits } from "./json-splice";
import type { TextEdit } from "./json-splice";
import { isJsonMediaType, parseMediaType } from "./media-type";

/** A CloudEvents 1.0 event as a value (what `validate` returns, `data` coerced). */
export interface CloudEventRecord {
  specversion: "1.0";
  id: string;
  source: string;
  type: string;
  time?: string;
  subject?: string;
  datacontenttype?: string;
  dataschema?: string;
  data?: unknown;
  [extension: string]: unknown;
}

export interface ValidatedEvent {
  envelope: Envelope;
  /** The event as accepted: its text as received, with the type's coerced values spliced in. */
  text: string;
}

export type EventCheck = { ok: true; event: ValidatedEvent } | { ok: false; stage: "envelope" | "data"; errors: FieldError[] };

export interface EnvelopeOptions {
  /** What to do with a `type` that has no schema: `accept` (data unchecked) or `reject`. Default `accept`. */
  unknownTypes?: "accept" | "reject";
}

export interface EnvelopeValidator {
  /** Checks a scanned event: envelope first, then the type's `data`. */
  check(scanned: ScannedEvent): EventCheck;
  /** The same check for an event held as a value (the CLI's `--dry-run`). */
  validate(input: unknown): { ok: true; value: CloudEventRecord } | { ok: false; stage: "envelope" | "data"; errors: FieldError[] };
}

function dataEdits(registry: EventTypeRegistry, scanned: ScannedEvent, envelope: Envelope): { ok: true; edits: TextEdit[] } | { ok: false; errors: FieldError[] } {
  const { text, root } = scanned;
  if (envelope.dataBase64) return { ok: false, errors: [{ path: "/data_base64", message: `the data of ${envelope.type} is JSON: send it as data, not data_base64` }] };
  const media = envelope.datacontenttype === undefined ? undefined : parseMediaType(envelope.datacontenttype);
  if (media && !isJsonMediaType(media)) return { ok: false, errors: [{ path: "/datacontenttype", message: `the data of ${envelope.type} is JSON, not ${media.essence}` }] };
  const node = envelope.data;
  // Parsing is safe here: the scanner has bounded the depth and checked every number.
  const original: unknown = node ? JSON.parse(text.slice(node.s, node.e)) : undefined;
  const checked = registry.validate(envelope.type, original);
  if (!checked.ok) return checked;
  if (node) return { ok: true, edits: coercionEdits(text, node, original, checked.value) };
  if (checked.value === undefined) return { ok: true, edits: [] };
  // A schema that supplies data the event lacked: the member is added at the end.
  const member = (root.keys.length > 0 ? "," : "") + '"data":' + JSON.stringify(checked.value);
  return { ok: true, edits: [{ s: root.e - 1, e: root.e - 1, text: member }] };
}

/** Builds the validator the ingest, the worker and the CLI share; call once per cold start. */
export function createEnvelopeValidator(registry: EventTypeRegistry, opts: EnvelopeOptions = {}): EnvelopeValidator {
  const unknownTypes = opts.unknownTypes ?? "accept";
  const check = (scanned: ScannedEvent): EventCheck => {
    const read = readEnvelope(scanned);
    if (!read.ok) return { ok: false, stage: "envelope", errors: read.errors };
    const envelope = read.envelope;
    const { text, root } = scanned;
    if (!registry.has(envelope.type)) {
      if (unknownTypes === "reject") return { ok: false, stage: "data", errors: [{ path: "/type", message: `unknown event type ${JSON.stringify(envelope.type)}` }] };
      return { ok: true, event: { envelope, text: text.slice(root.s, root.e) } };
    }
    const data = dataEdits(registry, scanned, envelope);
    if (!data.ok) return { ok: false, stage: "data", errors: data.errors };
    return { ok: true, event: { envelope, text: applyEdits(text, data.edits, root.s, root.e) } };
  };
  return {
    check,
    validate(input) {
      if (input === null || typeof input !== "object" || Array.isArray(input)) {
        return { ok: false, stage: "envelope", errors: [{ path: "", message: "a CloudEvent must be a JSON object" }] };
      }
      const text = JSON.stringify(input);
      const scanned = scanJson(text, { maxDepth: INPUT_LIMITS.maxDepth });
      if (!scanned.ok) {
        const e = scanned.error;
        return { ok: false, stage: "envelope", errors: [e.kind === "invalid" ? { path: e.path, message: e.message } : { path: "", message: e.message }] };
      }
      const checked = check({ text, root: scanned.node as ScannedEvent["root"] });
      if (!checked.ok) return checked;
      return { ok: true, value: JSON.parse(checked.event.text) as CloudEventRecord };
    },
  };
}
