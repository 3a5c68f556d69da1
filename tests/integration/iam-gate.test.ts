// The IAM gate in front of real dynalite and local-aws-sqs, called by real AWS SDK v3 clients:
// what a role's policies allow goes through; what they do not is refused exactly as DynamoDB and
// SQS refuse it, and the SDK surfaces it as it does on AWS; bad signatures, keys and scopes too.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS, LOCAL_REGION } from "../../local/aws/local-account";
import type { LocalServer } from "../../local/aws/loopback-server";
import { startDynalite } from "../../local/dynamodb/dynalite-server";
import { createIamGate, type IamGateConfig } from "../../local/iam/iam-gate";
import { issueRoleCredentials } from "../../local/iam/role-credentials";
import { startSqs } from "../../local/sqs/sqs-server";

const TABLE_ARN = `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:table/gated`;
const QUEUE_ARN = `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:gated`;
const ROLE_ARN = `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/gated-ingest`;
const SESSION_ARN = `arn:aws:sts::${LOCAL_ACCOUNT_ID}:assumed-role/gated-ingest/gated-ingest-fn`;
const role = issueRoleCredentials();

const config: IamGateConfig = {
  accountId: LOCAL_ACCOUNT_ID,
  region: LOCAL_REGION,
  principals: [
    { kind: "tool", ...LOCAL_CREDENTIALS },
    {
      kind: "role",
      ...role,
      sessionArn: SESSION_ARN,
      roleArn: ROLE_ARN,
      policies: [
        { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["dynamodb:GetItem", "dynamodb:Query"], Resource: [TABLE_ARN] }] },
        { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "sqs:SendMessage", Resource: QUEUE_ARN }] },
      ],
    },
  ],
};

let dynamo: LocalServer;
let sqs: LocalServer;
let queueUrl: string;
const refusals: Record<string, unknown>[] = [];
const clients: { destroy(): void }[] = [];

// A serializable config crosses into the gate as JSON would.
const gate = createIamGate(JSON.parse(JSON.stringify(config)) as IamGateConfig, { log: (l) => refusals.push(JSON.parse(l)) });

function ddb(credentials = role as { accessKeyId: string; secretAccessKey: string; sessionToken?: string }, extra: Record<string, unknown> = {}) {
  const c = new DynamoDBClient({ region: LOCAL_REGION, endpoint: dynamo.endpoint, credentials, maxAttempts: 1, ...extra });
  clients.push(c);
  return c;
}
function queue(credentials = role as { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) {
  const c = new SQSClient({ region: LOCAL_REGION, endpoint: sqs.endpoint, credentials, maxAttempts: 1 });
  clients.push(c);
  return c;
}
async function failure(p: Promise<unknown>): Promise<Error & { $metadata: { httpStatusCode?: number }; $fault?: string }> {
  return p.then(
    () => assert.unreachable("the call went through") as never,
    (e) => e,
  );
}

test.before(async () => {
  dynamo = await startDynalite({ observer: { gates: () => [gate], onExchange: () => {} } });
  sqs = await startSqs({ observer: { gates: () => [gate], onExchange: () => {} } });
  await ddb(LOCAL_CREDENTIALS).send(
    new CreateTableCommand({ TableName: "gated", BillingMode: "PAY_PER_REQUEST", AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }], KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }] }),
  );
  queueUrl = (await queue(LOCAL_CREDENTIALS).send(new CreateQueueCommand({ QueueName: "gated" }))).QueueUrl!;
});

test.after(async () => {
  for (const c of clients) c.destroy();
  await dynamo?.close();
  await sqs?.close();
});

test("the local stack's tool credentials are the admin: they create tables and queues and write anything", async () => {
  await ddb(LOCAL_CREDENTIALS).send(new PutItemCommand({ TableName: "gated", Item: { pk: { S: "seed" } } }));
  assert.ok(queueUrl.endsWith(`/${LOCAL_ACCOUNT_ID}/gated`), queueUrl);
});

test("what the role allows goes through, signed with its session credentials", async () => {
  const got = await ddb().send(new GetItemCommand({ TableName: "gated", Key: { pk: { S: "seed" } } }));
  assert.equal(got.Item, { pk: { S: "seed" } });
  const sent = await queue().send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "hello" }));
  assert.ok(sent.MessageId);
  const batch = await queue().send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: [{ Id: "1", MessageBody: "a" }] }));
  assert.is(batch.Successful?.length, 1, "SendMessageBatch is authorized as sqs:SendMessage");
});

