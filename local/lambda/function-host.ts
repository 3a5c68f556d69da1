// Runs one Lambda function locally from its unpacked archive: a pool of instances, each its own
// process running local/lambda-bootstrap.cjs, one invocation at a time per instance (as Lambda
// does), held to the configured timeout. An instance that times out or crashes is killed; the next
// invocation gets a fresh one, a cold start.
import { fork, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import * as readline from "node:readline";
import { randomUUID } from "node:crypto";
import type { FunctionMetrics } from "./metrics";

export interface FunctionSpec {
  logicalName: string;
  physicalName: string;
  arn: string;
  /** The unpacked archive (what Lambda calls the task root). */
  codeDir: string;
  /** `file.export`, e.g. `__index.handler`. */
  handler: string;
  /** The function's own configured environment, nothing else. */
  environment: Record<string, string>;
  timeoutSeconds: number;
  memoryMb: number;
  /** Most instances at once (Lambda's reserved concurrency, or a local cap). */
  maxInstances: number;
}

export interface HostOptions {
  /** The SDK layer folder (see sdk-layer.ts), the instance's whole NODE_PATH. */
  nodePath: string;
  /** AWS_ENDPOINT_URL_* to the local servers, region and fake credentials. */
  awsEnv: Record<string, string>;
  metrics: FunctionMetrics;
  log(line: string): void;
}

export type InvokeOutcome =
  | { ok: true; value: unknown; requestId: string; durationMs: number; coldStart: boolean }
  | { ok: false; errorType: string; errorMessage: string; timedOut: boolean; requestId: string; durationMs: number; coldStart: boolean };

/** Lambda gives a function's init phase 10 s, apart from its timeout. */
const INIT_LIMIT_MS = 10_000;
const BOOTSTRAP = path.join(__dirname, "lambda-bootstrap.cjs");

interface Instance {
  child: ChildProcess;
  ready: Promise<{ initMs: number } | { error: { errorType: string; errorMessage: string } }>;
  alive: boolean;
}

export class LambdaHost {
  private idle: Instance[] = [];
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
    const s = this.spec;
    return {
      ...s.environment,
      ...this.opts.awsEnv,
      AWS_DEFAULT_REGION: this.opts.awsEnv.AWS_REGION ?? "us-east-1",
      AWS_LAMBDA_FUNCTION_NAME: s.physicalName,
      AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(s.memoryMb),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${s.physicalName}`,
      AWS_LAMBDA_LOG_STREAM_NAME: `local/${s.physicalName}`,
      AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x",
      LAMBDA_TASK_ROOT: s.codeDir,
      _HANDLER: s.handler,
      NODE_PATH: this.opts.nodePath,
      TZ: ":UTC",
      LANG: "en_US.UTF-8",
    };
  }

  /** Process ids of the live instances (for tests that check nothing is left behind). */
  pids(): number[] {
    return [...this.all].filter((i) => i.alive && i.child.pid !== undefined).map((i) => i.child.pid!);
  }

  private forward(stream: NodeJS.ReadableStream | null, level: string, pid: number | undefined): void {
    if (!stream) return;
    const rl = readline.createInterface({ input: stream });
    rl.on("line", (line) => {
      if (line.trim() === "") return;
      // Handlers log structured JSON already; anything else is wrapped so every line stays JSON.
      if (line.startsWith("{")) this.opts.log(line);
      else this.opts.log(JSON.stringify({ level, source: "lambda", fn: this.spec.logicalName, pid, msg: line }));
    });
  }

  private spawn(): Instance {
    const child = fork(BOOTSTRAP, [], {
      cwd: this.spec.codeDir,
      env: this.instanceEnv(),
      // Not the host's loaders (tsx): an instance sees plain node, like the Lambda runtime. Its heap
      // is capped at the configured memory (Lambda caps the whole process; this is the part that grows).
      execArgv: [`--max-old-space-size=${this.spec.memoryMb}`],
      // Own process group: a terminal's Ctrl-C reaches the host, which then stops its instances
      // after in-flight invocations end, instead of killing them mid-batch.
      detached: true,
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    const instance: Instance = { child, alive: true, ready: undefined as never };
    // A failed send or spawn surfaces as the invocation's error or as 'exit'; without a listener
    // an 'error' event would bring the whole local stack down.
    child.on("error", (err) => this.opts.log(JSON.stringify({ level: "error", source: "local", fn: this.spec.logicalName, pid: child.pid, msg: "instance process error", error: err.message })));
    this.all.add(instance);
    this.forward(child.stdout, "info", child.pid);
    this.forward(child.stderr, "error", child.pid);
    instance.ready = new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ error: { errorType: "Runtime.InitTimeout", errorMessage: `init exceeded ${INIT_LIMIT_MS} ms` } }), INIT_LIMIT_MS);
      const onMessage = (msg: { type?: string; initMs?: number; error?: { errorType: string; errorMessage: string } }) => {
        if (msg.type === "ready") resolve({ initMs: msg.initMs ?? 0 });
        else if (msg.type === "init-error") resolve({ error: msg.error! });
        else return;
        clearTimeout(timer);
        child.off("message", onMessage);
      };
      child.on("message", onMessage);
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        resolve({ error: { errorType: "Runtime.ExitError", errorMessage: `instance exited during init (${signal ?? code})` } });
      });
    });
    child.once("exit", () => {
      instance.alive = false;
      this.all.delete(instance);
    });
    return instance;
  }

  private kill(instance: Instance): void {
    if (!instance.alive) return;
    instance.alive = false;
    try {
      instance.child.kill("SIGKILL");
    } catch {
      /* already gone */
    }
  }

  private async acquire(): Promise<{ instance: Instance; cold: boolean }> {
    for (;;) {
      const idle = this.idle.pop();
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
    if (reusable && instance.alive && !this.stopping) this.idle.push(instance);
    else {
      this.kill(instance);
      this.count -= 1;
    }
    this.waiting.shift()?.();
  }

  /** Invokes the function once; never throws for a function failure, it reports it. */
  invoke(event: unknown, requestId: string = randomUUID()): Promise<InvokeOutcome> {
    if (this.stopping) {
      return Promise.resolve({ ok: false, errorType: "Local.Stopping", errorMessage: "the local stack is stopping", timedOut: false, requestId, durationMs: 0, coldStart: false });
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
      return { ok: false, errorType: "TooManyRequestsException", errorMessage: "Rate Exceeded. (reserved concurrency is 0)", timedOut: false, requestId, durationMs: 0, coldStart: false };
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
        this.kill(instance);
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
    await Promise.allSettled([...this.inFlight]);
    const exits = [...this.all].map(
      (i) =>
        new Promise<void>((resolve) => {
          if (i.child.exitCode !== null || i.child.signalCode !== null) return resolve();
          i.child.once("exit", () => resolve());
          this.kill(i);
        }),
    );
    this.idle = [];
    await Promise.all(exits);
    for (const wake of this.waiting.splice(0)) wake();
  }
}
