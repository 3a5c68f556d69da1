// The registry of event types Sluice knows: one superstruct struct per CloudEvent `type` for its
// `data`, shared by the ingest and worker functions and by the `sluice` CLI so that the same
// coercions apply everywhere. Structs are built inside functions (never at module level) because
// Pulumi's closure serializer cannot carry a built struct into a function archive.
import {
  boolean,
  coerce,
  enums,
  integer,
  literal,
  nonempty,
  number,
  object,
  optional,
  pattern,
  record,
  refine,
  string,
  trimmed,
  type as looseObject,
  unknown,
  validate as runStruct,
} from "superstruct";
import type { Struct } from "superstruct";

export interface FieldError {
  /** JSON-pointer-like path, e.g. `/data/id`; empty string for the value itself. */
  path: string;
  message: string;
}

export type Validation<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

export interface EventTypeRegistry {
  types(): string[];
  has(type: string): boolean;
  /** Validates `data` for a known `type`, applying that type's coercions. */
  validate(type: string, data: unknown): Validation<unknown>;
}

export interface EventTypeOptions {
  /** Registers `sluice.test.fault` (non-prod only). Default false. */
  testEvents?: boolean;
}

/** The type that makes the worker fail on purpose, with `data.mode` naming the failure. */
export const TEST_FAULT_TYPE = "sluice.test.fault";
export const TEST_FAULT_MODES = ["ok", "permanent", "processing", "validation", "transient", "timeout"] as const;
export type TestFaultMode = (typeof TEST_FAULT_MODES)[number];

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

// Coercions: what a sloppy producer sends is turned into what the schema means, before checking.
function numberFromString(s: string): unknown {
  const t = s.trim();
  return NUMERIC.test(t) ? Number(t) : s;
}

function booleanFromString(s: string): unknown {
  const t = s.trim().toLowerCase();
  if (t === "true") return true;
  if (t === "false") return false;
  return s;
}

function coercedInteger(): Struct<number, null> {
  return coerce(integer(), string(), numberFromString);
}

function coercedNumber(): Struct<number, null> {
  return coerce(number(), string(), numberFromString);
}

function coercedBoolean(): Struct<boolean, null> {
  return coerce(boolean(), string(), booleanFromString);
}

function trimmedText(): Struct<string, null> {
  return trimmed(nonempty(string()));
}

function isoTimestamp(): Struct<string, null> {
  return refine(trimmed(string()), "timestamp", (v) => (RFC3339.test(v) && !Number.isNaN(Date.parse(v))) || "must be an RFC 3339 timestamp");
}

function buildDataStructs(opts: EventTypeOptions): Map<string, Struct<any, any>> {
  const structs = new Map<string, Struct<any, any>>();
  // A user row from a CRM export (the demo source `sluice pull` normalizes).
  structs.set(
    "sluice.demo.user",
    object({
      id: coercedInteger(),
      name: trimmedText(),
      email: optional(pattern(trimmed(string()), EMAIL)),
      active: coercedBoolean(),
    }),
  );
  // One reading from a device: metrics arrive as strings from many cheap firmwares.
  structs.set(
    "sluice.telemetry.reading",
    object({
      deviceId: trimmedText(),
      metric: trimmedText(),
      value: coercedNumber(),
      unit: optional(trimmedText()),
      recordedAt: optional(isoTimestamp()),
    }),
  );
  // A third-party webhook relayed as is: only the routing fields are checked, the payload is opaque.
  structs.set(
    "sluice.webhook.received",
    object({
      provider: trimmedText(),
      event: trimmedText(),
      deliveredAt: optional(isoTimestamp()),
      payload: record(string(), unknown()),
    }),
  );
  if (opts.testEvents) {
    structs.set(TEST_FAULT_TYPE, object({ mode: enums([...TEST_FAULT_MODES]) }));
  }
  return structs;
}

