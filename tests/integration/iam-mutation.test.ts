// The local stack enforces each function's IAM as AWS would: with one grant taken out of the
// program (by startLocalStack's transformProgram, not by editing index.ts), the pipeline fails
// exactly where that grant is needed and nowhere else. Two grants go: the ingest role's
// dynamodb:PutItem (its lease write), the worker role's whole poll grant (what Lambda's event
// source mapping receives with) and the ingest role's read of the sources' secrets. Local only: a
// deployed stack is what this protects.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createHmac } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../local/aws/local-account";
import type { ProgramRun } from "../../local/program/resource-record";
import { startLocalStack, type LocalStack } from "../../local/stack";
import { eventually, httpClient, TARGET_ENV, unique } from "./target";

const deployed = (process.env[TARGET_ENV] ?? "").startsWith("deployed");
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";

/** The program with `action` taken out of the role policy `policy` (or the whole policy when no action is named). */
function withoutGrant(policy: string, action?: string): (run: ProgramRun) => ProgramRun {
  return (run) => {
    const target = run.resources.find((r) => r.type === ROLE_POLICY && r.name === policy);
    if (!target) throw new Error(`the program has no role policy ${policy}: the test must follow the program`);
    if (action && !String(target.inputs.policy).includes(`"${action}"`)) throw new Error(`${policy} does not grant ${action}`);
    const resources = run.resources.flatMap((r) => {
      if (r !== target) return [r];
      if (!action) return [];
      const doc = JSON.parse(r.inputs.policy) as { Statement: { Action: string[] }[] };
      for (const s of doc.Statement) s.Action = s.Action.filter((a) => a !== action);
      return [{ ...r, inputs: { ...r.inputs, policy: JSON.stringify(doc) } }];
    });
    return { ...run, resources };
  };
}

const parsed = (lines: string[]) => lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, any>);

if (deployed) {
  test.skip("IAM mutations — skipped: they break a local stack's program on purpose", () => {});
} else {
  let stack: LocalStack;
  let tmp: string;
  let sqs: SQSClient;
  const logs: string[] = [];

  test.before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-iam-"));
    const ingestWithoutPut = withoutGrant("sluice-ingest-table-access", "dynamodb:PutItem");
    const workerWithoutPoll = withoutGrant("sluice-worker-queue-poll");
    const ingestWithoutSecrets = withoutGrant("sluice-ingest-secrets-read");
    stack = await startLocalStack({
      stack: "dev",
      port: 0,
      dataDir: path.join(tmp, "data"),
      config: { "sluice:batchingWindowSeconds": "0" },
      log: (l) => logs.push(l),
      transformProgram: (run) => ingestWithoutSecrets(workerWithoutPoll(ingestWithoutPut(run))),
    });
    sqs = new SQSClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: stack.endpoints.sqs });
  });

  test.after(async () => {
    sqs?.destroy();
    await stack?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test("without the ingest role's dynamodb:PutItem, POST /events is a 503 with Retry-After, and the function saw AccessDeniedException on PutItem", async () => {
    const id = `iam-${unique()}`;
    const res = await httpClient(stack.apiUrl).post("events", { json: { specversion: "1.0", id, source: "/iam-mutation", type: "demo.created", data: {} } });
    assert.is(res.statusCode, 503, res.body);
    assert.ok(res.headers["retry-after"], "the client is told to retry");
    const lines = parsed(logs);
    const refusal = lines.find((l) => l.msg === "request refused, as AWS would" && l.iamAction === "dynamodb:PutItem");
    assert.ok(refusal, "the gate refused the lease write");
    assert.match(refusal!.principal, /^arn:aws:sts::\d{12}:assumed-role\/sluice-dev-ingest-[0-9a-f]+\/sluice-dev-ingest-[0-9a-f]+$/);
    assert.match(refusal!.resource, /^arn:aws:dynamodb:us-east-1:\d{12}:table\/sluice-dev-idempotency-/);
    const seen = lines.find((l) => l.errorName === "AccessDeniedException");
    assert.ok(seen, "the ingest function logged the SDK's AccessDeniedException");
    assert.match(seen!.errorMessage, /is not authorized to perform: dynamodb:PutItem on resource: .* because no identity-based policy allows the dynamodb:PutItem action$/);
    // Its other grants still hold: nothing stored, and the query role may still read.
    const read = await httpClient(stack.apiUrl).get(`events/evt_${"0".repeat(32)}`);
    assert.is(read.statusCode, 404, read.body);
    assert.not.ok(lines.some((l) => l.msg === "request refused, as AWS would" && l.iamAction === "dynamodb:GetItem"), "GetItem stays allowed");
  });

  test("without the worker role's poll grant, the event source mapping receives nothing: its receive is AccessDenied and the message stays queued", async () => {
    const queueUrl = String(stack.outputs.queueUrl);
    const before = logs.length;
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ v: 1, note: "never received" }) }));
    const denied = await eventually(
      "a refused receive after the send",
      async () => parsed(logs.slice(before)).find((l) => l.msg === "request refused, as AWS would" && l.iamAction === "sqs:ReceiveMessage"),
      15_000,
    );
    assert.match(denied!.principal, /assumed-role\/sluice-dev-worker-[0-9a-f]+\/sluice-dev-worker-/);
    assert.is(denied!.status, 403);
    const receiveFailed = parsed(logs.slice(before)).find((l) => l.msg === "receive failed");
    assert.ok(receiveFailed, "the poller reports its failed receive");
    assert.match(receiveFailed!.error, /is not authorized to perform: sqs:receivemessage/);
    const attrs = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }))).Attributes!;
    assert.equal([attrs.ApproximateNumberOfMessages, attrs.ApproximateNumberOfMessagesNotVisible], ["1", "0"], "never received, so never in flight");
    assert.is((await stack.metrics()).lambda["sluice-worker-function"].invocations, 0);
  });

  test("without the ingest role's secretsmanager:GetSecretValue, a signed webhook is a 503: the local Secrets Manager refused the read as AWS would", async () => {
    const body = JSON.stringify({ id: `iam-${unique()}`, kind: "iam.test" });
    const signature = createHmac("sha256", "dev-only-demo-secret").update(body).digest("hex");
    const before = logs.length;
    const res = await httpClient(stack.apiUrl).post("sources/demo", { body, headers: { "content-type": "application/json", "x-demo-signature": `sha256=${signature}` } });
    assert.is(res.statusCode, 503, res.body);
    assert.ok(res.headers["retry-after"]);
    const lines = parsed(logs.slice(before));
    const refusal = lines.find((l) => l.msg === "request refused, as AWS would" && l.iamAction === "secretsmanager:GetSecretValue");
    assert.ok(refusal, "the gate refused the secret read");
    assert.match(refusal!.resource, /^arn:aws:secretsmanager:us-east-1:\d{12}:secret:sluice-dev-sources-demo-[0-9a-f]{8}-[A-Za-z0-9]{6}$/);
    const seen = lines.find((l) => l.errorName === "AccessDeniedException" && /secretsmanager/.test(String(l.errorMessage)));
    assert.ok(seen, "the ingest logged the SDK's AccessDeniedException");
    assert.match(seen!.errorMessage, /is not authorized to perform: secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:/);
  });

  test.run();
}
