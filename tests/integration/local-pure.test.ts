// The local stack's pure parts: route selection, the token bucket, the command line, the mapping
// of Pulumi inputs to CreateQueue/CreateTable, access log rendering and result mapping.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { matchRoute, type RouteDef } from "../../local/http/routes";
import { TokenBucket } from "../../local/http/throttle";
import { parseStartArgs, UsageError } from "../../local/start-args";
import { queueAttributes, queueName } from "../../local/sqs/create-queue";
import { createTableInput } from "../../local/dynamodb/create-table";
import { renderAccessLog } from "../../local/http/access-log";
import { isTextContentType, requestTime, toHttpResult } from "../../local/http/payload-v2";
import { actionOf } from "../../local/aws/request-observer";
import { askForCapacity, recordDynamoDb } from "../../local/aws/request-metrics";
import { emptyMetrics } from "../../local/metrics";

const routes: RouteDef<string>[] = ["GET /events/{id}", "POST /events", "POST /events/batch", "GET /events/latest", "ANY /files/{path+}", "GET /files/{path+}"].map((k) => ({ routeKey: k, target: k }));

function pick(method: string, path: string, list = routes) {
  const m = matchRoute(list, method, path);
  return m.kind === "route" ? [m.route.routeKey, m.pathParameters] : ["404"];
}

test("the most specific route wins: literal over parameter over greedy, a method over ANY", () => {
  assert.equal(pick("GET", "/events/latest"), ["GET /events/latest", {}]);
  assert.equal(pick("GET", "/events/abc"), ["GET /events/{id}", { id: "abc" }]);
  assert.equal(pick("POST", "/events/batch"), ["POST /events/batch", {}]);
  assert.equal(pick("GET", "/files/a/b"), ["GET /files/{path+}", { path: "a/b" }]);
  assert.equal(pick("PUT", "/files/a/b"), ["ANY /files/{path+}", { path: "a/b" }]);
  assert.equal(pick("GET", "/events/a%2Fb"), ["GET /events/{id}", { id: "a/b" }]);
});

test("no route: 404, also for a path whose routes take other methods (an HTTP API has no 405); $default takes both", () => {
  assert.equal(pick("GET", "/nothing"), ["404"]);
  assert.equal(pick("DELETE", "/events"), ["404"]);
  assert.equal(pick("GET", "/events/a/b"), ["404"]);
  const withDefault = [...routes, { routeKey: "$default", target: "$default" }];
  assert.equal(pick("DELETE", "/events", withDefault), ["$default", {}]);
  assert.equal(pick("GET", "/nothing", withDefault), ["$default", {}]);
});

test("the token bucket admits the burst, then the rate", () => {
  let now = 0;
  const b = new TokenBucket(2, 3, () => now);
  assert.equal([b.take(), b.take(), b.take(), b.take()], [true, true, true, false]);
  now = 500;
  assert.equal([b.take(), b.take()], [true, false]);
  now = 10_000;
  assert.equal([b.take(), b.take(), b.take(), b.take()], [true, true, true, false], "refills up to the burst, not beyond");
});

test("the command line is parsed strictly", () => {
  const d = { stack: "dev", port: 3210, dataDir: "d", outputsFile: "o" };
  assert.equal(parseStartArgs([], d, ["dev", "prod"]), { ...d, help: false });
  assert.equal(parseStartArgs(["--stack", "prod", "--port=0", "--data-dir", "x", "--outputs", "y"], d, ["dev", "prod"]), { stack: "prod", port: 0, dataDir: "x", outputsFile: "y", help: false });
  for (const bad of [["--port", "-1"], ["--port", "70000"], ["--port", "1.5"], ["--stack", "qa"], ["--nope"], ["--data-dir"], ["--port", "--stack"]]) {
    assert.throws(() => parseStartArgs(bad, d, ["dev", "prod"]), (e: unknown) => e instanceof UsageError, bad.join(" "));
  }
});

test("--config overrides config values for one run, a bare key in the project's namespace", () => {
  const d = { stack: "dev", port: 3210, dataDir: "d", outputsFile: "o" };
  const args = parseStartArgs(["--config", "sluice:throttleRateLimit=1000", "--config=batchSize=5", "--config", "aws:region=eu-west-1", "--config", "corsOrigins=[\"https://a=b\"]"], d, ["dev"]);
  assert.equal(args.config, { "sluice:throttleRateLimit": "1000", "sluice:batchSize": "5", "aws:region": "eu-west-1", "sluice:corsOrigins": '["https://a=b"]' });
  assert.is(parseStartArgs([], d, ["dev"]).config, undefined);
  for (const bad of [["--config"], ["--config", "noequals"], ["--config", "=value"]]) {
    assert.throws(() => parseStartArgs(bad, d, ["dev"]), (e: unknown) => e instanceof UsageError && /--config/.test((e as Error).message), bad.join(" "));
  }
});

