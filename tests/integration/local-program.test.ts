// The real program on the local stack, for what only a local stack can show: the functions run
// the archive Pulumi serialized (change the factory, and local behaviour changes with no other
// edit), the stage's throttling answers 429, and a restart keeps every acknowledged event.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { startLocalStack, type LocalStack } from "../../local/stack";
import { PROJECT_DIR } from "../../local/program/project";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../local/aws/local-account";
import { parseQueueMessage } from "../../runtime/queue-message";
import { cloudEvent, eventually, faultEvent, httpClient, json, TARGET_ENV } from "./target";

const deployed = (process.env[TARGET_ENV] ?? "").startsWith("deployed");
/** Short retries so the restart test's poison message reaches the DLQ in seconds (see run.ts). */
const FAST = { "sluice:workerTimeoutSeconds": "1", "sluice:batchingWindowSeconds": "0", "sluice:maxReceiveCount": "2", "sluice:testEvents": "true" };
const quiet = () => {};

function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * A copy of the project whose query factory is wrapped to add one response header. Nothing else
 * differs: same index.ts, components, config, other runtime files.
 */
function projectWithChangedFactory(dir: string): string {
  for (const entry of ["index.ts", "package.json", "Pulumi.yaml", "Pulumi.dev.yaml", "components", "runtime"]) {
    fs.cpSync(path.join(PROJECT_DIR, entry), path.join(dir, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(dir, "node_modules"), "dir");
  fs.renameSync(path.join(dir, "runtime", "query-handler.ts"), path.join(dir, "runtime", "query-handler-original.ts"));
  fs.writeFileSync(
    path.join(dir, "runtime", "query-handler.ts"),
    `import { queryFactory as originalQueryFactory } from "./query-handler-original";
export * from "./query-handler-original";
export function queryFactory() {
  const inner = originalQueryFactory();
  return async (event: any, context: any) => {
    const res: any = await inner(event, context);
    return { ...res, headers: { ...(res.headers ?? {}), "x-sluice-variant": "changed-factory" } };
  };
}
`,
  );
  return dir;
}

if (deployed) {
  test.skip("the local program (archive, throttling, restart) — skipped: local stack only", () => {});
} else {
  test("the local function runs the serialized archive: a changed factory changes local behaviour, with no other edit", async () => {
    const tmp = tempDir("sluice-variant-");
    let stack: LocalStack | undefined;
    try {
      stack = await startLocalStack({ stack: "dev", port: 0, dataDir: path.join(tmp, "data-a"), log: quiet });
      const original = await httpClient(stack.apiUrl).get("health");
      assert.is(original.statusCode, 200, original.body);
      assert.is(original.headers["x-sluice-variant"], undefined);
      await stack.stop();
      stack = undefined;

      const variant = projectWithChangedFactory(path.join(tmp, "project"));
      stack = await startLocalStack({ stack: "dev", port: 0, dataDir: path.join(tmp, "data-b"), projectDir: variant, log: quiet });
      const changed = await httpClient(stack.apiUrl).get("health");
      assert.is(changed.statusCode, 200, changed.body);
      assert.is(changed.headers["x-sluice-variant"], "changed-factory");
      assert.equal(json(changed), json(original), "the rest of the behaviour is the original's");
    } finally {
      await stack?.stop();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  test("the stage's throttling (from config) answers API Gateway's own 429 beyond the burst: its body, no Retry-After", async () => {
    const tmp = tempDir("sluice-throttle-");
    const stack = await startLocalStack({ stack: "dev", port: 0, dataDir: path.join(tmp, "data"), config: { "sluice:throttleRateLimit": "1", "sluice:throttleBurstLimit": "2" }, log: quiet });
    try {
      const api = httpClient(stack.apiUrl);
      const answers = await Promise.all(Array.from({ length: 8 }, () => api.get("health")));
      const throttled = answers.filter((r) => r.statusCode === 429);
      assert.ok(answers.some((r) => r.statusCode === 200), "the burst is admitted");
      assert.ok(throttled.length >= 5, `only ${throttled.length} of 8 throttled with a burst of 2`);
      assert.equal(json(throttled[0]), { message: "Too Many Requests" });
      assert.is(throttled[0].headers["content-type"], "application/json");
      assert.is(throttled[0].headers["retry-after"], undefined);
      assert.ok(throttled[0].headers["apigw-requestid"], "API Gateway's request id header");
      assert.is((await stack.metrics()).api.throttled, throttled.length);
    } finally {
      await stack.stop();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  test("a restart of the local stack keeps every acknowledged event: stored ones, queued ones and the DLQ", async () => {
    const tmp = tempDir("sluice-restart-");
    const dataDir = path.join(tmp, "data");
    let stack: LocalStack | undefined;
    try {
      stack = await startLocalStack({ stack: "dev", port: 0, dataDir, config: FAST, log: quiet });
      let api = httpClient(stack.apiUrl);
      const post = async (event: Record<string, unknown>) => {
        const r = await api.post("events", { body: JSON.stringify(event), headers: { "content-type": "application/cloudevents+json" } });
        assert.is(r.statusCode, 202, r.body);
        return json(r).id as string;
      };
      const stored: string[] = [];
      for (let i = 0; i < 3; i++) stored.push(await post(cloudEvent({ data: { i } })));
      for (const id of stored) {
        await eventually(`${id} processed`, async () => {
          const r = await api.get(`events/${id}`);
          return r.statusCode === 200 && json(r).status === "processed" ? true : undefined;
        });
      }
      const poison = await post(faultEvent("transient"));
      // Posted right before the stop: some are still queued or in a batch when it comes.
      const late: string[] = [];
      for (let b = 0; b < 2; b++) {
        const batch = Array.from({ length: 10 }, (_, i) => cloudEvent({ data: { b, i } }));
        const r = await api.post("events/batch", { body: JSON.stringify(batch), headers: { "content-type": "application/cloudevents-batch+json" } });
        assert.is(r.statusCode, 202, r.body);
        late.push(...(json(r).items as { id: string }[]).map((x) => x.id));
      }
      await stack.stop();
      stack = undefined;

      stack = await startLocalStack({ stack: "dev", port: 0, dataDir, config: FAST, log: quiet });
      api = httpClient(stack.apiUrl);
      for (const id of stored) {
        const r = await api.get(`events/${id}`);
        assert.is(r.statusCode, 200, `${id} kept in the data dir: ${r.body}`);
        assert.is(json(r).status, "processed");
      }
      for (const id of late) {
        await eventually(`${id} processed after the restart`, async () => {
          const r = await api.get(`events/${id}`);
          return r.statusCode === 200 && json(r).status === "processed" ? true : undefined;
        });
      }
      const sqs = new SQSClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: stack.endpoints.sqs });
      try {
        await eventually(
          "the poison message in the DLQ after the restart",
          async () => {
            const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: String(stack!.outputs.dlqUrl), MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 1 }));
            return out.Messages?.find((m) => {
              const parsed = parseQueueMessage(m.Body ?? "");
              return parsed.ok && parsed.message.id === poison;
            });
          },
          60_000,
        );
      } finally {
        sqs.destroy();
      }
    } finally {
      await stack?.stop();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  test.run();
}
