// The twins' supervision: a twin process that is killed comes back on its data — dynalite's
// LevelDB, and for SQS the journal its process owns — with a pause that doubles per crash in a
// row; and a whole local stack keeps answering while its DynamoDB is down (503 with Retry-After)
// and loses nothing it acknowledged. Local only: it tests the emulator.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand, waitUntilTableExists } from "@aws-sdk/client-dynamodb";
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { parseChaos } from "../../local/aws/chaos-spec";
import { GateSettings } from "../../local/aws/gate-settings";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../local/aws/local-account";
import { TwinSupervisor } from "../../local/aws/twin-supervisor";
import { startLocalStack } from "../../local/stack";
import { roleGateConfig } from "./role-gate-config";
import { cloudEvent, eventually, httpClient, json, TARGET_ENV } from "./target";

const deployed = (process.env[TARGET_ENV] ?? "").startsWith("deployed");
const aws = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
/** Short retries (see run.ts), so what failed during the outage is stored again in seconds. */
const FAST = { "sluice:workerTimeoutSeconds": "1", "sluice:batchingWindowSeconds": "0", "sluice:maxReceiveCount": "2", "sluice:retryBaseSeconds": "1", "sluice:retryMaxSeconds": "2" };

/** Kills the twin's process and waits until its supervisor has another one up. */
async function crash(twin: TwinSupervisor): Promise<void> {
  const pid = twin.status().pid!;
  process.kill(pid, "SIGKILL");
  await eventually(`the ${twin.status().service} twin back up`, async () => {
    const s = twin.status();
    return s.state === "up" && s.pid !== pid ? true : undefined;
  });
}

