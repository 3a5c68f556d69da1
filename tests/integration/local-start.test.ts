// How a local stack starts, and refuses to: the outputs file it writes (the program's outputs
// plus the local endpoints, and still what the CLI reads), and a second start on a data dir or a
// port in use that is refused without touching the running stack's outputs. Local only.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { resolveTarget } from "../../cli/target";
import { startLocalStack, type LocalStack } from "../../local/stack";
import { httpClient, TARGET_ENV } from "./target";

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
    assert.is(await resolveTarget({ stack: "local", outputs: outputsFile }), stack!.apiUrl);
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

  test("stopping the stack removes its outputs file", async () => {
    await stack!.stop();
    stack = undefined;
    assert.not.ok(fs.existsSync(outputsFile));
  });

  test.run();
}
