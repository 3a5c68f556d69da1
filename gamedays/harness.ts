// What every gameday shares: a local stack started as a user starts it (`npm start` on a free port
// with a temporary data dir), the `sluice` CLI run as a child process exactly as the runbooks
// write it, a bounded wait, and checks that say what passed and what did not.
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
// The CLI as a user runs it: its bin, in a child process.
import { runCli, type CliRun } from "../tests/cli/run-cli";

export const ROOT = path.resolve(__dirname, "..");

/** The config every gameday stack runs with: retries and the DLQ in seconds, modes honoured within 1 s. */
export const GAMEDAY_CONFIG = ["workerTimeoutSeconds=1", "batchingWindowSeconds=0", "maxReceiveCount=2", "failureModeRefreshSeconds=1"];

export interface Gameday {
  /** The API's base URL. */
  apiUrl: string;
  /** Runs `sluice ARGS --stack local --outputs <this stack's outputs>`. */
  sluice(args: string[]): Promise<CliRun>;
  /** The same, with --json, parsed. */
  sluiceJson(args: string[]): Promise<any>;
  /** Writes NDJSON to a temp file and returns its path. */
  file(name: string, events: unknown[]): string;
  /** Every line the stack has logged so far (functions, access log, the stack itself). */
  logs(): string[];
  check(ok: boolean, what: string): void;
  step(text: string): void;
  eventually<T>(what: string, probe: () => Promise<T | undefined>, limitMs?: number): Promise<T>;
}

export function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once("exit", (code) => resolve(code))));
}

/** Starts the stack, runs `scenario`, stops the stack; resolves with the failed checks (none: passed). */
export async function runGameday(name: string, config: string[], scenario: (g: Gameday) => Promise<void>): Promise<string[]> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `sluice-gameday-${name}-`));
  const outputs = path.join(tmp, "outputs.json");
  const lines: string[] = [];
  const failed: string[] = [];
  const say = (text: string) => process.stdout.write(`[${name}] ${text}\n`);
  const args = ["start", "--silent", "--", "--port", "0", "--data-dir", path.join(tmp, "data"), "--outputs", outputs, ...[...GAMEDAY_CONFIG, ...config].flatMap((c) => ["--config", c])];
  say(`npm ${args.join(" ")}`);
  // Its own process group, so that stopping it stops everything it started.
  const stack = spawn("npm", args, { cwd: ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" } });
  let buffered = "";
  const collect = (chunk: Buffer) => {
    buffered += chunk.toString("utf8");
    const parts = buffered.split("\n");
    buffered = parts.pop() ?? "";
    lines.push(...parts);
  };
  stack.stdout!.on("data", collect);
  stack.stderr!.on("data", collect);
  const stop = async () => {
    if (stack.exitCode !== null) return;
    try {
      process.kill(-stack.pid!, "SIGINT");
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-stack.pid!, "SIGKILL");
      } catch {
        /* already gone */
      }
    }, 30_000);
    await exited(stack);
    clearTimeout(timer);
  };
  try {
    const started = Date.now();
    while (!fs.existsSync(outputs)) {
      if (stack.exitCode !== null) throw new Error(`npm start exited ${stack.exitCode}:\n${lines.slice(-30).join("\n")}`);
      if (Date.now() - started > 180_000) throw new Error("the local stack did not start within 3 minutes");
      await new Promise((r) => setTimeout(r, 200));
    }
    const apiUrl = String(JSON.parse(fs.readFileSync(outputs, "utf8")).apiUrl);
    say(`local stack at ${apiUrl}`);
    const sluice = (cliArgs: string[]): Promise<CliRun> => runCli([...cliArgs, "--stack", "local", "--outputs", outputs]);
    const g: Gameday = {
      apiUrl,
      sluice,
      async sluiceJson(cliArgs) {
        const r = await sluice([...cliArgs, "--json"]);
        try {
          return JSON.parse(r.stdout);
        } catch {
          throw new Error(`sluice ${cliArgs.join(" ")} printed no JSON (exit ${r.code}): ${r.stdout}${r.stderr}`);
        }
      },
      file(fileName, events) {
        const f = path.join(tmp, fileName);
        fs.writeFileSync(f, events.map((e) => JSON.stringify(e)).join("\n") + "\n");
        return f;
      },
      logs: () => [...lines],
      check(ok, what) {
        say(`${ok ? "PASS" : "FAIL"} ${what}`);
        if (!ok) failed.push(what);
      },
      step: (text) => say(`— ${text}`),
      async eventually(what, probe, limitMs = 90_000) {
        const deadline = Date.now() + limitMs;
        for (;;) {
          const v = await probe();
          if (v !== undefined) return v;
          if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${limitMs / 1000} s`);
          await new Promise((r) => setTimeout(r, 500));
        }
      },
    };
    await scenario(g);
  } catch (err) {
    failed.push(`the scenario stopped: ${(err as Error).message}`);
    say(`FAIL ${(err as Error).message}`);
  } finally {
    await stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  say(failed.length === 0 ? "passed" : `FAILED: ${failed.length} check(s)`);
  return failed;
}

/** A CloudEvent of the gamedays' own type (unknown types are accepted on dev). */
export function gamedayEvent(source: string, n: number, data: Record<string, unknown> = {}): Record<string, unknown> {
  return { specversion: "1.0", id: `gd-${n}`, source, type: "sluice.gameday.order", time: new Date().toISOString(), data: { n, ...data } };
}
