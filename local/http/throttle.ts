// API Gateway's stage throttling: a token bucket per route holding `burst` tokens, refilled at
// `rate` per second; a request that finds its bucket empty is answered 429.

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly rate: number,
    readonly burst: number,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.tokens = burst;
    this.last = this.now();
  }

  /** Takes one token if there is one. */
  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.rate);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export interface Throttle {
  rate: number;
  burst: number;
}

/** The stage's throttling: each route its own bucket, as on API Gateway. */
export class StageThrottle {
  private buckets = new Map<string, TokenBucket>();

  constructor(private readonly limits: () => { defaultThrottle?: Throttle; routeThrottles?: Record<string, Throttle> }) {}

  /** Whether a request on `routeKey` is admitted now. */
  admit(routeKey: string): boolean {
    const { defaultThrottle, routeThrottles } = this.limits();
    const t = routeThrottles?.[routeKey] ?? defaultThrottle;
    if (!t) return true;
    let b = this.buckets.get(routeKey);
    if (!b) this.buckets.set(routeKey, (b = new TokenBucket(t.rate, t.burst)));
    return b.take();
  }
}
