// The local twins through a small fixture program (fixtures/twins): the HTTP API's payload 2.0
// events and responses, routing errors, CORS, a function held to its timeout, a function's
// environment, the queue and table created with the program's attributes, and the counters.
// Local only: it tests the emulator, which a deployed stack does not have.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DescribeTableCommand, DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { startLocalStack, type LocalStack } from "../../local/stack";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../local/aws/local-account";
import { eventually, httpClient, json, TARGET_ENV, unique } from "./target";

const FIXTURE = path.join(__dirname, "fixtures", "twins");
const deployed = (process.env[TARGET_ENV] ?? "").startsWith("deployed");

if (deployed) {
  test.skip("local twins (fixture program) — skipped: they test the local emulator, not a deployed stack", () => {});
} else {
  let stack: LocalStack;
  let tmp: string;
  let ddb: DynamoDBClient;
  let sqs: SQSClient;
  const logs: string[] = [];
  const api = () => httpClient(stack.apiUrl);

  test.before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-twins-"));
    stack = await startLocalStack({ stack: "test", port: 0, dataDir: path.join(tmp, "data"), projectDir: FIXTURE, log: (l) => logs.push(l) });
    const aws = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
    ddb = new DynamoDBClient({ ...aws, endpoint: stack.endpoints.dynamodb });
    sqs = new SQSClient({ ...aws, endpoint: stack.endpoints.sqs });
  });

  test.after(async () => {
    ddb?.destroy();
    sqs?.destroy();
    await stack?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test("a request becomes a payload 2.0 event: route key, raw path and query, lower-cased joined headers, cookies, path parameters, request context", async () => {
    const res = await api().get("echo/abc%20d?x=1&x=2&y", { headers: { cookie: "c1=1; c2=2", "X-Multi": ["a", "b"], "User-Agent": "sluice-it" } });
    assert.is(res.statusCode, 200, res.body);
    const { event } = json(res);
    assert.is(event.version, "2.0");
    assert.is(event.routeKey, "GET /echo/{id}");
    assert.is(event.rawPath, "/echo/abc%20d");
    assert.is(event.rawQueryString, "x=1&x=2&y");
    assert.equal(event.queryStringParameters, { x: "1,2", y: "" });
    assert.is(event.headers["x-multi"], "a,b");
    assert.is(event.headers.cookie, undefined);
    assert.equal(event.cookies, ["c1=1", "c2=2"]);
    assert.equal(event.pathParameters, { id: "abc d" });
    assert.is(event.requestContext.http.method, "GET");
    assert.is(event.requestContext.http.path, "/echo/abc%20d");
    assert.is(event.requestContext.http.sourceIp, "127.0.0.1");
    assert.is(event.requestContext.http.userAgent, "sluice-it");
    assert.is(event.requestContext.requestId, res.headers["apigw-requestid"]);
    assert.is(event.requestContext.routeKey, "GET /echo/{id}");
    assert.is(event.isBase64Encoded, false);
    assert.is(event.body, undefined);
  });

  test("text bodies arrive as text, binary ones base64-encoded", async () => {
    const text = json(await api().post("echo/t", { body: '{"a":1}', headers: { "content-type": "application/json" } })).event;
    assert.is(text.body, '{"a":1}');
    assert.is(text.isBase64Encoded, false);
    const bytes = Buffer.from([0, 1, 2, 250, 251]);
    const bin = json(await api().post("echo/b", { body: bytes, headers: { "content-type": "application/octet-stream" } })).event;
    assert.is(bin.isBase64Encoded, true);
    assert.is(bin.body, bytes.toString("base64"));
  });

  test("a result's headers and cookies become the response; a result without statusCode is a 200 JSON body", async () => {
    const res = await api().get("echo/headers");
    assert.is(res.headers["x-fx-version"], "factory-v1");
    assert.equal(res.headers["set-cookie"], ["a=1", "b=2"]);
    const plain = await api().get("echo/plain");
    assert.is(plain.statusCode, 200);
    assert.match(String(plain.headers["content-type"]), /application\/json/);
    assert.equal(json(plain), { plain: true });
  });

  test("a greedy path parameter takes the rest of the path", async () => {
    const { event } = json(await api().get("files/a/b/c.txt"));
    assert.is(event.routeKey, "GET /files/{path+}");
    assert.equal(event.pathParameters, { path: "a/b/c.txt" });
  });

  test("with no $default route, an unknown path and a known path with a wrong method are both API Gateway's own 404", async () => {
    for (const res of [await api().get("nowhere"), await api().delete("echo/x")]) {
      assert.is(res.statusCode, 404);
      assert.is(res.headers["content-type"], "application/json");
      assert.equal(json(res), { message: "Not Found" });
      assert.ok(res.headers["apigw-requestid"]);
      assert.is(res.headers.allow, undefined);
    }
  });

  test("CORS preflight is answered from the API's configuration", async () => {
    const ok = await api()("echo/x", { method: "OPTIONS", headers: { origin: "https://app.example", "access-control-request-method": "POST" } });
    assert.is(ok.statusCode, 204);
    assert.is(ok.headers["access-control-allow-origin"], "https://app.example");
    assert.match(String(ok.headers["access-control-allow-methods"]), /POST/);
    const other = await api()("echo/x", { method: "OPTIONS", headers: { origin: "https://evil.example", "access-control-request-method": "POST" } });
    assert.is(other.headers["access-control-allow-origin"], undefined);
  });

  test("a function sees only its configured environment, the Lambda variables (its role's credentials and the invocation's trace header among them) and the local AWS endpoints", async () => {
    const { env } = json(await api().get("echo/env"));
    assert.equal(env, [
      "AWS_ACCESS_KEY_ID", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_EVENTBRIDGE", "AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_ENDPOINT_URL_SQS", "AWS_EXECUTION_ENV",
      "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_LOG_GROUP_NAME",
      "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_REGION", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "FX_MARKER", "FX_QUEUE_URL", "LAMBDA_TASK_ROOT", "LANG",
      "NODE_PATH", "TZ", "_HANDLER", "_X_AMZN_TRACE_ID",
    ]);
  });

  test("a function that runs past its timeout is stopped: the request gets a 500, the invocation counts as a timeout, the next one starts cold", async () => {
    await stack.resetMetrics();
    const res = await api().get("echo/sleep");
    assert.is(res.statusCode, 500);
    assert.equal(json(res), { message: "Internal Server Error" });
    const after = await api().get("echo/after");
    assert.is(after.statusCode, 200);
    const m = (await stack.metrics()).lambda["fx-web"];
    assert.is(m.timeouts, 1);
    assert.is(m.invocations, 2);
    assert.ok(m.coldStarts >= 1, "the instance after the timeout is a fresh one");
    assert.ok(logs.some((l) => l.includes("Sandbox.Timedout")), "the timeout is logged");
  });

  test("the queue and the table are created with the program's attributes", async () => {
    const queueUrl = String(stack.outputs.queueUrl);
    const dlqUrl = String(stack.outputs.dlqUrl);
    const attrs = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["All"] }))).Attributes!;
    const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ["QueueArn"] }))).Attributes!.QueueArn;
    assert.is(attrs.VisibilityTimeout, "3");
    assert.equal(JSON.parse(attrs.RedrivePolicy!), { deadLetterTargetArn: dlqArn, maxReceiveCount: 2 });
    const table = (await ddb.send(new DescribeTableCommand({ TableName: String(stack.outputs.tableName) }))).Table!;
    assert.equal(table.KeySchema, [{ AttributeName: "pk", KeyType: "HASH" }]);
    assert.equal(table.GlobalSecondaryIndexes?.map((g) => [g.IndexName, g.KeySchema?.[0].AttributeName]), [["byKind", "kind"]]);
    assert.is(table.BillingModeSummary?.BillingMode, "PAY_PER_REQUEST");
  });

  test("a second stack on the same data dir is refused with a clear message", async () => {
    const err = await startLocalStack({ stack: "test", port: 0, dataDir: path.join(tmp, "data"), projectDir: FIXTURE, log: () => {} }).then(
      () => undefined,
      (e: Error) => e,
    );
    assert.ok(err, "refused");
    assert.match(err!.message, /data dir .* is already in use/);
  });

  test("through the event source mapping: a good message is processed once; one reported as failed is retried and redriven to the DLQ", async () => {
    await stack.resetMetrics();
    const good = `good-${unique()}`;
    const bad = `bad-${unique()}`;
    for (const body of [{ id: good, do: "ok" }, { id: bad, do: "fail" }]) {
      const res = await api().post("send", { body: JSON.stringify(body), headers: { "content-type": "application/json" } });
      assert.is(res.statusCode, 202, res.body);
    }
    const attempts = async (id: string) => Number((await ddb.send(new GetItemCommand({ TableName: String(stack.outputs.tableName), Key: { pk: { S: id } }, ConsistentRead: true }))).Item?.attempts?.N ?? 0);
    const moved = await eventually(
      "the failing message in the DLQ",
      async () => {
        const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: String(stack.outputs.dlqUrl), MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
        return out.Messages?.find((m) => m.Body?.includes(bad));
      },
      30_000,
    );
    assert.ok(moved);
    assert.is(await attempts(good), 1, "the good message was not retried");
    assert.is(await attempts(bad), 2, "maxReceiveCount receives, then the DLQ");
    const m = await stack.metrics();
    assert.is(m.sqs.byAction.SendMessage, 2);
    assert.ok((m.sqs.byAction.DeleteMessageBatch ?? 0) >= 1);
    assert.is(m.api.byRoute["POST /send"], 2);
    assert.ok(m.dynamodb.writeUnits >= 3, JSON.stringify(m.dynamodb));
    assert.ok(m.lambda["fx-worker"].invocations >= 2);
    assert.ok(m.lambda["fx-worker"].billedMs > 0 && m.lambda["fx-worker"].gbSeconds > 0);
  });

  test.run();
}
