// How a local stack starts, and refuses to: the outputs file it writes (the program's outputs
// plus the local endpoints, and still what the CLI reads), its work dir in the data dir (what a
// killed run left there is cleared), its control endpoint, and a second start on a data dir or a
// port in use that is refused without touching the running stack's outputs. Local only.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { resolveTarget } from "../../cli/target";
import { startLocalStack, type LocalStack } from "../../local/stack";
import { httpClient, json, TARGET_ENV } from "./target";

const deployed = (process.env[TARGET_ENV] ?? "").startsWith("deployed");
const quiet = () => {};

if (deployed) {
  test.skip("local stack start and refusals — skipped: local stack only", () => {});
} else {
  let tmp: string;
  let stack: LocalStack | undefined;
  let outputsFile: string;
  const dataDir = () => path.join(tmp, "data");

  test.before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-start-"));
    outputsFile = path.join(tmp, "outputs.json");
    // What a run killed with -9 leaves behind in its work dir.
    fs.mkdirSync(path.join(dataDir(), "work", "functions", "gone"), { recursive: true });
    fs.writeFileSync(path.join(dataDir(), "work", "functions", "gone", "__index.js"), "stale");
    stack = await startLocalStack({ stack: "dev", port: 0, dataDir: dataDir(), outputsFile, log: quiet });
  });

  test.after(async () => {
    await stack?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test("the outputs file holds the program's outputs and, under localEndpoints, the local DynamoDB and SQS endpoints; the CLI still finds the API there", async () => {
    const written = JSON.parse(fs.readFileSync(outputsFile, "utf8")) as Record<string, unknown>;
    const { localEndpoints, ...programOutputs } = written;
    assert.equal(programOutputs, JSON.parse(JSON.stringify(stack!.outputs)));
    assert.equal(localEndpoints, stack!.endpoints);
    assert.match(String((localEndpoints as { dynamodb: string }).dynamodb), /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(String((localEndpoints as { sqs: string }).sqs), /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(String((localEndpoints as { control: string }).control), /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.is(await resolveTarget({ stack: "local", outputs: outputsFile }), stack!.apiUrl);
  });

  test("the work dir is in the data dir, and what a killed run left there is gone", () => {
    assert.not.ok(fs.existsSync(path.join(dataDir(), "work", "functions", "gone")));
    assert.ok(fs.readdirSync(path.join(dataDir(), "work", "functions")).length >= 3, "this run's function archives are unpacked there");
  });

  test("the control endpoint: the processes, and the fault rules read, replaced (400 for a bad one) and cleared", async () => {
    const control = httpClient(stack!.endpoints.control);
    const processes = json(await control.get("processes"));
    assert.is(processes.stack, process.pid);
    assert.equal(processes.twins.map((t: { service: string; state: string }) => [t.service, t.state]), [["dynamodb", "up"], ["sqs", "up"]]);
    assert.ok(processes.twins.every((t: { pid: number }) => t.pid > 0 && t.pid !== process.pid), "each twin in a process of its own");
    assert.equal(Object.keys(processes.functions).sort(), ["sluice-ingest-function", "sluice-operator-function", "sluice-query-function", "sluice-worker-function"]);
    assert.equal(json(await control.get("chaos")), { chaos: [] });
    const put = await control.put("chaos", { body: JSON.stringify(["dynamodb:GetItem=latency:10ms", "sqs:*=error:0.01"]) });
    assert.is(put.statusCode, 200, put.body);
    assert.equal(json(put).chaos, ["dynamodb:GetItem=latency:10ms", "sqs:*=error:0.01"]);
    assert.equal(stack!.chaos().map((r) => r.spec), json(put).chaos);
    const bad = await control.put("chaos", { body: JSON.stringify(["dynamodb:GetItems=error:1"]) });
    assert.is(bad.statusCode, 400);
    assert.match(json(bad).message, /dynamodb has no operation "GetItems"/);
    assert.is(json(await control.get("chaos")).chaos.length, 2, "a refused change changes nothing");
    assert.equal(json(await control.delete("chaos")), { chaos: [] });
    assert.is((await control.post("chaos")).statusCode, 405);
    assert.is((await control.get("nothing")).statusCode, 404);
  });

  test("a second start on the same data dir is refused and leaves the running stack's outputs file as it was", async () => {
    const before = fs.readFileSync(outputsFile, "utf8");
    const err = await startLocalStack({ stack: "dev", port: 0, dataDir: dataDir(), outputsFile, log: quiet }).then(
      () => undefined,
      (e: Error) => e,
    );
    assert.ok(err, "the second start was refused");
    assert.match(err!.message, /the data dir .* in use/);
    assert.is(fs.readFileSync(outputsFile, "utf8"), before);
    assert.is((await httpClient(stack!.apiUrl).get("health")).statusCode, 200, "the first stack still answers");
  });

  test("a second start on the port in use is refused, leaves the outputs file as it was and releases its own data dir", async () => {
    const before = fs.readFileSync(outputsFile, "utf8");
    const otherData = path.join(tmp, "other-data");
    const port = Number(new URL(stack!.apiUrl).port);
    const err = await startLocalStack({ stack: "dev", port, dataDir: otherData, outputsFile, log: quiet }).then(
      () => undefined,
      (e: Error) => e,
    );
    assert.ok(err, "the second start was refused");
    assert.match(err!.message, new RegExp(`port ${port} is in use`));
    assert.is(fs.readFileSync(outputsFile, "utf8"), before);
    assert.not.ok(fs.existsSync(path.join(otherData, "LOCK.local-stack")), "the refused start let go of its data dir");
    assert.is((await httpClient(stack!.apiUrl).get("health")).statusCode, 200, "the first stack still answers");
  });

  test("stopping the stack removes its outputs file and its work dir", async () => {
    await stack!.stop();
    stack = undefined;
    assert.not.ok(fs.existsSync(outputsFile));
    assert.not.ok(fs.existsSync(path.join(dataDir(), "work")));
  });

  test.run();
}
