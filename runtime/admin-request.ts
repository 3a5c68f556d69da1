// Reading the admin routes' input strictly: a small JSON body (or query string) whose fields
// each have one type and range; an unknown field is refused, so a typo never widens an operation.
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { problem } from "./contract/problems";
import type { FieldError, ProblemBody } from "./contract/problems";

/** An admin request body is a handful of fields; anything larger is not one. */
export const MAX_ADMIN_BODY_BYTES = 16 * 1024;

export type FieldSpec =
  | { kind: "string"; maxBytes?: number }
  | { kind: "int"; min: number; max: number }
  | { kind: "bool" }
  | { kind: "enum"; values: readonly string[] };

export type FieldValues = Record<string, string | number | boolean | undefined>;

export type Checked = { ok: true; values: FieldValues } | { ok: false; errors: FieldError[] };

function checkOne(name: string, raw: unknown, spec: FieldSpec, fromText: boolean): { value?: string | number | boolean; error?: FieldError } {
  const path = fromText ? name : `/${name}`;
  switch (spec.kind) {
    case "string": {
      const max = spec.maxBytes ?? 1024;
      if (typeof raw !== "string" || raw === "" || Buffer.byteLength(raw) > max) return { error: { path, message: `expected a string of 1 to ${max} bytes` } };
      return { value: raw };
    }
    case "enum":
      if (typeof raw !== "string" || !spec.values.includes(raw)) return { error: { path, message: `expected one of ${spec.values.join(", ")}` } };
      return { value: raw };
    case "int": {
      const n = fromText && typeof raw === "string" && /^-?\d+$/.test(raw) ? Number(raw) : raw;
      if (typeof n !== "number" || !Number.isInteger(n) || n < spec.min || n > spec.max) return { error: { path, message: `expected an integer from ${spec.min} to ${spec.max}` } };
      return { value: n };
    }
    case "bool": {
      const b = fromText ? (raw === "true" ? true : raw === "false" ? false : raw) : raw;
      if (typeof b !== "boolean") return { error: { path, message: "expected true or false" } };
      return { value: b };
    }
    default:
      // A spec this reader does not know is a field it cannot check: refused, never let through.
      return { error: { path, message: "is not a field this operation can read" } };
  }
}

/** Checks `input` (a JSON object, or query parameters when `fromText`) against `spec`. */
export function checkFields(input: unknown, spec: Record<string, FieldSpec>, fromText = false): Checked {
  if (input === null || typeof input !== "object" || Array.isArray(input)) return { ok: false, errors: [{ path: "", message: "expected a JSON object" }] };
  const errors: FieldError[] = [];
  const values: FieldValues = {};
  for (const [name, raw] of Object.entries(input as Record<string, unknown>)) {
    // Own fields only: `constructor`, `__proto__` or `toString` are unknown fields, not the prototype's.
    const s = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (!s) {
      errors.push({ path: fromText ? name : `/${name}`, message: `is not a field of this operation (known: ${Object.keys(spec).join(", ")})` });
      continue;
    }
    if (raw === undefined || (raw === null && !fromText)) continue;
    const { value, error } = checkOne(name, raw, s, fromText);
    if (error) errors.push(error);
    else values[name] = value;
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, values };
}

/** The request's JSON body (an empty body is `{}`), or the problem that says why it is not one. */
export function jsonBodyOf(event: APIGatewayProxyEventV2, requestId: string): { ok: true; body: unknown } | { ok: false; problem: ProblemBody } {
  const raw = event.body === undefined || event.body === null ? "" : event.isBase64Encoded ? Buffer.from(event.body, "base64").toString("utf8") : event.body;
  if (Buffer.byteLength(raw) > MAX_ADMIN_BODY_BYTES) return { ok: false, problem: problem("payload-too-large", `an admin request body is at most ${MAX_ADMIN_BODY_BYTES} bytes`, { requestId }) };
  if (raw.trim() === "") return { ok: true, body: {} };
  try {
    return { ok: true, body: JSON.parse(raw) };
  } catch (err) {
    return { ok: false, problem: problem("invalid-json", `the body is not JSON: ${(err as Error).message}`, { requestId }) };
  }
}

/** The body checked against `spec`, or the problem for it (400 not JSON, 413 too large, 422 invalid). */
export function adminInput(event: APIGatewayProxyEventV2, spec: Record<string, FieldSpec>, requestId: string): { ok: true; values: FieldValues } | { ok: false; problem: ProblemBody } {
  const body = jsonBodyOf(event, requestId);
  if (!body.ok) return body;
  const checked = checkFields(body.body, spec);
  if (!checked.ok) return { ok: false, problem: problem("invalid-request", "the request body does not fit this operation", { requestId, errors: checked.errors }) };
  return checked;
}

/** The query string checked against `spec` (values are text), or the 400 for it. */
export function adminQuery(event: APIGatewayProxyEventV2, spec: Record<string, FieldSpec>, requestId: string): { ok: true; values: FieldValues } | { ok: false; problem: ProblemBody } {
  const checked = checkFields(event.queryStringParameters ?? {}, spec, true);
  if (!checked.ok) return { ok: false, problem: problem("invalid-query", "the query parameters do not fit this operation", { requestId, errors: checked.errors }) };
  return checked;
}
