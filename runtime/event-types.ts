// The registry of event types Sluice knows: one superstruct struct per CloudEvent `type` for its
// `data`, shared by the ingest and worker functions and by the `sluice` CLI so that the same
// coercions apply everywhere. A coercion is the only change Sluice makes to an event: the text as
// received is kept, with each coerced value spliced in (runtime/event-validator.ts). Structs are
// built inside functions (never at module level) because Pulumi's closure serializer cannot carry
// a built struct into a function archive.
import {
  boolean,
  coerce,
  enums,
  integer,
  nonempty,
  number,
  object,
  optional,
  pattern,
  record,
  refine,
  string,
  trimmed,
  unknown,
  validate as runStruct,
} from "superstruct";
import type { Struct } from "superstruct";
import type { FieldError } from "./contract/problems";
import { pointerSegment } from "./json-scan";
import { rfc3339Problem } from "./rfc3339";

export type { FieldError };

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
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

// Coercions: what a sloppy producer sends is turned into what the schema means, before checking.
// A numeric string becomes a number only when the number says the same: an integer beyond 2^53
// stays a string (and fails an integer schema) rather than being stored with other digits.
function numberFromString(s: string): unknown {
  const t = s.trim();
  if (!NUMERIC.test(t)) return s;
  const n = Number(t);
  if (!Number.isFinite(n) || (Number.isInteger(n) && !Number.isSafeInteger(n))) return s;
  return n;
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
  return refine(trimmed(string()), "timestamp", (v) => {
    const problem = rfc3339Problem(v);
    return problem === undefined || `${problem}`;
  });
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
  return path.map(pointerSegment).join("");
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

