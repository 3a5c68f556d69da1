// Injected faults, from the rule language to what the AWS SDK makes of the answers: the twins run
// in their own processes as the local stack runs them, and the SDK (the other side, not ours)
// parses each fault into the error AWS would give. Local only: it tests the emulator.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CreateTableCommand, DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { CreateQueueCommand, ReceiveMessageCommand, RequestThrottled, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { ChaosSpecError, parseChaos, parseChaosRule } from "../../local/aws/chaos-spec";
import { decide } from "../../local/aws/chaos-gate";
import { buildGates } from "../../local/aws/gate-factories";
import { GateSettings } from "../../local/aws/gate-settings";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../local/aws/local-account";
import { DROP_CONNECTION, runGates, type GatedRequest } from "../../local/aws/request-gate";
import { TwinSupervisor } from "../../local/aws/twin-supervisor";
import { roleGateConfig } from "./role-gate-config";
import { signedPostHeaders } from "./sdk-signer";
import { TARGET_ENV } from "./target";

const deployed = (process.env[TARGET_ENV] ?? "").startsWith("deployed");
const req = (service: GatedRequest["service"], action: string, headers: GatedRequest["headers"] = {}): GatedRequest => ({ service, action, headers, body: Buffer.from("{}") });
const always = () => 0;

/** An SDK client that adds `name: value` to every request, as any client could. */
function withHeader(client: SQSClient, name: string, value: string): SQSClient {
  client.middlewareStack.add(
    (next) => async (args) => {
      (args.request as { headers: Record<string, string> }).headers[name] = value;
      return next(args);
    },
    { step: "build", name: "addHeader" },
  );
  return client;
}

/** A role that may do anything to DynamoDB and SQS but delete items, as a function's role would be given. */
const { iam, role } = roleGateConfig("chaos-app", [
  { Effect: "Allow", Action: ["dynamodb:*", "sqs:*"], Resource: "*" },
  { Effect: "Deny", Action: "dynamodb:DeleteItem", Resource: "*" },
]);

test("the rule language: each fault kind, rates and durations, and a clear refusal of what is wrong", () => {
  assert.equal(parseChaosRule("sqs:SendMessage=error:0.3"), { service: "sqs", operation: "SendMessage", fault: { kind: "error", rate: 0.3 }, spec: "sqs:SendMessage=error:0.3" });
  assert.equal(parseChaosRule("dynamodb:*=throttle:50%").fault, { kind: "throttle", rate: 0.5 });
  assert.equal(parseChaosRule("dynamodb:PutItem=latency:200ms").fault, { kind: "latency", ms: 200, rate: 1 });
  assert.equal(parseChaosRule("dynamodb:*=hang:1.5s@0.25").fault, { kind: "hang", ms: 1500, rate: 0.25 });
  assert.is(parseChaosRule("*:*=error:1").service, "*");
  for (const [bad, why] of [
    ["sqs:SendMessage", /expected SERVICE:OPERATION=FAULT/],
    ["s3:*=error:0.1", /unknown service "s3"/],
    ["dynamodb:PutItems=error:0.1", /dynamodb has no operation "PutItems"/],
    ["sqs:PutItem=error:0.1", /sqs has no operation "PutItem"/],
    ["sqs:*=error:1.5", /rate must be a fraction/],
    ["sqs:*=error:0", /rate must be a fraction/],
    ["sqs:*=latency:200", /duration must be like 200ms or 5s/],
    ["sqs:*=explode:1", /unknown fault "explode"/],
  ] as const) {
    assert.throws(() => parseChaosRule(bad), (err: Error) => err instanceof ChaosSpecError && why.test(err.message), bad);
  }
});

test("for one request, matching latencies add up, and the first drawn hang, throttle or error decides", () => {
  const rules = parseChaos(["dynamodb:*=latency:100ms", "dynamodb:PutItem=latency:50ms", "sqs:*=error:1", "dynamodb:PutItem=throttle:1", "dynamodb:*=error:1"]);
  const put = decide(rules, req("dynamodb", "PutItem"), always);
  assert.is(put.delayMs, 150);
  assert.is(JSON.parse(put.answer!.body).__type, "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException");
  const get = decide(rules, req("dynamodb", "GetItem"), always);
  assert.is(get.delayMs, 100);
  assert.is(get.answer!.status, 500);
  // Not drawn (the random draw is at or above the rate): no fault.
  assert.equal(decide(parseChaos(["dynamodb:*=error:0.3"]), req("dynamodb", "GetItem"), () => 0.3), { delayMs: 0 });
  assert.is(decide(parseChaos(["dynamodb:*=hang:2s"]), req("dynamodb", "Query"), always).answer, DROP_CONNECTION);
});