test("queue inputs become CreateQueue attributes; a dead-letter ARN is mapped to the local queue", () => {
  const attrs = queueAttributes(
    {
      visibilityTimeoutSeconds: 13,
      messageRetentionSeconds: 86400,
      sqsManagedSseEnabled: true,
      redrivePolicy: JSON.stringify({ deadLetterTargetArn: "arn:aws:sqs:eu-west-1:999:q-dlq", maxReceiveCount: "3" }),
      redriveAllowPolicy: JSON.stringify({ redrivePermission: "byQueue", sourceQueueArns: ["arn:aws:sqs:eu-west-1:999:q"] }),
    },
    (arn) => arn.replace("eu-west-1:999", "us-east-1:123456789012"),
  );
  assert.equal(attrs, {
    VisibilityTimeout: "13",
    MessageRetentionPeriod: "86400",
    SqsManagedSseEnabled: "true",
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: "arn:aws:sqs:us-east-1:123456789012:q-dlq", maxReceiveCount: 3 }),
    RedriveAllowPolicy: JSON.stringify({ redrivePermission: "byQueue", sourceQueueArns: ["arn:aws:sqs:us-east-1:123456789012:q"] }),
  });
  assert.is(queueName("jobs", { fifoQueue: true }), "jobs.fifo");
  assert.is(queueName("jobs", {}), "jobs");
});

test("table inputs become a CreateTable request with keys and indexes", () => {
  const req = createTableInput("t1", {
    hashKey: "pk",
    attributes: [{ name: "pk", type: "S" }, { name: "source", type: "S" }, { name: "receivedAt", type: "S" }],
    billingMode: "PAY_PER_REQUEST",
    globalSecondaryIndexes: [{ name: "bySource", hashKey: "source", rangeKey: "receivedAt", projectionType: "INCLUDE", nonKeyAttributes: ["status"] }],
  });
  assert.equal(req.KeySchema, [{ AttributeName: "pk", KeyType: "HASH" }]);
  assert.is(req.BillingMode, "PAY_PER_REQUEST");
  assert.is(req.ProvisionedThroughput, undefined);
  assert.equal(req.GlobalSecondaryIndexes, [
    { IndexName: "bySource", KeySchema: [{ AttributeName: "source", KeyType: "HASH" }, { AttributeName: "receivedAt", KeyType: "RANGE" }], Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: ["status"] }, ProvisionedThroughput: undefined },
  ]);
  const provisioned = createTableInput("t2", { hashKey: "pk", attributes: [{ name: "pk", type: "S" }], readCapacity: 5, writeCapacity: 2 });
  assert.equal(provisioned.ProvisionedThroughput, { ReadCapacityUnits: 5, WriteCapacityUnits: 2 });
});

test("access log formats get their $context variables, escaped, '-' when unknown", () => {
  const line = renderAccessLog('{"id":"$context.requestId","ua":"$context.identity.userAgent","x":"$context.nope"}', { requestId: "r1", "identity.userAgent": 'a "quoted" agent' });
  assert.equal(JSON.parse(line), { id: "r1", ua: 'a "quoted" agent', x: "-" });
  assert.is(requestTime(new Date("2026-03-09T07:05:03Z")), "09/Mar/2026:07:05:03 +0000");
});

test("body encoding and result mapping follow API Gateway", () => {
  assert.ok(isTextContentType("application/json; charset=utf-8"));
  assert.ok(isTextContentType("application/cloudevents+json"));
  assert.ok(isTextContentType("text/plain"));
  assert.not.ok(isTextContentType("application/octet-stream"));
  assert.not.ok(isTextContentType(undefined));
  const r = toHttpResult({ statusCode: 201, headers: { "X-A": "1" }, body: Buffer.from("hi").toString("base64"), isBase64Encoded: true, cookies: ["c=1"] });
  assert.equal([r.statusCode, r.headers, r.cookies, r.body.toString()], [201, { "x-a": "1", "content-type": "application/json" }, ["c=1"], "hi"]);
  const plain = toHttpResult({ a: 1 });
  assert.equal([plain.statusCode, plain.body.toString()], [200, '{"a":1}']);
});

test("AWS requests are counted by action; DynamoDB is asked for its consumed capacity", () => {
  assert.is(actionOf({ "x-amz-target": "DynamoDB_20120810.PutItem" }, Buffer.alloc(0)), "PutItem");
  assert.is(actionOf({}, Buffer.from("Action=SendMessage&QueueUrl=x")), "SendMessage");
  const asked = JSON.parse(askForCapacity("PutItem", Buffer.from('{"TableName":"t"}')).toString());
  assert.is(asked.ReturnConsumedCapacity, "TOTAL");
  assert.is(askForCapacity("DescribeTable", Buffer.from("{}")).toString(), "{}");
  const m = emptyMetrics();
  recordDynamoDb(m.dynamodb, "PutItem", 200, Buffer.from("{}"), Buffer.from('{"ConsumedCapacity":{"CapacityUnits":2,"TableName":"t"}}'));
  recordDynamoDb(m.dynamodb, "PutItem", 400, Buffer.from("{}"), Buffer.from('{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException"}'));
  recordDynamoDb(m.dynamodb, "GetItem", 200, Buffer.from("{}"), Buffer.from('{"ConsumedCapacity":{"CapacityUnits":0.5}}'));
  assert.equal([m.dynamodb.requests, m.dynamodb.byAction, m.dynamodb.errorsByAction, m.dynamodb.writeUnits, m.dynamodb.readUnits], [3, { PutItem: 2, GetItem: 1 }, { PutItem: 1 }, 3, 0.5]);
});

test.run();