test("DynamoDB: an action the role lacks is AWS's AccessDeniedException, 400, with IAM's sentence", async () => {
  const e = await failure(ddb().send(new PutItemCommand({ TableName: "gated", Item: { pk: { S: "x" } } })));
  assert.is(e.name, "AccessDeniedException");
  assert.is(e.$metadata.httpStatusCode, 400);
  assert.is(e.$fault, "client");
  assert.is(e.message, `User: ${SESSION_ARN} is not authorized to perform: dynamodb:PutItem on resource: ${TABLE_ARN} because no identity-based policy allows the dynamodb:PutItem action`);
  const r = refusals.at(-1)!;
  assert.equal([r.iamAction, r.resource, r.principal, r.reason], ["dynamodb:PutItem", TABLE_ARN, SESSION_ARN, "no allow"]);
});

test("DynamoDB: a query on an index needs a grant on the index's own ARN", async () => {
  const e = await failure(ddb().send(new QueryCommand({ TableName: "gated", IndexName: "byKind", KeyConditionExpression: "k = :k", ExpressionAttributeValues: { ":k": { S: "a" } } })));
  assert.is(e.name, "AccessDeniedException");
  assert.match(e.message, `on resource: ${TABLE_ARN}/index/byKind because`);
});

test("SQS: an action the role lacks is AccessDenied, 403, as the SDK reads SQS's query-compatible error", async () => {
  const e = await failure(queue().send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 0 })));
  // SQS sends x-amzn-query-error: AccessDenied;Sender, and the SDK names the error after it.
  assert.is(e.name, "AccessDenied");
  assert.is(e.$metadata.httpStatusCode, 403);
  assert.is(e.message, `User: ${SESSION_ARN} is not authorized to perform: sqs:receivemessage on resource: ${QUEUE_ARN} because no identity-based policy allows the sqs:receivemessage action`);
  assert.is((e as unknown as { Code: string; Type: string }).Code, "AccessDenied");
  assert.is((e as unknown as { Code: string; Type: string }).Type, "Sender");
});

test("a wrong secret, an unknown key, a missing session token: refused before any policy is read", async () => {
  const wrongSecret = await failure(ddb({ ...role, secretAccessKey: "guessed" }).send(new GetItemCommand({ TableName: "gated", Key: { pk: { S: "seed" } } })));
  assert.is(wrongSecret.name, "InvalidSignatureException");
  assert.match(wrongSecret.message, /The request signature we calculated does not match/);
  const unknown = await failure(ddb({ accessKeyId: "ASIAUNKNOWN000000000", secretAccessKey: "x" }).send(new GetItemCommand({ TableName: "gated", Key: { pk: { S: "seed" } } })));
  assert.is(unknown.name, "UnrecognizedClientException");
  assert.is(unknown.message, "The security token included in the request is invalid.");
  const noToken = await failure(ddb({ accessKeyId: role.accessKeyId, secretAccessKey: role.secretAccessKey }).send(new GetItemCommand({ TableName: "gated", Key: { pk: { S: "seed" } } })));
  assert.is(noToken.name, "UnrecognizedClientException");
  const sqsSecret = await failure(queue({ ...role, secretAccessKey: "guessed" }).send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "x" })));
  assert.is(sqsSecret.name, "SignatureDoesNotMatch");
  assert.is(sqsSecret.$metadata.httpStatusCode, 403);
  const sqsUnknown = await failure(queue({ accessKeyId: "ASIAUNKNOWN000000000", secretAccessKey: "x" }).send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "x" })));
  assert.is(sqsUnknown.name, "InvalidClientTokenId");
});

test("a client signing for another region, or with a clock 20 minutes slow, is refused", async () => {
  const region = await failure(ddb(role, { region: "eu-west-1" }).send(new GetItemCommand({ TableName: "gated", Key: { pk: { S: "seed" } } })));
  assert.is(region.name, "InvalidSignatureException");
  assert.is(region.message, "Credential should be scoped to a valid region, not 'eu-west-1'.");
  const slow = await failure(ddb(role, { systemClockOffset: -20 * 60_000 }).send(new GetItemCommand({ TableName: "gated", Key: { pk: { S: "seed" } } })));
  assert.is(slow.name, "InvalidSignatureException");
  assert.match(slow.message, /^Signature expired: \d{8}T\d{6}Z is now earlier than/);
});

test("a tampered body is refused, though its signature was right for the original", async () => {
  // The SDK signs, then a middleware after signing changes what is sent.
  const c = ddb();
  c.middlewareStack.add(
    (next) => async (args) => {
      const req = args.request as { body: string | Uint8Array };
      // Same length, so only the content differs from what was signed.
      req.body = (typeof req.body === "string" ? req.body : new TextDecoder().decode(req.body)).replace('"seed"', '"sees"');
      return next(args);
    },
    { step: "finalizeRequest", priority: "low", name: "tamper" },
  );
  const e = await failure(c.send(new GetItemCommand({ TableName: "gated", Key: { pk: { S: "seed" } } })));
  assert.is(e.name, "InvalidSignatureException");
});

test.run();
