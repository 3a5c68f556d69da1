// Finding the API: --url, the local stack's outputs file, or `pulumi stack output` for a stack.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startFakeApi } from "./fake-api";
import { runCli, summaryOf } from "./run-cli";

let dir: string;

test.before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-cli-target-"));
});

test.after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const EVENT = JSON.stringify({ specversion: "1.0", id: "t-1", source: "urn:test:target", type: "sluice.demo.user", data: { id: 1, name: "A", active: true } });

test("--stack local reads the outputs file (pulumi stack output --json shape)", async () => {
  const api = await startFakeApi();
  try {
    const outputs = path.join(dir, "outputs.json");
    fs.writeFileSync(outputs, JSON.stringify({ apiUrl: api.url, tableName: "t" }));
    const run = await runCli(["send", "--stack", "local", "--outputs", outputs, "--json"], { input: EVENT });
    assert.is(run.code, 0, run.stderr);
    assert.is(summaryOf(run).target, api.url);
    assert.is(api.stored.size, 1);
  } finally {
    await api.close();
  }
});

test("--stack local without an outputs file says how to get one", async () => {
  const run = await runCli(["send", "--stack", "local", "--json"], { input: EVENT, cwd: dir });
  assert.is(run.code, 2);
  assert.match(run.stderr, /no local stack outputs at .*outputs\.json: start the local stack with `npm start`/);
});

test("--stack NAME runs `pulumi stack output --json --stack NAME`", async () => {
  const api = await startFakeApi();
  try {
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin, { recursive: true });
    const argsLog = path.join(dir, "pulumi-args");
    // A stand-in pulumi on PATH that records its arguments and prints the stack's outputs.
    fs.writeFileSync(path.join(bin, "pulumi"), `#!/bin/sh\necho "$@" > '${argsLog}'\necho '${JSON.stringify({ apiUrl: api.url })}'\n`, { mode: 0o755 });
    const run = await runCli(["send", "--stack", "dev", "--json"], { input: EVENT, env: { PATH: `${bin}${path.delimiter}${process.env.PATH}` } });
    assert.is(run.code, 0, run.stderr);
    assert.is(fs.readFileSync(argsLog, "utf8").trim(), "stack output --json --stack dev");
    assert.is(api.stored.size, 1);
  } finally {
    await api.close();
  }
});

test("--stack NAME without the pulumi CLI is a clear error, not a stack trace", async () => {
  const empty = path.join(dir, "empty-path");
  fs.mkdirSync(empty, { recursive: true });
  const run = await runCli(["send", "--stack", "dev"], { input: EVENT, env: { PATH: empty } });
  assert.is(run.code, 2);
  assert.match(run.stderr, /--stack dev needs the pulumi CLI, which is not on PATH/);
});

test("no target at all is a usage error", async () => {
  const run = await runCli(["send"], { input: EVENT, env: { SLUICE_URL: "" } });
  assert.is(run.code, 2);
  assert.match(run.stderr, /no target: pass --url URL or --stack NAME/);
});

test("--dry-run needs no target and sends nothing; invalid events make it exit 1", async () => {
  const bad = JSON.stringify({ specversion: "1.0", id: "t-2", source: "urn:test:target", type: "sluice.demo.user", data: { id: "x", name: " ", active: "yes" } });
  const run = await runCli(["send", "--dry-run", "--json"], { input: `${EVENT}\n${bad}\n` });
  const s = summaryOf(run);
  assert.is(run.code, 1);
  assert.is(s.valid, 1);
  assert.is(s.rejected, 1);
  assert.match(s.items[1].reason, /\/data\/id/);
  assert.match(s.items[1].reason, /\/data\/active/);
});

test.run();
