// The trace header Lambda gives each invocation in `_X_AMZN_TRACE_ID` (X-Ray Developer Guide,
// "Tracing header"): a new trace root per invocation (`1-<8 hex epoch seconds>-<24 hex random>`), a
// parent segment id, and whether it is sampled: always under Active tracing here (Lambda samples
// 1 request a second and 5 % of the rest), never under PassThrough.
import { randomBytes } from "node:crypto";

export type TracingMode = "Active" | "PassThrough";

export function newTraceHeader(mode: TracingMode, nowMs = Date.now()): string {
  const epoch = Math.floor(nowMs / 1000).toString(16).padStart(8, "0");
  const root = `1-${epoch}-${randomBytes(12).toString("hex")}`;
  return `Root=${root};Parent=${randomBytes(8).toString("hex")};Sampled=${mode === "Active" ? 1 : 0}`;
}

/** The mode of a function's `tracingConfig` input (the provider's default is PassThrough). */
export function tracingModeOf(tracingConfig: unknown): TracingMode {
  return (tracingConfig as { mode?: unknown } | undefined)?.mode === "Active" ? "Active" : "PassThrough";
}
