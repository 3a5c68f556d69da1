// The README's examples as printed: every `$ ` command of its `console` blocks runs, in document
// order, against one fresh local stack started by the README's own `npm start` (on a free port,
// in a temporary data dir), and what it prints must match the README. See readme-transcript.ts for
// how a block is read and what `…` means.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ROOT } from "./run-cli";
import { expectedPattern, outputMatches, transcriptCommands, type TranscriptCommand } from "./readme-transcript";

/** What the README prints for the local stack's endpoint (the default port). */
const README_URL = "http://127.0.0.1:3210";
const README_DATA_DIR = ".sluice/local/data";
const STACK_COMMAND = /^(npm ci && )?npm start$/;
const README = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
const commands = transcriptCommands(README);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-readme-"));
const dataDir = path.join(tmp, ".sluice", "local", "data");
const outputsFile = path.join(tmp, ".sluice", "local", "outputs.json");

let stack: { child: ChildProcess; output: () => string; exited: Promise<number | null> } | undefined;
let apiUrl: string | undefined;
let lastExit = 0;

const env = (): NodeJS.ProcessEnv => {
  const e: NodeJS.ProcessEnv = { ...process.env, NODE_NO_WARNINGS: "1" };
  delete e.SLUICE_URL; // a user's default target must not send the examples elsewhere
  return e;
};

/** Runs `script` in bash from the project folder, stdout and stderr in one stream as a terminal shows them. */
function bash(script: string, detached = false): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn("bash", ["-c", `{ ${script}\n} 2>&1`], { cwd: ROOT, env: env(), stdio: ["ignore", "pipe", "inherit"], detached });
  let output = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (output += d));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve(code));
  });
  return { child, output: () => output, exited };
}

/** The output with this run's URL and paths put back to what the README shows. */
function asReadmeShows(output: string): string {
  // npm start prints an absolute --data-dir as given (local/start.ts) and a relative one relative to the cwd.
  let s = output.split(dataDir).join(README_DATA_DIR).split(path.relative(ROOT, dataDir)).join(README_DATA_DIR);
  if (apiUrl) s = s.split(apiUrl).join(README_URL);
  return s;
}

function forThisRun(command: string): string {
  assert.ok(apiUrl, "the README must start the local stack (`npm start`) before its first other command");
  return command.split(README_URL).join(apiUrl!).replace(/--stack local\b/g, `--stack local --outputs '${outputsFile}'`);
}

function mismatch(c: TranscriptCommand, actual: string): string {
  return `README.md:${c.line} (section ${c.section || "none"}) $ ${c.command}\n--- README shows\n${c.expected}\n--- printed (URL and paths as the README shows them)\n${actual}`;
}

async function startStack(c: TranscriptCommand): Promise<void> {
  assert.not.ok(stack, `README.md:${c.line}: the local stack is already running; a second \`npm start\` would fail`);
  stack = bash(`npm start -- --port 0 --data-dir '${dataDir}' --outputs '${outputsFile}'`, true);
  const deadline = Date.now() + 120_000;
  let ready: RegExpExecArray | null = null;
  const exited = stack.exited.then(() => true);
  while (!(ready = /^\{"level":"info","source":"local","msg":"ready".*$/m.exec(stack.output()))) {
    if (Date.now() > deadline || (await Promise.race([exited, sleep(100).then(() => false)]))) {
      assert.unreachable(`npm start did not become ready:\n${stack.output()}`);
    }
  }
  apiUrl = JSON.parse(ready[0]).apiUrl;
  const printed = asReadmeShows(stack.output().slice(0, ready.index + ready[0].length));
  assert.ok(outputMatches(c.expected, printed), mismatch(c, printed));
}

/** Reads may run before the worker has stored the event; a person typing is slower than a test. */
const isRead = (command: string) => (/^curl\b/.test(command) && !/\s(-d|--data[\w-]*|-X)\s/.test(command)) || /\bsluice (status|verify)\b/.test(command);

async function runCommand(c: TranscriptCommand): Promise<void> {
  const script = `(exit ${lastExit}); ${forThisRun(c.command)}`;
  const deadline = Date.now() + (isRead(c.command) ? 15_000 : 0);
  for (;;) {
    const run = bash(script);
    lastExit = (await run.exited) ?? 1;
    const printed = asReadmeShows(run.output());
    if (outputMatches(c.expected, printed)) return;
    if (Date.now() >= deadline) assert.unreachable(mismatch(c, printed));
    await sleep(250);
  }
}

test("the matcher: … stands for anything, whitespace for any whitespace, everything else must be equal", () => {
  assert.ok(outputMatches('{"id":"evt_1",\n "at":"…"}', '{"id":"evt_1","at":"2026-01-01T00:00:00Z"}'));
  assert.ok(outputMatches("HTTP/1.1 202 Accepted\n…\n\n{}", "HTTP/1.1 202 Accepted\r\nx: 1\r\ny: 2\r\n\r\n{}\n"));
  assert.not.ok(outputMatches('{"id":"evt_1"}', '{"id":"evt_2"}'));
  assert.not.ok(outputMatches("1 accepted", "1 accepted\n1 more line"));
  assert.not.ok(outputMatches("a (b) [c] $d", "a (b) [c] $e"));
  assert.is(expectedPattern("…").test(""), true);
});

test("the README's quick start, HTTP and CLI sections carry transcripts, and the local stack starts first", () => {
  const bySection = (name: string) => commands.filter((c) => c.section === name);
  assert.ok(bySection("quickstart").length >= 3, "quick start transcript");
  assert.ok(bySection("http").length >= 2, "HTTP contract transcript");
  assert.ok(bySection("cli").filter((c) => c.command.includes("--stack local")).length >= 3, "CLI transcript against --stack local");
  assert.ok(STACK_COMMAND.test(commands[0]?.command ?? ""), `the first command starts the stack: ${commands[0]?.command}`);
  assert.is(commands.filter((c) => /\bnpm start\b/.test(c.command)).length, 1, "one `npm start` only");
});

test("every examples/ file the README names exists", () => {
  const named = [...new Set(README.match(/\bexamples\/[\w.-]+\.\w+/g) ?? [])];
  assert.ok(named.length >= 3, named.join(", "));
  for (const file of named) assert.ok(fs.existsSync(path.join(ROOT, file)), `${file} is named in the README but missing`);
});

for (const c of commands) {
  test(`README.md:${c.line} $ ${c.command.split("\n")[0]}`, async () => {
    if (STACK_COMMAND.test(c.command)) await startStack(c);
    else await runCommand(c);
  });
}

test.after(async () => {
  if (stack?.child.pid) {
    // Ctrl-C, as in the terminal: the whole process group, then wait for the clean stop.
    try {
      process.kill(-stack.child.pid, "SIGINT");
    } catch {}
    const timer = new AbortController();
    const stopped = await Promise.race([stack.exited.then(() => true), sleep(30_000, false, { signal: timer.signal }).catch(() => false)]);
    timer.abort();
    if (!stopped) {
      try {
        process.kill(-stack.child.pid, "SIGKILL");
      } catch {}
    }
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

// A test run that dies must not leave the stack running.
process.on("exit", () => {
  if (stack?.child.pid && stack.child.exitCode === null) {
    try {
      process.kill(-stack.child.pid, "SIGKILL");
    } catch {}
  }
});

test.run();
