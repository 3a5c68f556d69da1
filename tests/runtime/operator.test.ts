// The operator function on dynalite and local-aws-sqs, with the real worker: the preview groups
// what failed and consumes nothing, a redrive moves only what matches (a sent-but-undeleted
// message is moved again and stored once), a replay stores failed events as processed and adds
// up their attempts, failure modes are honoured and refused where they do not apply — and every
// AWS call the operator makes is one its contract grants, each grant one it makes.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../local/aws/local-account";
import { FUNCTION_PERMISSIONS, tableActions } from "../../runtime/contract/permissions";
import { createSqsDeadLetters } from "../../runtime/dead-letters";
import { createDynamoEventIndex } from "../../runtime/event-index";
import { createSqsEventQueue } from "../../runtime/event-queue";
import { createDynamoFailureModeStore } from "../../runtime/failure-mode-store";
import { createLogger } from "../../runtime/log";
import { makeOperatorHandler, type OperatorDeps } from "../../runtime/operator-handler";
import { adminEvent, apiEvent, cloudEvent, drain, json, lambdaContext, postEvent, queueDepth, startPipeline, storedRecord, type Pipeline } from "./harness";

// What each SDK command is authorized as (the Service Authorization Reference), written here on
// its own so that the test does not read the mapping it checks.
const ACTION_OF: Record<string, string> = {
  GetCommand: "dynamodb:GetItem",
  PutCommand: "dynamodb:PutItem",
  QueryCommand: "dynamodb:Query",
  BatchGetCommand: "dynamodb:BatchGetItem",
  UpdateCommand: "dynamodb:UpdateItem",
  DeleteCommand: "dynamodb:DeleteItem",
  ScanCommand: "dynamodb:Scan",
  SendMessageCommand: "sqs:SendMessage",
  SendMessageBatchCommand: "sqs:SendMessage",
  ReceiveMessageCommand: "sqs:ReceiveMessage",
  ChangeMessageVisibilityBatchCommand: "sqs:ChangeMessageVisibility",
  ChangeMessageVisibilityCommand: "sqs:ChangeMessageVisibility",
  DeleteMessageCommand: "sqs:DeleteMessage",
  DeleteMessageBatchCommand: "sqs:DeleteMessage",
  GetQueueAttributesCommand: "sqs:GetQueueAttributes",
  PurgeQueueCommand: "sqs:PurgeQueue",
};

let p: Pipeline;
const calls = { table: new Set<string>(), queue: new Set<string>(), dlq: new Set<string>() };
let deps: OperatorDeps;

function recorded<C extends { send(command: unknown, ...rest: unknown[]): Promise<unknown> }>(client: C): C {
  const send = client.send.bind(client);
  client.send = ((command: { constructor: { name: string }; input: Record<string, unknown> }, ...rest: unknown[]) => {
    const action = ACTION_OF[command.constructor.name] ?? `unknown:${command.constructor.name}`;
    const url = command.input.QueueUrl;
    const where = url === undefined ? "table" : url === p.dlqUrl ? "dlq" : url === p.queueUrl ? "queue" : `other ${String(url)}`;
    (calls as Record<string, Set<string>>)[where]?.add(action) ?? assert.unreachable(`a call on ${where}`);
    return send(command, ...rest);
  }) as C["send"];
  return client;
}

test.before(async () => {
  p = await startPipeline({ maxReceiveCount: 2, operations: true, env: { SLUICE_UNKNOWN_TYPES: "accept" } });
  const common = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
  const doc = recorded(DynamoDBDocumentClient.from(new DynamoDBClient({ ...common, endpoint: p.b.dynamo.endpoint }), { marshallOptions: { removeUndefinedValues: true } }));
  const sqs = recorded(new SQSClient({ ...common, endpoint: p.b.sqs.endpoint }));
  deps = {
    dlq: createSqsDeadLetters(sqs, p.dlqUrl),
    queue: createSqsEventQueue(sqs, p.queueUrl),
    index: createDynamoEventIndex(doc, p.table),
    modes: createDynamoFailureModeStore(doc, p.table),
    stage: "test",
    failureModes: true,
    failureModeRefreshSeconds: 1,
    listIndex: true,
    log: createLogger({ fn: "operator" }, { level: "silent" }),
  };
});
test.after(async () => p?.close());

