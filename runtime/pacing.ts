// How fast the operator puts messages back on the main queue: a rate limit (a recovering
// downstream must not get the whole DLQ at once) and a per-message delivery delay drawn at random
// up to a bound (SQS DelaySeconds, at most 900 s), which spreads a large redrive over time.

/** SQS's longest per-message delay. */
export const MAX_DELAY_SECONDS = 900;

export const PACING_DEFAULTS = { ratePerSecond: 50, maxRatePerSecond: 1000 } as const;

/** Resolves when the next send may go: at most `ratePerSecond` sends per second, evenly spaced. */
export function createPacer(ratePerSecond: number, now: () => number = Date.now, sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms))): () => Promise<void> {
  const interval = 1000 / ratePerSecond;
  let next = -Infinity;
  return async () => {
    const t = now();
    const at = Math.max(t, next);
    next = at + interval;
    if (at > t) await sleep(at - t);
  };
}

/** A delay from 0 to `maxSeconds` (whole seconds, uniform), or 0 when there is no jitter. */
export function jitterDelaySeconds(maxSeconds: number, random: () => number = Math.random): number {
  if (maxSeconds <= 0) return 0;
  return Math.min(maxSeconds, Math.floor(random() * (maxSeconds + 1)));
}
