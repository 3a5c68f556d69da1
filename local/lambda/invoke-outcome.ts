// What one invocation of a local function came to: the function's value, or Lambda's error
// (type and message as Lambda reports them). The triggers (HTTP routes, SQS pollers) read this.

export type InvokeOutcome =
  | { ok: true; value: unknown; requestId: string; durationMs: number; coldStart: boolean }
  | { ok: false; errorType: string; errorMessage: string; timedOut: boolean; requestId: string; durationMs: number; coldStart: boolean };

/** A failure reported before or without running the handler (throttled, refused, stopping). */
export function refusedInvocation(requestId: string, errorType: string, errorMessage: string): InvokeOutcome {
  return { ok: false, errorType, errorMessage, timedOut: false, requestId, durationMs: 0, coldStart: false };
}