test("chaos spares only a request whose tool-credential signature checks out: not a header, not the tool key with a wrong secret", async () => {
  const gates = buildGates({ chaos: parseChaos(["dynamodb:*=error:1"]) }, { log: () => {} });
  const endpoint = "http://127.0.0.1:4567";
  const body = JSON.stringify({ TableName: "t", Key: { pk: { S: "a" } } });
  const signedBy = async (credentials: { accessKeyId: string; secretAccessKey: string }, extra: Record<string, string> = {}): Promise<GatedRequest> => {
    const headers = await signedPostHeaders(endpoint, { service: "dynamodb", region: LOCAL_REGION, credentials, headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": "DynamoDB_20120810.GetItem", ...extra }, body });
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    return { service: "dynamodb", action: "GetItem", headers: { ...lower, ":method": "POST", ":path": "/" }, body: Buffer.from(body) };
  };
  assert.is(await runGates(gates, await signedBy(LOCAL_CREDENTIALS)), undefined, "the stack's own request passes");
  assert.is((await runGates(gates, await signedBy({ ...LOCAL_CREDENTIALS, secretAccessKey: "guessed" })))?.status, 500, "the tool key with a wrong secret is faulted");
  assert.is((await runGates(gates, await signedBy(role, { "x-sluice-local-tooling": "1" })))?.status, 500, "a role's request is faulted, whatever header it carries");
  const tampered = await signedBy(LOCAL_CREDENTIALS);
  assert.is((await runGates(gates, { ...tampered, body: Buffer.from(body.replace('"a"', '"b"')) }))?.status, 500, "a changed body is no longer the stack's request");
});

if (deployed) {
  test.skip("faults in the twin processes — skipped: they test the local emulator", () => {});
} else {
  let tmp: string;
  let gates: GateSettings;
  let dynamo: TwinSupervisor;
  let sqs: TwinSupervisor;
  let ddb: DynamoDBClient;
  let sqsClient: SQSClient;
  let queueUrl: string;
  // The pipeline's calls are a role's, as a function's are: those are what faults are for.
  const aws = { region: LOCAL_REGION, credentials: role, maxAttempts: 1 };
  const errorOf = (p: Promise<unknown>) => p.then(() => undefined, (e: Error & { $metadata?: { httpStatusCode?: number }; code?: string }) => e);

  test.before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-chaos-"));
    // As the local stack runs them: IAM's gate first, then chaos's.
    gates = new GateSettings({ iam });
    const twin = (service: "dynamodb" | "sqs") => new TwinSupervisor({ service, dataDir: tmp, gates, log: () => {}, onCounters: () => {} });
    dynamo = twin("dynamodb");
    sqs = twin("sqs");
    await Promise.all([dynamo.start(), sqs.start()]);
    ddb = new DynamoDBClient({ ...aws, endpoint: dynamo.endpoint });
    sqsClient = new SQSClient({ ...aws, endpoint: sqs.endpoint });
    await ddb.send(new CreateTableCommand({ TableName: "chaos", AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }], KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }], BillingMode: "PAY_PER_REQUEST" }));
    queueUrl = (await sqsClient.send(new CreateQueueCommand({ QueueName: "chaos" }))).QueueUrl!;
  });

  test.after(async () => {
    ddb?.destroy();
    sqsClient?.destroy();
    await Promise.all([dynamo?.stop(), sqs?.stop()]);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const put = (pk: string) => ddb.send(new PutItemCommand({ TableName: "chaos", Item: { pk: { S: pk } } }));
  const stored = async (pk: string) => (await ddb.send(new GetItemCommand({ TableName: "chaos", Key: { pk: { S: pk } } }))).Item !== undefined;

  test("DynamoDB faults are DynamoDB's own errors to the SDK, and the twin never sees the request", async () => {
    await gates.update({ chaos: parseChaos(["dynamodb:PutItem=throttle:1"]) });
    const throttled = await errorOf(put("t-1"));
    assert.is(throttled?.name, "ProvisionedThroughputExceededException");
    assert.is(throttled?.$metadata?.httpStatusCode, 400);
    await gates.update({ chaos: parseChaos(["dynamodb:PutItem=error:1"]) });
    const failed = await errorOf(put("t-2"));
    assert.is(failed?.name, "InternalServerError");
    assert.is(failed?.$metadata?.httpStatusCode, 500);
    await gates.update({ chaos: [] });
    assert.not.ok(await stored("t-1"));
    assert.not.ok(await stored("t-2"));
    await put("t-3");
    assert.ok(await stored("t-3"), "with the rules gone, requests pass again");
  });

  test("SQS faults are SQS's own errors: JSON protocol with x-amzn-query-error, query protocol as XML", async () => {
    await gates.update({ chaos: parseChaos(["sqs:SendMessage=throttle:1", "sqs:ReceiveMessage=error:1"]) });
    const throttled = await errorOf(sqsClient.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "x" })));
    assert.instance(throttled, RequestThrottled);
    const failed = await errorOf(sqsClient.send(new ReceiveMessageCommand({ QueueUrl: queueUrl })));
    assert.is(failed?.name, "InternalFailure");
    assert.is(failed?.$metadata?.httpStatusCode, 500);
    // A query-protocol client, signed by the SDK's signer: the IAM gate lets it through to the fault.
    const form = `Action=SendMessage&QueueUrl=${encodeURIComponent(queueUrl)}&MessageBody=x`;
    const headers = await signedPostHeaders(sqs.endpoint, { service: "sqs", region: LOCAL_REGION, credentials: role, headers: { "content-type": "application/x-www-form-urlencoded" }, body: form });
    const query = await fetch(sqs.endpoint, { method: "POST", headers, body: form });
    assert.is(query.status, 403);
    assert.match(await query.text(), /<ErrorResponse[^>]*><Error><Type>Sender<\/Type><Code>RequestThrottled<\/Code>/);
    // The stack's own tooling (signed with the tool credentials) is never faulted; a header that
    // claims to be the tooling changes nothing.
    const tooling = new SQSClient({ ...aws, credentials: LOCAL_CREDENTIALS, endpoint: sqs.endpoint });
    const claiming = withHeader(new SQSClient({ ...aws, endpoint: sqs.endpoint }), "x-sluice-local-tooling", "1");
    try {
      assert.ok((await tooling.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "tooling" }))).MessageId);
      assert.instance(await errorOf(claiming.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "claims" }))), RequestThrottled);
    } finally {
      tooling.destroy();
      claiming.destroy();
    }
    await gates.update({ chaos: [] });
  });

  test("IAM runs before chaos in the twin process: a call IAM denies gets IAM's answer, never the fault; the stack's own tooling is neither denied nor faulted", async () => {
    await put("i-1");
    await gates.update({ chaos: parseChaos(["dynamodb:*=error:1"]) });
    const denied = await errorOf(ddb.send(new DeleteItemCommand({ TableName: "chaos", Key: { pk: { S: "i-1" } } })));
    assert.is(denied?.name, "AccessDeniedException");
    assert.match(String(denied?.message), /assumed-role\/chaos-app\/chaos-app-fn is not authorized to perform: dynamodb:DeleteItem .* with an explicit deny/);
    const faulted = await errorOf(ddb.send(new GetItemCommand({ TableName: "chaos", Key: { pk: { S: "i-1" } } })));
    assert.is(faulted?.name, "InternalServerError", "an allowed call meets the fault");
    const stranger = new DynamoDBClient({ ...aws, credentials: { accessKeyId: "AKIAUNKNOWN000000000", secretAccessKey: "x" }, endpoint: dynamo.endpoint });
    const unknown = await errorOf(stranger.send(new GetItemCommand({ TableName: "chaos", Key: { pk: { S: "i-1" } } }))).finally(() => stranger.destroy());
    assert.is(unknown?.name, "UnrecognizedClientException", "unknown credentials are refused by IAM, not faulted");
    const tooling = new DynamoDBClient({ ...aws, credentials: LOCAL_CREDENTIALS, endpoint: dynamo.endpoint });
    try {
      assert.ok((await tooling.send(new GetItemCommand({ TableName: "chaos", Key: { pk: { S: "i-1" } } }))).Item, "the tool credentials read through the fault");
    } finally {
      tooling.destroy();
    }
    await gates.update({ chaos: [] });
    assert.ok(await stored("i-1"), "the denied delete never reached the table");
  });

  test("latency answers later; a hang holds the request, then drops the connection unanswered", async () => {
    await gates.update({ chaos: parseChaos(["dynamodb:GetItem=latency:300ms", "dynamodb:PutItem=hang:300ms"]) });
    const started = Date.now();
    assert.not.ok(await stored("nothing"));
    assert.ok(Date.now() - started >= 300, "the answer came after the injected latency");
    const dropped = await errorOf(put("h-1"));
    assert.ok(dropped, "the hung request failed");
    assert.is(dropped!.$metadata?.httpStatusCode, undefined, "no HTTP answer came");
    await gates.update({ chaos: [] });
    assert.not.ok(await stored("h-1"));
  });
}

test.run();
