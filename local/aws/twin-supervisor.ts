// Runs one twin in its own process (twin-process.ts) and keeps it running: a twin that crashes is
// started again on the same port and on its data, after a pause that doubles with each crash in a
// row (so a request that crashes it every time cannot spin the machine), while the rest of the
// stack keeps answering — the functions get connection errors, as from a real outage, and answer
// 503. Only the stack's stop ends it for good.
import { fork, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { forwardLines } from "../child-output";
import type { GateSettings } from "./gate-settings";
import type { FromTwin, GateConfig, ToTwin, TwinServiceName } from "./twin-protocol";

const ENTRY = path.join(__dirname, "twin-process.ts");
/** The twin process runs TypeScript as the stack does, through tsx's require hook. */
const LOADER = require.resolve("tsx/cjs");
/** The first pause before a restart; it doubles per crash in a row, up to the most. */
const RESTART_FIRST_MS = 250;
const RESTART_MOST_MS = 10_000;
/** A twin that stayed up this long before crashing starts the count of crashes in a row anew. */
const STABLE_MS = 30_000;
/** How long a clean stop may take (SQS saves what is still queued). */
const STOP_LIMIT_MS = 60_000;

export class TwinDownError extends Error {}

export interface SupervisorOptions {
  service: TwinServiceName;
  dataDir: string;
  gates: GateSettings;
  log(line: string): void;
  /** Receives what the twin counted since it last reported. */
  onCounters(delta: object): void;
}

type State = "idle" | "starting" | "up" | "down" | "stopping" | "stopped";

export interface TwinStatus {
  service: TwinServiceName;
  state: State;
  pid?: number;
  endpoint: string;
  restarts: number;
}

export class TwinSupervisor {
  private child: ChildProcess | undefined;
  private state: State = "idle";
  private port = 0;
  private nextId = 1;
  private pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private upWaiters: Array<{ resolve(): void; reject(e: Error): void }> = [];
  private crashesInARow = 0;
  private upSince = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private sentGates: GateConfig | undefined;
  private everUp = false;
  restarts = 0;

  constructor(private readonly opts: SupervisorOptions) {
    opts.gates.attach(async (config) => {
      if (this.state === "up") await this.call("gates", config).then(() => (this.sentGates = config), () => undefined);
    });
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  status(): TwinStatus {
    return { service: this.opts.service, state: this.state, pid: this.state === "up" ? this.child?.pid : undefined, endpoint: this.endpoint, restarts: this.restarts };
  }

  private log(level: string, msg: string, fields: Record<string, unknown> = {}): void {
    this.opts.log(JSON.stringify({ level, source: "local", twin: this.opts.service, msg, ...fields }));
  }

  /**
   * The first start, on a free port; rejects if the twin cannot start. Tried a few times: right
   * after a `kill -9` of a stack, its twins may still be letting go of the data dir (LevelDB's lock).
   */
  async start(attempts = 3): Promise<void> {
    for (let i = 1; ; i++) {
      this.state = "starting";
      try {
        return await this.spawn(false);
      } catch (err) {
        // Never up: nothing to restart; the stack's start fails with this.
        this.state = "stopped";
        if (i >= attempts) throw err;
        await new Promise((r) => setTimeout(r, RESTART_FIRST_MS * i));
      }
    }
  }

  private spawn(restart: boolean): Promise<void> {
    const child = fork(ENTRY, [], {
      execArgv: ["--require", LOADER],
      // Own process group: a terminal's Ctrl-C reaches the stack, which then stops the twins in
      // order (SQS saves its queues) instead of their dying with it.
      detached: true,
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    this.child = child;
    forwardLines(child.stdout, this.opts.log, (msg) => ({ level: "info", source: "local", twin: this.opts.service, pid: child.pid, msg }));
    forwardLines(child.stderr, this.opts.log, (msg) => ({ level: "error", source: "local", twin: this.opts.service, pid: child.pid, msg }));
    child.on("error", (err) => this.log("error", "twin process error", { pid: child.pid, error: err.message }));
    return new Promise<void>((resolve, reject) => {
      child.on("message", (msg: FromTwin) => {
        if (msg.type === "listening") {
          this.port = msg.port;
          this.state = "up";
          this.everUp = true;
          this.upSince = Date.now();
          if (restart) this.log("warn", "twin restarted", { pid: child.pid, restarts: this.restarts });
          for (const w of this.upWaiters.splice(0)) w.resolve();
          // Gates changed while it was starting: it must run the current ones.
          if (this.sentGates !== this.opts.gates.current()) void this.opts.gates.update({});
          resolve();
        } else if (msg.type === "start-failed") {
          reject(new Error(`the ${this.opts.service} twin could not start: ${msg.error}`));
        } else this.onMessage(msg);
      });
      child.once("exit", (code, signal) => {
        reject(new Error(`the ${this.opts.service} twin exited while starting (${signal ?? `code ${code}`})`));
        this.onExit(child, code, signal);
      });
      this.sentGates = this.opts.gates.current();
      child.send({ type: "start", service: this.opts.service, port: this.port, dataDir: this.opts.dataDir, restart, gates: this.sentGates } satisfies ToTwin);
    });
  }

  private onMessage(msg: FromTwin): void {
    if (msg.type === "counters") this.opts.onCounters(msg.delta);
    else if (msg.type === "reply") {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.value);
      else p.reject(new Error(msg.error));
    }
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child) return;
    const down = new TwinDownError(`the ${this.opts.service} twin is down (${signal ?? `code ${code}`})`);
    for (const p of this.pending.values()) p.reject(down);
    this.pending.clear();
    if (this.state === "stopping" || this.state === "stopped" || this.state === "idle") return;
    if (!this.everUp) {
      // The first start failed: the stack's start fails with it, there is nothing to restart.
      this.state = "stopped";
      return;
    }
    const wasUpFor = this.state === "up" ? Date.now() - this.upSince : 0;
    this.crashesInARow = wasUpFor >= STABLE_MS ? 1 : this.crashesInARow + 1;
    const delay = Math.min(RESTART_MOST_MS, RESTART_FIRST_MS * 2 ** (this.crashesInARow - 1));
    this.state = "down";
    this.log("error", "twin crashed: restarting it on its data; requests to it fail meanwhile", { pid: child.pid, code, signal, crashesInARow: this.crashesInARow, restartInMs: delay });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.state !== "down") return;
      this.state = "starting";
      this.restarts += 1;
      // A start that fails ends in 'exit' too, which schedules the next attempt.
      this.spawn(true).catch((err: Error) => this.log("error", "twin restart failed", { error: err.message }));
    }, delay);
  }

  /** Resolves once the twin is up (at once if it is); rejects if the stack stops first. */
  whenUp(): Promise<void> {
    if (this.state === "up") return Promise.resolve();
    if (this.state === "stopping" || this.state === "stopped") return Promise.reject(new TwinDownError(`the ${this.opts.service} twin is stopped`));
    return new Promise((resolve, reject) => this.upWaiters.push({ resolve, reject }));
  }

  /** A service-specific request (twin-service.ts `calls`); rejects with TwinDownError if the twin is or goes down. */
  call<T = unknown>(method: string, args?: unknown): Promise<T> {
    return this.request<T>((id) => ({ type: "call", id, method, args }));
  }

  /** The same, retried once the twin is back up when a crash interrupted it, up to `attempts` times. */
  async callSurvivingCrashes<T = unknown>(method: string, args?: unknown, attempts = 5): Promise<T> {
    for (let i = 1; ; i++) {
      await this.whenUp();
      try {
        return await this.call<T>(method, args);
      } catch (err) {
        if (!(err instanceof TwinDownError) || i >= attempts) throw err;
      }
    }
  }

  private request<T>(message: (id: number) => ToTwin, evenIfStopping = false): Promise<T> {
    const child = this.child;
    if (!(this.state === "up" || (evenIfStopping && this.state === "stopping")) || !child?.connected) return Promise.reject(new TwinDownError(`the ${this.opts.service} twin is down`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send(message(id), (err) => {
        if (!err) return;
        this.pending.delete(id);
        reject(new TwinDownError(`the ${this.opts.service} twin is down (${err.message})`));
      });
    });
  }

  /** Collects what the twin counted so far (nothing when it is down: what a crash took is gone). */
  async flush(): Promise<void> {
    if (this.state !== "up") return;
    const delta = await this.request<object>((id) => ({ type: "flush", id })).catch(() => undefined);
    if (delta) this.opts.onCounters(delta);
  }

  /** A clean stop: no more restarts; the twin saves what it holds and exits. Throws if it could not save. */
  async stop(): Promise<void> {
    const wasUp = this.state === "up";
    this.state = "stopping";
    if (this.restartTimer) clearTimeout(this.restartTimer);
    for (const w of this.upWaiters.splice(0)) w.reject(new TwinDownError(`the ${this.opts.service} twin is stopping`));
    const child = this.child;
    let failure: Error | undefined;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      if (wasUp && child.connected) {
        const stopped = this.request<object>((id) => ({ type: "stop", id }), true);
        const limit = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`the ${this.opts.service} twin did not stop within ${STOP_LIMIT_MS} ms`)), STOP_LIMIT_MS).unref());
        await Promise.race([stopped.then((delta) => this.opts.onCounters(delta)), limit]).catch((err: Error) => (failure = err));
      }
      const killer = setTimeout(() => child.kill("SIGKILL"), failure || !wasUp ? 0 : 5_000);
      await exited;
      clearTimeout(killer);
    }
    this.state = "stopped";
    if (failure) throw failure;
  }
}
