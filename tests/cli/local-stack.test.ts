// The CLI against the real pipeline: a local stack (same index.ts, dynalite, local-aws-sqs, the
// serialized function archives) on a free port with a temporary data directory.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DynamoDBClient, ScanCommand, type ScanCommandOutput } from "@aws-sdk/client-dynamodb";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../local/aws/local-account";
import { startLocalStack, type LocalStack } from "../../local/stack";
import { createClient } from "../../cli/http-client";
import { mapPool } from "../../cli/pool";
import { ndjson, runCli, summaryOf } from "./run-cli";

let stack: LocalStack;
let dir: string;
let outputs: string;

test.before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-cli-stack-"));
  stack = await startLocalStack({ port: 0, dataDir: path.join(dir, "data"), log: () => {} });
  outputs = path.join(dir, "outputs.json");
  fs.writeFileSync(outputs, JSON.stringify(stack.outputs));
});

test.after(async () => {
  await stack?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const target = () => ["--stack", "local", "--outputs", outputs];

// The stage is throttled like the deployed one: read back with the CLI's client, which retries 429.
const client = createClient({ retries: 10 });

async function getEvent(id: string): Promise<{ status: number; body: any }> {
  const res = await client.get(`${stack.apiUrl.replace(/\/+$/, "")}/events/${encodeURIComponent(id)}`, { responseType: "json" });
  return { status: res.statusCode, body: res.body };
}

function user(n: number, source = "urn:test:cli-local-stack"): Record<string, unknown> {
  return { specversion: "1.0", id: `user-${n}`, source, type: "sluice.demo.user", data: { id: n, name: `User ${n}`, active: n % 2 === 0 } };
}

/** Items in the stack's table whose source is `source`, counted by a full scan. */
async function storedCount(source: string): Promise<number> {
  const ddb = new DynamoDBClient({ endpoint: stack.endpoints.dynamodb, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  let count = 0;
  let start: ScanCommandOutput["LastEvaluatedKey"];
  do {
    const page = await ddb.send(
      new ScanCommand({
        TableName: String(stack.outputs.tableName),
        Select: "COUNT",
        FilterExpression: "#s = :s",
        ExpressionAttributeNames: { "#s": "source" },
        ExpressionAttributeValues: { ":s": { S: source } },
        ExclusiveStartKey: start,
      }),
    );
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  ddb.destroy();
  return count;
}

test("a file of 200 events sent twice: 200 accepted, then 200 replayed (also as a batch), 200 stored", async () => {
  const file = path.join(dir, "users.ndjson");
  const source = "urn:test:cli-two-hundred";
  fs.writeFileSync(file, ndjson(Array.from({ length: 200 }, (_, i) => user(i, source))));

  const first = await runCli(["send", file, ...target(), "--json", "--concurrency", "16"]);
  const s1 = summaryOf(first);
  assert.is(first.code, 0, first.stdout);
  assert.equal([s1.accepted, s1.replayed, s1.rejected, s1.failed], [200, 0, 0, 0]);

  const second = await runCli(["send", file, ...target(), "--json", "--concurrency", "16"]);
  const s2 = summaryOf(second);
  assert.is(second.code, 0, second.stdout);
  assert.equal([s2.accepted, s2.replayed, s2.rejected, s2.failed], [0, 200, 0, 0]);

  // The batch endpoint keys on source+id as well, so the same file by batch is a replay too.
  const third = await runCli(["send", file, ...target(), "--json", "--batch"]);
  const s3 = summaryOf(third);
  assert.is(third.code, 0, third.stdout);
  assert.equal([s3.accepted, s3.replayed], [0, 200]);

  const ids: string[] = s1.items.map((i: any) => i.id);
  assert.is(new Set(ids).size, 200);
  assert.equal(s2.items.map((i: any) => i.id), ids);
  assert.equal(s3.items.map((i: any) => i.id), ids);
  const stored = await mapPool(ids, 16, getEvent);
  assert.equal(stored.map((r) => r.status), ids.map(() => 200));
  assert.equal(stored.map((r) => r.body.id), ids);
  assert.equal(new Set(stored.map((r) => r.body.source)), new Set([source]));
  assert.is(await storedCount(source), 200);
});

test("a file with invalid rows: they are rejected with reasons, the rest stored, exit 1", async () => {
  const rows = [
    JSON.stringify(user(1001)),
    JSON.stringify({ ...user(1002), data: { id: "not a number", name: "  ", active: true } }),
    "{ this is not json",
    JSON.stringify({ ...user(1003), source: undefined }),
    JSON.stringify(user(1004)),
  ];
  const run = await runCli(["send", "-", ...target(), "--json"], { input: rows.join("\n") + "\n" });
  const s = summaryOf(run);
  assert.is(run.code, 1);
  assert.equal([s.accepted, s.rejected, s.failed], [2, 3, 0]);
  const byLine = new Map<number, any>(s.items.map((i: any) => [i.line, i]));
  assert.is(byLine.get(2).httpStatus, 422);
  assert.match(byLine.get(2).reason, /^validation-failed/);
  assert.match(byLine.get(2).reason, /\/data\/id/);
  assert.match(byLine.get(2).reason, /\/data\/name/);
  assert.match(byLine.get(3).reason, /line 3 is not valid JSON/);
  assert.is(byLine.get(4).httpStatus, 422);
  assert.match(byLine.get(4).reason, /\/source/);
  for (const line of [1, 5]) assert.is((await getEvent(byLine.get(line).id)).status, 200);

  // The human summary names each rejected line and why. (Fresh valid rows: resending 1001 and
  // 1004 before the worker has processed them would wait out their lease on a 409.)
  rows[0] = JSON.stringify(user(1005));
  rows[4] = JSON.stringify(user(1006));
  const human = await runCli(["send", "-", ...target()], { input: rows.join("\n") + "\n" });
  assert.is(human.code, 1);
  assert.match(human.stdout, /5 events → http:\/\/127\.0\.0\.1:\d+\/?: 2 accepted, 0 replayed, 3 rejected, 0 failed/);
  assert.match(human.stdout, /#2 user-1002 rejected 422: validation-failed/);
  assert.match(human.stdout, /#3 rejected: line 3 is not valid JSON/);
});

test("pull from the demo source --where active=true: the normalized active records are stored", async () => {
  const from = `${stack.apiUrl.replace(/\/+$/, "")}/demo/source`;
  const run = await runCli(["pull", "--from", from, "--where", "active=true", ...target(), "--json"]);
  const s = summaryOf(run);
  assert.is(run.code, 0, run.stdout + run.stderr);
  assert.ok(s.accepted > 0, "some active records were sent");
  assert.is(s.rejected + s.failed, 0);
  assert.ok(s.dropped > 0, "the demo source's broken rows were dropped");
  assert.ok(s.filtered > 0, "inactive users were left out");

  // Read each one back through the CLI, once the worker has processed it.
  const records = [];
  for (const item of s.items) {
    let view: any;
    for (let tries = 0; tries < 100; tries++) {
      const status = await runCli(["status", item.id, ...target(), "--json"]);
      assert.is(status.code, 0, status.stderr);
      view = JSON.parse(status.stdout);
      if (view.status !== "accepted") break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.is(view.status, "processed", JSON.stringify(view));
    records.push(view.event.data);
  }
  assert.equal(
    records.sort((a, b) => a.id - b.id),
    [
      { id: 1, name: "Ada Lovelace", email: "ada@example.com", active: true },
      { id: 2, name: "Grace Hopper", email: "grace@example.com", active: true },
      { id: 4, name: "Katherine Johnson", active: true },
      { id: 10, name: "Frances Allen", email: "fran@example.com", active: true },
    ],
  );

  // A rerun stores nothing new.
  const again = summaryOf(await runCli(["pull", "--from", from, "--where", "active=true", ...target(), "--json"]));
  assert.equal([again.accepted, again.replayed], [0, s.accepted]);
});

/** A source request, signed by openssl (not by Sluice's code) for the dev stack's demo source. */
async function postDemo(body: string): Promise<string> {
  const { execFileSync } = await import("node:child_process");
  const hex = execFileSync("openssl", ["dgst", "-sha256", "-hmac", "dev-only-demo-secret", "-r"], { input: body }).toString().split(" ")[0];
  const res = await client.post(`${stack.apiUrl}/sources/demo`, { body, headers: { "content-type": "application/json", "x-demo-signature": `sha256=${hex}` }, responseType: "json", throwHttpErrors: false });
  assert.is(res.statusCode, 202, JSON.stringify(res.body));
  return (res.body as { id: string }).id;
}

async function processed(id: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await getEvent(id)).body.status === "processed") return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.unreachable(`${id} was not processed`);
}

test("verify: a signed source event checks out with the stack file's secret, not with another; exit codes", async () => {
  const id = await postDemo(JSON.stringify({ id: `dlv-${Date.now()}`, kind: "verify.test" }));
  await processed(id);
  const ok = await runCli(["verify", id, ...target()]);
  assert.is(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, new RegExp(`^${id}: signature valid \\(hmac-sha256, source demo\\)`));
  assert.match(ok.stdout, /secret +#1 of the 1 given; at receipt #1/);
  const wrong = await runCli(["verify", id, ...target(), "--secret", "not-the-secret"]);
  assert.is(wrong.code, 1, wrong.stdout);
  assert.match(wrong.stdout, /signature INVALID/);
  const rotated = await runCli(["verify", id, ...target(), "--secret", "new-one", "--secret", "dev-only-demo-secret"]);
  assert.match(rotated.stdout, /secret +#2 of the 2 given/);
  const byEnv = await runCli(["verify", id, "--url", stack.apiUrl], { env: { SLUICE_SOURCE_SECRET_DEMO: '["x","dev-only-demo-secret"]' } });
  assert.is(byEnv.code, 0, byEnv.stdout + byEnv.stderr);
  const json = JSON.parse((await runCli(["verify", id, ...target(), "--json"])).stdout);
  assert.equal([json.verdict, json.scheme, json.secret], ["valid", "hmac-sha256", 1]);
  const noSecret = await runCli(["verify", id, "--url", stack.apiUrl], { env: { SLUICE_SOURCE_SECRET_DEMO: "" } });
  assert.is(noSecret.code, 2, noSecret.stderr);
  assert.match(noSecret.stderr, /no secret for source demo/);
});

test("verify: nothing to verify is exit 4 (a plain source, an event from /events, an unknown id)", async () => {
  const plain = await client.post(`${stack.apiUrl}/sources/orders`, { body: `{"orderId":"${Date.now()}"}`, headers: { "content-type": "application/json" }, responseType: "json" });
  const event = await client.post(`${stack.apiUrl}/events`, { json: user(9_999, "urn:test:cli-verify"), responseType: "json" });
  for (const id of [(plain.body as { id: string }).id, (event.body as { id: string }).id]) await processed(id);
  for (const [id, why] of [[(plain.body as { id: string }).id, /verifies nothing/], [(event.body as { id: string }).id, /did not come from a source/], ["evt_" + "0".repeat(32), /not found/]] as const) {
    const r = await runCli(["verify", id, ...target()]);
    assert.is(r.code, 4, `${id}: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout + r.stderr, why);
  }
});

test.run();