const operator = () => makeOperatorHandler(deps);
const admin = async (method: string, path: string, body?: unknown, query: Record<string, string> = {}) => {
  const event = adminEvent({ method, path, headers: body === undefined ? {} : { "content-type": "application/json" }, body });
  event.rawQueryString = new URLSearchParams(query).toString();
  if (Object.keys(query).length > 0) event.queryStringParameters = query;
  const res = await operator()(event, lambdaContext(30_000));
  return { status: res.statusCode, body: json(res) };
};
const setMode = async (mode: string, params: Record<string, unknown> = {}) => {
  const a = await admin("PUT", "/admin/failure-mode", { mode, ...params });
  assert.is(a.status, 200, JSON.stringify(a.body));
  await new Promise((r) => setTimeout(r, Date.parse(a.body.honouredBy) - Date.now() + 200));
};
const ingest = async (overrides: Record<string, unknown>) => {
  const res = await p.ingest(postEvent(cloudEvent(overrides)), lambdaContext());
  assert.is(res.statusCode, 202, res.body);
  return json(res).id as string;
};

test("preview groups, consumes nothing; a redrive moves only the matching; a sent-but-undeleted message is moved again and stored once", async () => {
  await setMode("poison_payload", { category: "TRANSIENT" });
  const a = [await ingest({ source: "urn:s1", type: "t.a" }), await ingest({ source: "urn:s1", type: "t.a" })];
  const b = [await ingest({ source: "urn:s2", type: "t.b" }), await ingest({ source: "urn:s2", type: "t.b" })];
  await drain(p.b, p.queueUrl, p.worker);
  assert.is(await queueDepth(p.b, p.dlqUrl), 4, "every one dead-lettered after two receives");
  assert.is((await storedRecord(p.b, p.table, a[0]))?.rc, "TRANSIENT", "the retried failure is noted on the record");

  const all = await admin("GET", "/admin/dlq");
  assert.equal([all.status, all.body.matched, all.body.complete], [200, 4, true]);
  assert.equal(all.body.groups.map((g: any) => [g.category, g.type, g.source, g.count]).sort(), [["TRANSIENT", "t.a", "urn:s1", 2], ["TRANSIENT", "t.b", "urn:s2", 2]]);
  for (const [query, n] of [[{ source: "urn:s1" }, 2], [{ type: "t.b" }, 2], [{ category: "TIMEOUT" }, 0], [{ minAgeSeconds: "3600" }, 0], [{ count: "3" }, 3]] as const) {
    assert.is((await admin("GET", "/admin/dlq", undefined, query)).body.matched, n, JSON.stringify(query));
  }
  assert.is((await admin("GET", "/admin/dlq", undefined, { colour: "red" })).status, 400);
  assert.is(await queueDepth(p.b, p.dlqUrl), 4, "previews consume nothing");

  await setMode("none");
  const plan = await admin("POST", "/admin/dlq/redrive", { source: "urn:s1", dryRun: true });
  assert.equal([plan.body.dryRun, plan.body.wouldMove], [true, 2]);
  assert.is(await queueDepth(p.b, p.queueUrl), 0, "a dry run sends nothing");
  const moved = await admin("POST", "/admin/dlq/redrive", { source: "urn:s1", jitterSeconds: 0 });
  assert.equal([moved.body.moved, moved.body.sendFailed, moved.body.notDeleted], [2, 0, 0]);
  assert.is(await queueDepth(p.b, p.dlqUrl), 2, "the other source stays");
  await drain(p.b, p.queueUrl, p.worker);
  for (const id of a) assert.is((await storedRecord(p.b, p.table, id))?.status, "processed");

  // The run dies between the send and the delete of one message: it stays in the DLQ, queued too.
  const failing = { ...deps, dlq: { ...deps.dlq, remove: async () => Promise.reject(Object.assign(new Error("connection reset"), { dependency: "sqs" })) } };
  const broken = await makeOperatorHandler(failing)(adminEvent({ method: "POST", path: "/admin/dlq/redrive", headers: { "content-type": "application/json" }, body: { source: "urn:s2", count: 1 } }), lambdaContext());
  assert.equal([json(broken).moved, json(broken).notDeleted], [1, 1]);
  assert.is(await queueDepth(p.b, p.dlqUrl), 2, "the undeleted one is still there");
  const rerun = await admin("POST", "/admin/dlq/redrive", { source: "urn:s2" });
  assert.equal([rerun.body.moved, rerun.body.notDeleted], [2, 0]);
  assert.is(await queueDepth(p.b, p.dlqUrl), 0);
  await drain(p.b, p.queueUrl, p.worker);
  for (const id of b) assert.is((await storedRecord(p.b, p.table, id))?.status, "processed", "the duplicate changed nothing");
});

