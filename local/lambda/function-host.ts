// Runs one Lambda function locally from its unpacked archive: a pool of instances (see
// instance-process.ts), one invocation at a time per instance (as Lambda does), held to the
// configured timeout. An instance that times out or crashes is killed; the next invocation gets a
// fresh one, a cold start. An instance left idle for a while is ended, as Lambda recycles idle
// execution environments, so a stack that drained a load gives its memory back.
import { randomUUID } from "node:crypto";
import type { FunctionMetrics } from "../metrics";
import { instanceEnv, killInstance, spawnInstance, type FunctionSpec, type Instance, type InstanceOptions } from "./instance-process";
import { refusedInvocation, type InvokeOutcome } from "./invoke-outcome";

export type { FunctionSpec } from "./instance-process";
export type { InvokeOutcome } from "./invoke-outcome";

/** How long an instance may stay idle before it is ended (Lambda recycles idle ones after minutes). */
export const IDLE_INSTANCE_MS = 5 * 60_000;

export interface HostOptions extends InstanceOptions {
  metrics: FunctionMetrics;
  /** Idle time after which an instance is ended. Default IDLE_INSTANCE_MS. */
  idleMs?: number;
}

export class LambdaHost {
  /** Most recently used last; each with when it was released. */
  private idle: Array<{ instance: Instance; since: number }> = [];
  private reaper: NodeJS.Timeout | undefined;
  private count = 0;
  private waiting: Array<() => void> = [];
  private inFlight = new Set<Promise<unknown>>();
  private stopping = false;
  private all = new Set<Instance>();

  constructor(
    readonly spec: FunctionSpec,
    private readonly opts: HostOptions,
  ) {}

  /** The process environment an instance gets: its own variables plus what Lambda itself sets. */
  instanceEnv(): Record<string, string> {
    return instanceEnv(this.spec, this.opts);
  }

  /** Process ids of the live instances (for tests that check nothing is left behind). */
  pids(): number[] {
    return [...this.all].filter((i) => i.alive && i.child.pid !== undefined).map((i) => i.child.pid!);
  }

  private spawn(): Instance {
    const instance = spawnInstance(this.spec, this.opts);
    this.all.add(instance);
    instance.child.once("exit", () => {
      instance.alive = false;
      this.all.delete(instance);
    });
    return instance;
  }

