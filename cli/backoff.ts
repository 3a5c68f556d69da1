// The delay before a retry, plugged into got's `retry.calculateDelay`. got decides *whether* a
// retry is allowed (limit, methods, status codes, error codes, Retry-After vs maxRetryAfter) and
// passes 0 as `computedValue` when it is not; this only decides *how long* to wait.
// got 14 parses Retry-After (seconds or an HTTP date) into `retryAfter` ms, and turns one longer
// than `maxRetryAfter` into a 0 verdict. A `Retry-After: 0` reaches us as retryAfter 0, which got's
// own default would ignore in favour of its backoff; here it means "now".

export interface BackoffPolicy {
  /** First retry's upper bound in ms; doubles each attempt. */
  baseMs: number;
  /** Upper bound of any computed delay in ms. */
  capMs: number;
}

export interface DelayInput {
  /** 1 for the first retry. */
  attemptCount: number;
  /** got's own verdict: 0 means "do not retry". */
  computedValue: number;
  /** Milliseconds from the response's Retry-After header, when it had one. */
  retryAfter?: number;
}

/**
 * Exponential backoff with full jitter (a uniform delay in [0, min(cap, base·2^(n-1))]), except
 * that a Retry-After from the server is honoured as given. Never returns 0 for an allowed retry,
 * since got reads 0 as "cancel".
 */
export function retryDelay(input: DelayInput, policy: BackoffPolicy, random: () => number = Math.random): number {
  if (input.computedValue <= 0) return 0;
  if (input.retryAfter !== undefined && Number.isFinite(input.retryAfter)) return Math.max(1, Math.round(input.retryAfter));
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, input.attemptCount - 1));
  return Math.max(1, Math.floor(random() * ceiling));
}