test("a request without API Gateway's IAM identity is refused with a 403 problem, logged, and runs nothing", async () => {
  const lines: any[] = [];
  const logged = makeOperatorHandler({ ...deps, log: createLogger({ fn: "operator" }, { sink: (l) => lines.push(JSON.parse(l)) }) });
  const before = await queueDepth(p.b, p.queueUrl);
  for (const event of [
    apiEvent({ method: "GET", path: "/admin/dlq" }),
    apiEvent({ method: "POST", path: "/admin/replay", headers: { "content-type": "application/json" }, body: { source: "urn:s3", status: "processed" } }),
    apiEvent({ method: "PUT", path: "/admin/failure-mode", headers: { "content-type": "application/json" }, body: { mode: "none" } }),
    { ...apiEvent({ method: "GET", path: "/admin/dlq" }), requestContext: { ...apiEvent({ method: "GET", path: "/admin/dlq" }).requestContext, authorizer: { iam: {} } } } as never,
  ]) {
    const res = await logged(event, lambdaContext());
    assert.equal([res.statusCode, json(res).type], [403, "urn:sluice:problem:caller-not-authorized"], res.body);
  }
  assert.is(lines.filter((l) => l.level === "error" && /without an IAM identity/.test(l.msg) && l.requestId).length, 4, JSON.stringify(lines));
  assert.is(await queueDepth(p.b, p.queueUrl), before, "nothing was replayed");
  assert.is((await logged(adminEvent({ method: "GET", path: "/admin/dlq" }), lambdaContext())).statusCode, 200, "the same request with the identity runs");
});

test("a DLQ filter's category is a failure category, UNKNOWN or UNREADABLE; a replay's one stored as failed", async () => {
  for (const category of ["transient", "NOPE", "TRANSIENT "]) {
    const preview = await admin("GET", "/admin/dlq", undefined, { category });
    assert.equal([preview.status, preview.body.type, preview.body.errors?.[0]?.path], [400, "urn:sluice:problem:invalid-query", "category"], JSON.stringify(preview.body));
    assert.match(preview.body.errors[0].message, /TRANSIENT.*UNKNOWN, UNREADABLE/);
    const redrive = await admin("POST", "/admin/dlq/redrive", { category, dryRun: true });
    assert.equal([redrive.status, redrive.body.errors?.[0]?.path], [422, "/category"], JSON.stringify(redrive.body));
  }
  for (const category of ["VALIDATION", "TRANSIENT", "PERMANENT", "TIMEOUT", "PROCESSING", "UNKNOWN", "UNREADABLE"]) {
    assert.is((await admin("GET", "/admin/dlq", undefined, { category })).status, 200, category);
  }
  const replay = await admin("POST", "/admin/replay", { category: "TRANSIENT", dryRun: true });
  assert.equal([replay.status, replay.body.errors?.[0]?.path], [422, "/category"], "retried categories are never stored as failed");
  assert.is((await admin("POST", "/admin/replay", { category: "PROCESSING", dryRun: true })).status, 200);
});