if (deployed) {
  test.skip("twin supervision — skipped: it tests the local emulator", () => {});
} else {
  let tmp: string;
  const logs: string[] = [];
  test.before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-supervision-"));
  });
  test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const twin = (service: "dynamodb" | "sqs", dir: string, gates = new GateSettings()) => new TwinSupervisor({ service, dataDir: dir, gates, log: (l) => logs.push(l), onCounters: () => {} });

  test("a killed SQS twin comes back with this run's queues and every message not deleted, on the same endpoint", async () => {
    const sqs = twin("sqs", path.join(tmp, "sqs"));
    await sqs.start();
    const client = new SQSClient({ ...aws, endpoint: sqs.endpoint });
    try {
      const dlq = (await client.send(new CreateQueueCommand({ QueueName: "sup-dlq" }))).QueueUrl!;
      const dlqArn = (await client.send(new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ["QueueArn"] }))).Attributes!.QueueArn!;
      const redrive = JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 3 });
      const url = (await client.send(new CreateQueueCommand({ QueueName: "sup", Attributes: { VisibilityTimeout: "30", RedrivePolicy: redrive } }))).QueueUrl!;
      for (const body of ["a", "b", "c", "d"]) await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
      // One deleted, one received and in flight (hidden for 30 s) when the twin dies.
      const got = (await client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 2 }))).Messages!;
      await client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: got[0].ReceiptHandle! }));
      await crash(sqs);
      assert.is(sqs.status().restarts, 1);
      const attrs = (await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["All"] }))).Attributes!;
      assert.equal([attrs.VisibilityTimeout, attrs.RedrivePolicy && JSON.parse(attrs.RedrivePolicy)], ["30", JSON.parse(redrive)]);
      const bodies: string[] = [];
      for (let i = 0; i < 5; i++) bodies.push(...((await client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }))).Messages ?? []).map((m) => m.Body!));
      assert.equal(bodies.sort(), ["a", "b", "c", "d"].filter((b) => b !== got[0].Body), "the in-flight message comes back, the deleted one does not");
    } finally {
      client.destroy();
      await sqs.stop();
    }
  });

  test("a message on its last receive the redrive allows is in the DLQ after a restart, as its next receive would have put it", async () => {
    const sqs = twin("sqs", path.join(tmp, "spent"));
    await sqs.start();
    const client = new SQSClient({ ...aws, endpoint: sqs.endpoint });
    try {
      const dlq = (await client.send(new CreateQueueCommand({ QueueName: "spent-dlq" }))).QueueUrl!;
      const dlqArn = (await client.send(new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ["QueueArn"] }))).Attributes!.QueueArn!;
      const url = (await client.send(new CreateQueueCommand({ QueueName: "spent", Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 }) } }))).QueueUrl!;
      const receive = async (q: string) => (await client.send(new ReceiveMessageCommand({ QueueUrl: q, MaxNumberOfMessages: 1, VisibilityTimeout: 0, AttributeNames: ["All"] }))).Messages ?? [];
      await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "poison" }));
      // Received twice (visible again at once): it has no receive left.
      for (let i = 0; i < 2; i++) assert.equal((await receive(url)).map((m) => m.Body), ["poison"]);
      await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "fresh" }));
      await crash(sqs);
      const bodies = async (q: string) => {
        const out: string[] = [];
        for (let i = 0; i < 3; i++) out.push(...(await receive(q)).map((m) => m.Body!));
        return [...new Set(out)];
      };
      assert.equal(await bodies(dlq), ["poison"]);
      assert.equal(await bodies(url), ["fresh"]);
    } finally {
      client.destroy();
      await sqs.stop();
    }
  });

  test("a twin that keeps crashing is restarted after pauses that double: 250, 500, 1000 ms", async () => {
    const dynamo = twin("dynamodb", path.join(tmp, "loop"));
    await dynamo.start();
    logs.length = 0;
    try {
      for (let i = 0; i < 3; i++) await crash(dynamo);
      const pauses = logs.filter((l) => l.includes("twin crashed")).map((l) => JSON.parse(l) as { restartInMs: number; crashesInARow: number });
      assert.equal(pauses.map((p) => [p.crashesInARow, p.restartInMs]), [[1, 250], [2, 500], [3, 1000]]);
    } finally {
      await dynamo.stop();
    }
  });

  test("a killed DynamoDB twin comes back on its LevelDB store: what it acknowledged is there", async () => {
    const dynamo = twin("dynamodb", path.join(tmp, "ddb"));
    await dynamo.start();
    const ddb = new DynamoDBClient({ ...aws, endpoint: dynamo.endpoint });
    try {
      await ddb.send(new CreateTableCommand({ TableName: "sup", AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }], KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }], BillingMode: "PAY_PER_REQUEST" }));
      await ddb.send(new PutItemCommand({ TableName: "sup", Item: { pk: { S: "kept" } } }));
      await crash(dynamo);
      assert.ok((await ddb.send(new GetItemCommand({ TableName: "sup", Key: { pk: { S: "kept" } } }))).Item);
    } finally {
      ddb.destroy();
      await dynamo.stop();
    }
  });

  test("a restarted twin runs the gates it ran before: IAM's config and the faults come with its start", async () => {
    const { iam, role } = roleGateConfig("sup-reader", [{ Effect: "Allow", Action: ["dynamodb:GetItem", "dynamodb:Query"], Resource: "*" }]);
    const dynamo = twin("dynamodb", path.join(tmp, "gated"), new GateSettings({ iam, chaos: parseChaos(["dynamodb:Query=error:1"]) }));
    await dynamo.start();
    const tool = new DynamoDBClient({ ...aws, endpoint: dynamo.endpoint });
    const reader = new DynamoDBClient({ ...aws, credentials: role, maxAttempts: 1, endpoint: dynamo.endpoint });
    const stranger = new DynamoDBClient({ ...aws, credentials: { accessKeyId: "AKIASTRANGER00000000", secretAccessKey: "x" }, maxAttempts: 1, endpoint: dynamo.endpoint });
    const errorName = (p: Promise<unknown>) => p.then(() => "none", (e: Error) => e.name);
    const enforced = async () => {
      assert.ok((await reader.send(new GetItemCommand({ TableName: "gated", Key: { pk: { S: "kept" } } }))).Item, "the role's grant holds");
      assert.is(await errorName(reader.send(new PutItemCommand({ TableName: "gated", Item: { pk: { S: "no" } } }))), "AccessDeniedException");
      assert.is(await errorName(stranger.send(new GetItemCommand({ TableName: "gated", Key: { pk: { S: "kept" } } }))), "UnrecognizedClientException");
      assert.is(await errorName(reader.send(new QueryCommand({ TableName: "gated", KeyConditionExpression: "pk = :k", ExpressionAttributeValues: { ":k": { S: "kept" } } }))), "InternalServerError");
    };
    try {
      await tool.send(new CreateTableCommand({ TableName: "gated", AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }], KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }], BillingMode: "PAY_PER_REQUEST" }));
      // dynalite makes a table ACTIVE a moment after it answers CreateTable.
      await waitUntilTableExists({ client: tool, minDelay: 1, maxDelay: 1, maxWaitTime: 10 }, { TableName: "gated" });
      await tool.send(new PutItemCommand({ TableName: "gated", Item: { pk: { S: "kept" } } }));
      await enforced();
      await crash(dynamo);
      await enforced();
    } finally {
      for (const c of [tool, reader, stranger]) c.destroy();
      await dynamo.stop();
    }
  });

  test("the stack survives its DynamoDB twin being killed: 503 with Retry-After meanwhile, and every acknowledged event stored", async () => {
    const stack = await startLocalStack({ stack: "dev", port: 0, dataDir: path.join(tmp, "stack"), config: FAST, log: () => {} });
    const api = httpClient(stack.apiUrl);
    const acked: string[] = [];
    const unavailable: Array<string | undefined> = [];
    const post = async () => {
      const r = await api.post("events", { body: JSON.stringify(cloudEvent()), headers: { "content-type": "application/cloudevents+json" } });
      if (r.statusCode === 202) acked.push(json(r).id as string);
      else if (r.statusCode === 503) unavailable.push(r.headers["retry-after"] as string | undefined);
      else throw new Error(`unexpected ${r.statusCode}: ${r.body}`);
    };
    try {
      for (let i = 0; i < 5; i++) await post();
      const dynamo = () => stack.twins().find((t) => t.service === "dynamodb")!;
      // Requests while it is down; a restart that wins the race is met by another crash, and the
      // pause before the next restart doubles each time.
      for (let round = 0; unavailable.length === 0 && round < 5; round++) {
        process.kill(dynamo().pid!, "SIGKILL");
        await Promise.all(Array.from({ length: 6 }, post));
        await eventually("the DynamoDB twin back up", async () => (dynamo().state === "up" ? true : undefined));
      }
      assert.ok(unavailable.length > 0, "requests during the outage were answered 503");
      assert.ok(unavailable.every((r) => r !== undefined && Number(r) > 0), `every 503 carries Retry-After: ${JSON.stringify(unavailable)}`);
      for (let i = 0; i < 5; i++) await post();
      for (const id of acked) {
        await eventually(`${id} processed`, async () => {
          const r = await api.get(`events/${id}`);
          return r.statusCode === 200 && json(r).status === "processed" ? true : undefined;
        });
      }
      assert.ok(dynamo().restarts >= 1);
    } finally {
      await stack.stop();
    }
  });
}

test.run();
