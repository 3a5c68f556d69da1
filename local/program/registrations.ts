// The mock provider's newResource calls in flight: that is where the local stack makes a twin.
// After a program has failed, what must finish before anything is torn down is these calls, not
// every registration Pulumi still holds open: a registration whose inputs wait on a resource that
// failed to register (say a mapping naming a function whose archive was refused) never finishes.

export class Registrations {
  private readonly running = new Set<Promise<unknown>>();
  private started = 0;

  /** Tracks one newResource call. */
  track<T>(call: Promise<T>): Promise<T> {
    this.started += 1;
    this.running.add(call);
    const done = () => this.running.delete(call);
    call.then(done, done);
    return call;
  }

  /**
   * Resolves once no call is running and none started during the last `quietMs`: a call that
   * finishes may resolve the inputs of another registration, which then calls in a moment later.
   */
  async quiet(quietMs: number): Promise<void> {
    for (;;) {
      const seen = this.started;
      await Promise.allSettled([...this.running]);
      await new Promise((resolve) => setTimeout(resolve, quietMs));
      if (this.started === seen && this.running.size === 0) return;
    }
  }
}