  private async acquire(): Promise<{ instance: Instance; cold: boolean }> {
    for (;;) {
      const idle = this.idle.pop()?.instance;
      if (idle && idle.alive) return { instance: idle, cold: false };
      if (idle) {
        // It died while idle (a stray error after its last invocation): its slot is free again.
        this.count -= 1;
        continue;
      }
      if (this.count < this.spec.maxInstances) {
        this.count += 1;
        return { instance: this.spawn(), cold: true };
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  private release(instance: Instance, reusable: boolean): void {
    if (reusable && instance.alive && !this.stopping) {
      this.idle.push({ instance, since: Date.now() });
      this.reaper ??= setInterval(() => this.reapIdle(), Math.min(30_000, Math.max(50, (this.opts.idleMs ?? IDLE_INSTANCE_MS) / 4))).unref();
    } else {
      killInstance(instance);
      this.count -= 1;
    }
    this.waiting.shift()?.();
  }

  /** Ends the instances idle for longer than the idle limit; the next invocation starts cold. */
  private reapIdle(): void {
    const limit = Date.now() - (this.opts.idleMs ?? IDLE_INSTANCE_MS);
    const stale = this.idle.filter((i) => i.since <= limit);
    if (stale.length === 0) return;
    this.idle = this.idle.filter((i) => i.since > limit);
    for (const { instance } of stale) {
      killInstance(instance);
      this.count -= 1;
    }
    this.opts.log(JSON.stringify({ level: "info", source: "local", fn: this.spec.logicalName, msg: "ended idle function instances", count: stale.length, idleMs: this.opts.idleMs ?? IDLE_INSTANCE_MS }));
  }

  /** Invokes the function once; never throws for a function failure, it reports it. */
  invoke(event: unknown, requestId: string = randomUUID()): Promise<InvokeOutcome> {
    if (this.stopping) {
      return Promise.resolve(refusedInvocation(requestId, "Local.Stopping", "the local stack is stopping"));
    }
    const run = this.run(event, requestId);
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
    return run;
  }

  private async run(event: unknown, requestId: string): Promise<InvokeOutcome> {
    const m = this.opts.metrics;
    if (this.spec.maxInstances <= 0) {
      // Reserved concurrency 0 is how Lambda switches a function off: every invocation is throttled.
      return refusedInvocation(requestId, "TooManyRequestsException", "Rate Exceeded. (reserved concurrency is 0)");
    }
    if (this.spec.reserved && this.idle.length === 0 && this.count >= this.spec.maxInstances) {
      // Every reserved instance is busy: Lambda refuses the invocation, it does not queue it.
      return refusedInvocation(requestId, "TooManyRequestsException", `Rate Exceeded. (reserved concurrency ${this.spec.maxInstances} in use)`);
    }
    const { instance, cold } = await this.acquire();
    m.invocations += 1;
    let initMs = 0;
    if (cold) {
      m.coldStarts += 1;
      const ready = await instance.ready;
      if ("error" in ready) {
        m.errors += 1;
        this.release(instance, false);
        this.opts.log(JSON.stringify({ level: "error", source: "local", fn: this.spec.logicalName, requestId, msg: "init failed", ...ready.error }));
        return { ok: false, ...ready.error, timedOut: false, requestId, durationMs: 0, coldStart: true };
      }
      initMs = ready.initMs;
      m.initMs += initMs;
    }
    const timeoutMs = this.spec.timeoutSeconds * 1000;
    const outcome = await new Promise<InvokeOutcome>((resolve) => {
      const id = randomUUID();
      const started = Date.now();
      const child = instance.child;
      const finish = (o: InvokeOutcome) => {
        clearTimeout(timer);
        child.off("message", onMessage);
        child.off("exit", onExit);
        resolve(o);
      };
      const timer = setTimeout(() => {
        // Past its timeout the instance is frozen and discarded, whatever it was doing.
        killInstance(instance);
        finish({ ok: false, errorType: "Sandbox.Timedout", errorMessage: `Task timed out after ${this.spec.timeoutSeconds.toFixed(2)} seconds`, timedOut: true, requestId, durationMs: timeoutMs, coldStart: cold });
      }, timeoutMs);
      const onMessage = (msg: { type?: string; id?: string; ok?: boolean; value?: unknown; error?: { errorType: string; errorMessage: string }; durationMs?: number }) => {
        if (msg.type !== "result" || msg.id !== id) return;
        const durationMs = msg.durationMs ?? Date.now() - started;
        if (msg.ok) finish({ ok: true, value: msg.value, requestId, durationMs, coldStart: cold });
        else finish({ ok: false, errorType: msg.error?.errorType ?? "Error", errorMessage: msg.error?.errorMessage ?? "", timedOut: false, requestId, durationMs, coldStart: cold });
      };
      const onExit = (code: number | null, signal: string | null) => {
        finish({ ok: false, errorType: "Runtime.ExitError", errorMessage: `RequestId: ${requestId} Error: Runtime exited (${signal ?? `code ${code}`})`, timedOut: false, requestId, durationMs: Date.now() - started, coldStart: cold });
      };
      child.on("message", onMessage);
      child.once("exit", onExit);
      child.send({ type: "invoke", id, event, requestId, functionArn: this.spec.arn, deadline: started + timeoutMs }, (err) => {
        if (err) finish({ ok: false, errorType: "Runtime.ExitError", errorMessage: `RequestId: ${requestId} Error: the instance is gone (${err.message})`, timedOut: false, requestId, durationMs: Date.now() - started, coldStart: cold });
      });
    });
    m.durationMs += outcome.durationMs;
    const billed = Math.ceil(outcome.durationMs) + Math.ceil(initMs);
    m.billedMs += billed;
    m.gbSeconds += (billed / 1000) * (this.spec.memoryMb / 1024);
    if (!outcome.ok) {
      if (outcome.timedOut) m.timeouts += 1;
      else m.errors += 1;
      this.opts.log(JSON.stringify({ level: "error", source: "local", fn: this.spec.logicalName, requestId, msg: "invocation failed", errorType: outcome.errorType, errorMessage: outcome.errorMessage }));
    }
    // A handler error leaves the instance usable; a crash or a timeout does not.
    this.release(instance, outcome.ok || (!outcome.timedOut && outcome.errorType !== "Runtime.ExitError"));
    return outcome;
  }

  /** Refuses new invocations, waits for the running ones (each bounded by its timeout), then ends every instance. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.reaper) clearInterval(this.reaper);
    await Promise.allSettled([...this.inFlight]);
    const exits = [...this.all].map(
      (i) =>
        new Promise<void>((resolve) => {
          if (i.child.exitCode !== null || i.child.signalCode !== null) return resolve();
          i.child.once("exit", () => resolve());
          killInstance(i);
        }),
    );
    this.idle = [];
    await Promise.all(exits);
    for (const wake of this.waiting.splice(0)) wake();
  }
}