function pointer(path: readonly (string | number)[]): string {
  return path.map((p) => "/" + String(p).replace(/~/g, "~0").replace(/\//g, "~1")).join("");
}

// superstruct words a missing field as "Expected a string, but received: undefined" and an
// unexpected one as "Expected a value of type `never`": say what the producer has to change instead.
function friendlyMessage(f: { value: unknown; type: string; message: string; path: readonly unknown[] }): string {
  if (f.type === "never") return "is not a known field";
  if (f.value === undefined && f.path.length > 0) return "is required";
  return f.message;
}

/** Runs a struct with coercion and turns superstruct's failures into `{ path, message }` pairs. */
export function checkWith<T>(struct: Struct<T, any>, value: unknown, prefix = ""): Validation<T> {
  const [error, coerced] = runStruct(value, struct, { coerce: true });
  if (!error) return { ok: true, value: coerced as T };
  const errors = error.failures().map((f) => ({ path: prefix + pointer(f.path), message: friendlyMessage(f) }));
  return { ok: false, errors };
}

/** Builds the registry; call once per cold start. */
export function createEventTypes(opts: EventTypeOptions = {}): EventTypeRegistry {
  const structs = buildDataStructs(opts);
  return {
    types: () => [...structs.keys()].sort(),
    has: (type) => structs.has(type),
    validate(type, data) {
      const struct = structs.get(type);
      if (!struct) return { ok: false, errors: [{ path: "/type", message: `unknown event type ${JSON.stringify(type)}` }] };
      return checkWith(struct, data, "/data");
    },
  };
}

/** A CloudEvents 1.0 event after validation (`data` coerced by its type's struct when known). */
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

const EXTENSION_NAME = /^[a-z0-9]{1,20}$/;
// Arrays, not Sets: the closure serializer cannot carry a Set into a function archive.
const CORE_ATTRIBUTES = ["specversion", "id", "source", "type", "time", "subject", "datacontenttype", "dataschema", "data", "data_base64"];

function buildEnvelopeStruct(): Struct<any, any> {
  // `type(...)` keeps extension attributes; their names are checked separately below.
  return looseObject({
    specversion: literal("1.0"),
    id: nonempty(string()),
    source: nonempty(string()),
    type: nonempty(string()),
    time: optional(isoTimestamp()),
    subject: optional(nonempty(string())),
    datacontenttype: optional(nonempty(string())),
    dataschema: optional(nonempty(string())),
    data: optional(unknown()),
  });
}

export interface EnvelopeOptions {
  /** What to do with a `type` that has no schema: `accept` (data unchecked) or `reject`. Default `accept`. */
  unknownTypes?: "accept" | "reject";
}

export interface EnvelopeValidator {
  /** Checks the envelope first and only then the type's `data`, as the ingest does. */
  validate(input: unknown): { ok: true; value: CloudEventRecord } | { ok: false; stage: "envelope" | "data"; errors: FieldError[] };
}

/** Builds the whole-event validator the ingest and the CLI's `--dry-run` share. */
export function createEnvelopeValidator(registry: EventTypeRegistry, opts: EnvelopeOptions = {}): EnvelopeValidator {
  const envelope = buildEnvelopeStruct();
  const unknownTypes = opts.unknownTypes ?? "accept";
  return {
    validate(input) {
      if (input === null || typeof input !== "object" || Array.isArray(input)) {
        return { ok: false, stage: "envelope", errors: [{ path: "", message: "a CloudEvent must be a JSON object" }] };
      }
      const checked = checkWith<Record<string, unknown>>(envelope, input);
      if (!checked.ok) return { ok: false, stage: "envelope", errors: checked.errors };
      const extensionErrors: FieldError[] = [];
      for (const name of Object.keys(checked.value)) {
        if (!CORE_ATTRIBUTES.includes(name) && !EXTENSION_NAME.test(name)) {
          extensionErrors.push({ path: pointer([name]), message: "extension attribute names are 1-20 lowercase letters or digits" });
        }
      }
      if ("data_base64" in checked.value) extensionErrors.push({ path: "/data_base64", message: "binary data is not accepted; send JSON data" });
      if (extensionErrors.length > 0) return { ok: false, stage: "envelope", errors: extensionErrors };
      const event = checked.value as CloudEventRecord;
      if (!registry.has(event.type)) {
        if (unknownTypes === "reject") {
          return { ok: false, stage: "data", errors: [{ path: "/type", message: `unknown event type ${JSON.stringify(event.type)}` }] };
        }
        return { ok: true, value: event };
      }
      const data = registry.validate(event.type, event.data);
      if (!data.ok) return { ok: false, stage: "data", errors: data.errors };
      return { ok: true, value: { ...event, data: data.value } };
    },
  };
}
