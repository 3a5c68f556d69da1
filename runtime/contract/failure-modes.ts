// The failure modes a non-prod stack can be switched into at run time (DESIGN §9), written once:
// the operator validates and stores a setting (one item in the table, contract/table.ts), the
// ingest and the worker read it back, the CLI and the docs name the same modes and parameters.
import type { FailureCategory } from "../failure-classes";
import type { FieldError } from "./problems";

export const FAILURE_MODE_NAMES = ["none", "poison_payload", "slow_downstream", "random_fail_p30", "duplicate_submit"] as const;
export type FailureModeName = (typeof FAILURE_MODE_NAMES)[number];

/** What each mode does, precisely; the README and `sluice failure-mode --help` print these. */
export const FAILURE_MODE_EFFECTS: Record<FailureModeName, string> = {
  none: "normal operation",
  poison_payload:
    "the worker fails every record it processes with the mode's category (default PROCESSING) before storing it: PROCESSING, VALIDATION and PERMANENT are stored as failed; TRANSIENT and TIMEOUT are retried and end in the DLQ",
  slow_downstream: "the worker waits latencyMs (default 2000) before storing each record; past the record's deadline that is a TIMEOUT, retried",
  random_fail_p30: "the worker fails each attempt at a record with probability 0.3 as TRANSIENT (retried; one record in 0.3^maxReceiveCount ends in the DLQ)",
  duplicate_submit: "the ingest queues every accepted event twice (a second SendMessage of the same body); the worker must store it once",
};

/** The categories `poison_payload` may fail with. */
export const POISON_CATEGORIES: readonly FailureCategory[] = ["PROCESSING", "VALIDATION", "PERMANENT", "TRANSIENT", "TIMEOUT"];
export const DEFAULT_POISON_CATEGORY: FailureCategory = "PROCESSING";
export const DEFAULT_SLOW_LATENCY_MS = 2000;
/** Longer than any worker timeout (Lambda's maximum is 900 s). */
export const MAX_SLOW_LATENCY_MS = 900_000;
export const RANDOM_FAIL_PROBABILITY = 0.3;

/** How often a function instance reads the setting again at most (config `failureModeRefreshSeconds`). */
export const FAILURE_MODE_REFRESH_RANGE = { min: 1, max: 10, initial: 5 } as const;

/**
 * Whether failure modes take effect in a function: switched on for the stack (the program never
 * does that on a protected stack) and, whatever the environment says, never on a stage named prod.
 */
export function failureModesApply(settings: { failureModes: boolean; stage: string }): boolean {
  return settings.failureModes && settings.stage !== "prod";
}

/** A failure mode as stored: what to do, and who set it when. */
export interface FailureModeSetting {
  mode: FailureModeName;
  /** poison_payload only. */
  category?: FailureCategory;
  /** slow_downstream only. */
  latencyMs?: number;
  /** ISO 8601 time the operator stored it. */
  setAt: string;
  /** The IAM identity that set it, as API Gateway named the caller. */
  setBy?: string;
}

/** What a caller asks for; `setAt`/`setBy` are the operator's to fill in. */
export type FailureModeRequest = Omit<FailureModeSetting, "setAt" | "setBy">;

export const NO_FAILURE_MODE: FailureModeRequest = { mode: "none" };

type Checked = { ok: true; request: FailureModeRequest } | { ok: false; errors: FieldError[] };

/** Checks a request body strictly: a known mode, only its own parameters, each within range. */
export function checkFailureModeRequest(input: unknown): Checked {
  if (input === null || typeof input !== "object" || Array.isArray(input)) return { ok: false, errors: [{ path: "", message: "expected a JSON object with a mode" }] };
  const body = input as Record<string, unknown>;
  const errors: FieldError[] = [];
  const mode = body.mode;
  if (typeof mode !== "string" || !(FAILURE_MODE_NAMES as readonly string[]).includes(mode)) {
    return { ok: false, errors: [{ path: "/mode", message: `expected one of ${FAILURE_MODE_NAMES.join(", ")}` }] };
  }
  const allowed: Record<FailureModeName, string[]> = {
    none: ["mode"],
    poison_payload: ["mode", "category"],
    slow_downstream: ["mode", "latencyMs"],
    random_fail_p30: ["mode"],
    duplicate_submit: ["mode"],
  };
  for (const k of Object.keys(body)) if (!allowed[mode as FailureModeName].includes(k)) errors.push({ path: `/${k}`, message: `not a parameter of ${mode}` });
  const request: FailureModeRequest = { mode: mode as FailureModeName };
  if (mode === "poison_payload") {
    const category = body.category ?? DEFAULT_POISON_CATEGORY;
    if (typeof category !== "string" || !(POISON_CATEGORIES as readonly string[]).includes(category)) errors.push({ path: "/category", message: `expected one of ${POISON_CATEGORIES.join(", ")}` });
    else request.category = category as FailureCategory;
  }
  if (mode === "slow_downstream") {
    const latency = body.latencyMs ?? DEFAULT_SLOW_LATENCY_MS;
    if (typeof latency !== "number" || !Number.isInteger(latency) || latency < 1 || latency > MAX_SLOW_LATENCY_MS) errors.push({ path: "/latencyMs", message: `expected an integer from 1 to ${MAX_SLOW_LATENCY_MS}` });
    else request.latencyMs = latency;
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, request };
}

/** The stored setting, or undefined when the text is not one (then no mode applies). */
export function parseFailureModeSetting(text: unknown): FailureModeSetting | undefined {
  if (typeof text !== "string") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const { setAt, setBy, ...rest } = (parsed ?? {}) as Record<string, unknown>;
  const checked = checkFailureModeRequest(rest);
  if (!checked.ok || typeof setAt !== "string") return undefined;
  return { ...checked.request, setAt, ...(typeof setBy === "string" ? { setBy } : {}) };
}