test("fields named like Object.prototype's members are refused by name, never a 500", async () => {
  for (const body of ['{"constructor":1}', '{"__proto__":1}', '{"toString":"x"}']) {
    for (const path of ["/admin/replay", "/admin/dlq/redrive", "/admin/failure-mode"]) {
      const res = await admin(path.endsWith("mode") ? "PUT" : "POST", path, path.endsWith("mode") ? `{"mode":"none",${body.slice(1)}` : body);
      assert.equal([res.status, res.body.errors?.[0]?.path], [422, `/${Object.keys(JSON.parse(body))[0]}`], `${path} ${body}: ${JSON.stringify(res.body)}`);
    }
  }
  for (const name of ["hasOwnProperty", "constructor", "__proto__"]) {
    const res = await admin("GET", "/admin/dlq", undefined, { [name]: "1" });
    assert.equal([res.status, res.body.type, res.body.errors?.[0]?.path], [400, "urn:sluice:problem:invalid-query", name], JSON.stringify(res.body));
  }
});

test("a replay stores failed events as processed, adding up their attempts; replaying is safe to repeat", async () => {
  await setMode("poison_payload", { category: "PROCESSING" });
  const ids = [await ingest({ source: "urn:s3" }), await ingest({ source: "urn:s3" }), await ingest({ source: "urn:s3" })];
  await drain(p.b, p.queueUrl, p.worker);
  for (const id of ids) assert.equal([(await storedRecord(p.b, p.table, id))?.status, (await storedRecord(p.b, p.table, id))?.ec], ["failed", "PROCESSING"]);
  await setMode("none");
  const dry = await admin("POST", "/admin/replay", { source: "urn:s3", dryRun: true });
  assert.equal([dry.body.wouldReplay, dry.body.complete], [3, true]);
  const run = await admin("POST", "/admin/replay", { source: "urn:s3", category: "PROCESSING", jitterSeconds: 0 });
  assert.equal([run.status, run.body.replayed, run.body.skipped], [200, 3, 0], JSON.stringify(run.body));
  await drain(p.b, p.queueUrl, p.worker);
  for (const id of ids) {
    const rec = await storedRecord(p.b, p.table, id);
    assert.equal([rec?.status, rec?.ec, rec?.er, rec?.n], ["processed", undefined, undefined, 2], id);
  }
  assert.equal((await admin("POST", "/admin/replay", { source: "urn:s3" })).body.selected, 0, "nothing failed is left");
  const processed = await admin("POST", "/admin/replay", { source: "urn:s3", status: "processed" });
  assert.is(processed.body.replayed, 3);
  await drain(p.b, p.queueUrl, p.worker);
  for (const id of ids) assert.equal([(await storedRecord(p.b, p.table, id))?.status, (await storedRecord(p.b, p.table, id))?.n], ["processed", 3]);
  assert.is((await admin("POST", "/admin/replay", { status: "processed" })).status, 422, "processed events need a source (the by-source index)");
  assert.is((await admin("POST", "/admin/replay", { status: "accepted" })).status, 422, "events in flight are the DLQ's to redrive");
});

test("failure modes: shown, validated, and refused on a stack where they do not apply", async () => {
  const shown = await admin("GET", "/admin/failure-mode");
  assert.equal([shown.body.mode, shown.body.available], ["none", true]);
  const bad = await admin("PUT", "/admin/failure-mode", { mode: "slow_downstream", latencyMs: -1, category: "X" });
  assert.equal([bad.status, bad.body.errors.map((e: any) => e.path).sort()], [422, ["/category", "/latencyMs"]]);
  const prod = makeOperatorHandler({ ...deps, failureModes: false, stage: "prod" });
  const refused = await prod(adminEvent({ method: "PUT", path: "/admin/failure-mode", headers: { "content-type": "application/json" }, body: { mode: "poison_payload" } }), lambdaContext());
  assert.is(refused.statusCode, 403);
  assert.is(json(refused).type, "urn:sluice:problem:failure-modes-off");
  assert.equal(json(await prod(adminEvent({ method: "GET", path: "/admin/failure-mode" }), lambdaContext())).available, false);
});

test("every AWS call the operator made is one its contract grants, and it made every one the contract grants", () => {
  const granted = FUNCTION_PERMISSIONS.operator;
  // This run switches failure modes, so the failure mode item's actions are among the grants.
  assert.equal([...calls.table].sort(), tableActions("operator", { failureModes: true }).sort(), "table");
  assert.equal([...calls.queue].sort(), [...granted.queue].sort(), "main queue");
  assert.equal([...calls.dlq].sort(), [...granted.dlq].sort(), "DLQ");
});

test.run();
