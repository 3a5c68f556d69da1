// The operations commands as a user runs them (the bin, in a child process) against a local
// stack: signing with the AWS SDK's default credential chain (here from the environment, as with
// a deployed stack) or the local operator credentials, paging, summaries and exit codes.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startLocalStack, type LocalStack } from "../../local/stack";
import { writeOutputsFile } from "../../local/outputs-file";
import { ndjson, runCli, summaryOf } from "./run-cli";

let stack: LocalStack;
let dir: string;
let outputs: string;
const local = () => ["--stack", "local", "--outputs", outputs];
const source = "urn:test:cli-ops";

test.before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-cli-ops-"));
  stack = await startLocalStack({ port: 0, dataDir: path.join(dir, "data"), log: () => {} });
  outputs = path.join(dir, "outputs.json");
  writeOutputsFile(outputs, stack.outputs, stack.endpoints);
  const file = path.join(dir, "events.ndjson");
  fs.writeFileSync(file, ndjson(Array.from({ length: 7 }, (_, i) => ({ specversion: "1.0", id: `ops-${i}`, source, type: "sluice.demo.user", data: { id: i, name: `U${i}`, active: true } }))));
  const sent = await runCli(["send", file, ...local(), "--json"]);
  assert.is(summaryOf(sent).accepted, 7, sent.stdout);
});

test.after(async () => {
  await stack?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("options before the command: their values are not taken for it (sluice --stack local dlq ls)", async () => {
  const ls = await runCli([...local(), "dlq", "ls", "--json"]);
  assert.is(ls.code, 0, ls.stderr);
  assert.is(JSON.parse(ls.stdout).complete, true, ls.stdout);
  const events = await runCli(["--stack", "local", "events", "--outputs", outputs, "ls", "--source", source, "--limit", "2"]);
  assert.is(events.code, 0, events.stderr);
  const mode = await runCli(["--outputs", outputs, "--stack", "local", "failure-mode", "show", "--json"]);
  assert.is(mode.code, 0, mode.stderr);
  assert.is(JSON.parse(mode.stdout).mode, "none");
  const send = await runCli(["--stack", "local", "bogus"]);
  assert.is(send.code, 2);
  assert.match(send.stderr, /unknown command "bogus"/);
});

test("events ls pages through the cursor up to --limit, --all to the end, --json for tools", async () => {
  const some = await runCli(["events", "ls", "--source", source, "--limit", "3", ...local()]);
  assert.is(some.code, 0, some.stderr);
  assert.match(some.stdout, /^RECEIVED\s+ID\s+STATUS\s+ATTEMPTS\s+TYPE\s+SOURCE\s+DETAIL\n/);
  assert.match(some.stdout, /3 events \(more: --limit N or --all\)\n$/);
  const all = JSON.parse((await runCli(["events", "ls", "--source", source, "--all", "--json", ...local()])).stdout);
  assert.is(all.items.length, 7);
  assert.is(all.nextCursor, undefined);
  assert.equal(all.items.map((e: any) => e.source), Array(7).fill(source));
  const bad = await runCli(["events", "ls", "--since", "yesterday", "--source", source, ...local()]);
  assert.is(bad.code, 1);
  assert.match(bad.stderr, /invalid-query/);
});

test("the admin commands sign with the SDK's default chain: environment credentials of the stack pass, others get API Gateway's 403", async () => {
  const url = ["--url", stack.apiUrl];
  const env = (id: string, secret: string) => ({ AWS_ACCESS_KEY_ID: id, AWS_SECRET_ACCESS_KEY: secret, AWS_REGION: "us-east-1", AWS_PROFILE: "", AWS_CONFIG_FILE: path.join(dir, "none"), AWS_SHARED_CREDENTIALS_FILE: path.join(dir, "none") });
  const ok = await runCli(["failure-mode", "show", ...url], { env: env("local", "local") });
  assert.is(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^failure mode: none\n/);
  const wrong = await runCli(["dlq", "ls", ...url], { env: env("local", "not-the-secret") });
  assert.is(wrong.code, 1);
  assert.match(wrong.stderr, /HTTP 403: The request signature we calculated does not match/);
  assert.match(wrong.stderr, /execute-api:Invoke/);
});

test("failure-mode set: a mode is honoured; a bad one is refused with the API's reasons; usage errors exit 2", async () => {
  const set = await runCli(["failure-mode", "set", "slow_downstream", "--latency-ms", "50", ...local()]);
  assert.is(set.code, 0, set.stderr);
  assert.match(set.stdout, /failure mode: slow_downstream \(latency 50 ms\)[\s\S]*acts on it by/);
  const shown = JSON.parse((await runCli(["failure-mode", "show", "--json", ...local()])).stdout);
  assert.equal([shown.mode, shown.latencyMs, shown.setBy], ["slow_downstream", 50, "arn:aws:iam::123456789012:user/local"]);
  const bad = await runCli(["failure-mode", "set", "poison_payload", "--latency-ms", "5", ...local()]);
  assert.is(bad.code, 1);
  assert.match(bad.stderr, /invalid-request.*\/latencyMs: not a parameter of poison_payload/);
  assert.is((await runCli(["failure-mode", "set", "none", ...local()])).code, 0);
  const usage = await runCli(["dlq", "redrive", "--rate", "0", ...local()]);
  assert.is(usage.code, 2);
  assert.match(usage.stderr, /--rate expects an integer from 1 to 1000/);
});

test("dlq redrive and replay on an empty selection: a summary, exit 0; the dry run says what it would do", async () => {
  const dry = await runCli(["dlq", "redrive", "--category", "TRANSIENT", "--dry-run", ...local()]);
  assert.is(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /^dry run: would move 0 of 0 visible messages/);
  const redrive = await runCli(["dlq", "redrive", "--source", source, ...local()]);
  assert.is(redrive.code, 0, redrive.stderr);
  assert.match(redrive.stdout, /^dlq redrive: 0 moved in 1 run/);
  const replay = JSON.parse((await runCli(["replay", "--source", source, "--status", "processed", "--dry-run", "--json", ...local()])).stdout);
  assert.equal([replay.dryRun, replay.selected, replay.complete], [true, 7, true]);
});

test.run();
