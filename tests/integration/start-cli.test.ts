// `npm start` as a user runs it: bad flags exit 2 with a message; a started stack writes its
// outputs once it takes requests; Ctrl-C (SIGINT to the whole process group, as a terminal sends
// it) stops it cleanly and leaves no process behind. Local only.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROJECT_DIR } from "../../local/program/project";
import { exited, killGroup, spawnStart, START, TSX } from "./start-process";
import { cloudEvent, eventually, faultEvent, httpClient, json, TARGET_ENV } from "./target";

const deployed = (process.env[TARGET_ENV] ?? "").startsWith("deployed");

/** Every process below `pid`, found through /proc (detached ones keep their parent link). */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      /* gone meanwhile */
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie still answers; it is not running any more.
    return !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

if (deployed) {
  test.skip("npm start (flags, outputs, Ctrl-C) — skipped: local stack only", () => {});
} else {
  for (const [flags, pattern] of [
    [["--port", "abc"], /--port must be an integer/],
    [["--stack", "nope"], /unknown stack "nope"/],
    [["--bogus"], /unknown option "--bogus"/],
    [["--outputs"], /--outputs needs a value/],
    [["--config", "corsOrigins"], /--config takes KEY=VALUE/],
    [["--chaos", "dynamodb:PutItems=error:0.1"], /--chaos "dynamodb:PutItems=error:0.1": dynamodb has no operation "PutItems"/],
    [["--chaos", "sqs:*=latency:fast"], /the duration must be like 200ms or 5s/],
  ] as const) {
    test(`bad flags (${flags.join(" ")}) get a clear message and exit 2`, () => {
      const res = spawnSync(process.execPath, [TSX, ...START, ...flags], { cwd: PROJECT_DIR, encoding: "utf8", timeout: 30_000 });
      assert.is(res.status, 2, res.stderr);
      assert.match(res.stderr, pattern);
      assert.match(res.stderr, /usage: npm start/);
    });
  }

  test("a program that fails at start (a config value it refuses) prints the program's own message and where, and exits 1 with no outputs", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-refused-"));
    try {
      const outputs = path.join(tmp, "outputs.json");
      const res = spawnSync(process.execPath, [TSX, ...START, "--port", "0", "--outputs", outputs, "--data-dir", path.join(tmp, "data"), "--config", "sluice:corsOrigins=nope"], {
        cwd: PROJECT_DIR,
        encoding: "utf8",
        timeout: 120_000,
      });
      assert.is(res.status, 1, res.stderr);
      assert.match(res.stderr, /sluice local: the program failed for stack dev: Configuration 'sluice:corsOrigins' value 'nope' is not a valid JSON/);
      assert.match(res.stderr, /\n\s+at .*index\.ts:\d+:\d+/);
      assert.not.match(res.stderr, /ECONNREFUSED/);
      assert.not.ok(fs.existsSync(outputs));
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  test("Ctrl-C stops a running stack cleanly: in-flight work ends, outputs were written when ready, no process is left behind", async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-start-"));
    const outputs = path.join(tmp, "outputs.json");
    // Its own process group, so the test can do what a terminal does on Ctrl-C: signal the group.
    const { child, io } = spawnStart(["--port", "0", "--outputs", outputs, "--data-dir", path.join(tmp, "data")]);
    try {
      await eventually("the outputs file", async () => (fs.existsSync(outputs) ? true : undefined), 60_000);
      const out = JSON.parse(fs.readFileSync(outputs, "utf8")) as { apiUrl: string };
      assert.match(io.err, new RegExp(`endpoint: ${out.apiUrl.replace(/[.]/g, "\\.")}`));
      const api = httpClient(out.apiUrl);
      // The stack answers as soon as the file exists: it was written once ready.
      const res = await api.post("events", { body: JSON.stringify(cloudEvent()), headers: { "content-type": "application/cloudevents+json" } });
      assert.is(res.statusCode, 202, res.body);
      const id = json(res).id as string;
      await eventually("the event processed", async () => {
        const r = await api.get(`events/${id}`);
        return r.statusCode === 200 && json(r).status === "processed" ? true : undefined;
      });
      const before = descendants(child.pid!);
      assert.ok(before.length >= 3, `the stack runs function instances (found ${before.length} processes)`);

      process.kill(-child.pid!, "SIGINT");
      let timer: NodeJS.Timeout | undefined;
      const { code } = await Promise.race([
        exited(child),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no exit after SIGINT:\n${io.err}`)), 30_000))),
      ]).finally(() => clearTimeout(timer));
      assert.is(code, 0, io.err);
      assert.match(io.err, /stopped/);
      assert.not.ok(fs.existsSync(outputs), "the outputs file goes with the stack: it means ready");
      await eventually("every process of the stack to be gone", async () => (before.every((p) => !alive(p)) ? true : undefined), 10_000);
    } finally {
      killGroup(child);
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  test("after a crash (SIGKILL), no process is left and the next start re-sends the messages that were queued", async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-crash-"));
    const outputs = path.join(tmp, "outputs.json");
    const dataDir = path.join(tmp, "data");
    const start = () => spawnStart(["--port", "0", "--outputs", outputs, "--data-dir", dataDir]);
    const children: ChildProcess[] = [];
    try {
      const first = start();
      children.push(first.child);
      await eventually("the outputs file", async () => (fs.existsSync(outputs) ? true : undefined), 60_000);
      const api = httpClient((JSON.parse(fs.readFileSync(outputs, "utf8")) as { apiUrl: string }).apiUrl);
      const res = await api.post("events", { body: JSON.stringify(faultEvent("transient")), headers: { "content-type": "application/cloudevents+json" } });
      assert.is(res.statusCode, 202, res.body);
      const eventId = json(res).id as string;
      // Retried: the message is on the queue, hidden for the visibility timeout.
      await eventually("the worker's first failed attempt", async () => (/will be retried/.test(first.io.out) ? true : undefined), 30_000);
      const before = descendants(first.child.pid!);
      process.kill(-first.child.pid!, "SIGKILL");
      await exited(first.child);
      await eventually("the crashed stack's function processes to exit", async () => (before.every((p) => !alive(p)) ? true : undefined), 10_000);

      assert.ok(fs.existsSync(outputs), "a crashed stack cannot remove its outputs file");
      fs.rmSync(outputs);
      const second = start();
      children.push(second.child);
      await eventually("the restarted stack's outputs", async () => (fs.existsSync(outputs) ? true : undefined), 60_000);
      const replayed = await eventually("the replay notice", async () => /"msg":"the last run did not stop cleanly[^}]*"count":(\d+)/.exec(second.io.out) ?? undefined, 10_000);
      assert.is(replayed[1], "1", second.io.out.slice(0, 2000));
      // The restarted stack's worker gets the acknowledged event again (and fails it again, on purpose).
      await eventually(
        "the restarted worker to receive the event again",
        async () => (second.io.out.split("\n").some((l) => l.includes("will be retried") && l.includes(eventId)) ? true : undefined),
        30_000,
      );
      process.kill(-second.child.pid!, "SIGINT");
      assert.is((await exited(second.child)).code, 0, second.io.err);
    } finally {
      for (const c of children) killGroup(c);
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  test.run();
}
