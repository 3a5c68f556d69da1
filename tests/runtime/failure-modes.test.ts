// The failure modes as the functions built by their factories honour them (dynalite and
// local-aws-sqs): slow_downstream past the record's deadline is a retried TIMEOUT, random_fail_p30
// a TRANSIENT failure at its rate, duplicate_submit queues each event twice and the worker stores
// it once; and a replay never stores over another payload's record.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { encodeMessageBody } from "../../runtime/queue-message";
import { ITEM_ATTRIBUTES } from "../../runtime/contract/table";
import { workerFault } from "../../runtime/failure-injection";
import { operatorFactory } from "../../runtime/operator-handler";
import { createDynamoEventStore } from "../../runtime/event-store";
import { adminEvent, apiEvent, cloudEvent, drain, json, lambdaContext, pollOnce, postEvent, queueDepth, queueMessage, receiveAll, startPipeline, storedRecord, type Pipeline } from "./harness";
import { SendMessageCommand } from "@aws-sdk/client-sqs";

let p: Pipeline;
let operator: ReturnType<typeof operatorFactory>;

test.before(async () => {
  p = await startPipeline({ maxReceiveCount: 5, operations: true });
  operator = operatorFactory();
});
test.after(async () => p?.close());

async function setMode(mode: string, params: Record<string, unknown> = {}) {
  const res = await operator(adminEvent({ method: "PUT", path: "/admin/failure-mode", headers: { "content-type": "application/json" }, body: { mode, ...params } }), lambdaContext());
  assert.is(res.statusCode, 200, res.body);
  await new Promise((r) => setTimeout(r, Date.parse(json(res).honouredBy) - Date.now() + 200));
}

async function ingest(): Promise<string> {
  const res = await p.ingest(postEvent(cloudEvent()), lambdaContext());
  assert.is(res.statusCode, 202, res.body);
  return json(res).id as string;
}

test("slow_downstream past the record's deadline: a TIMEOUT, retried and noted; processed once it is off", async () => {
  await setMode("slow_downstream", { latencyMs: 5000 });
  const id = await ingest();
  const poll = await pollOnce(p.b, p.queueUrl, p.worker, { remainingMs: 1500 });
  assert.equal([poll.delivered, poll.failed.length], [1, 1], "reported for a retry");
  assert.is((await storedRecord(p.b, p.table, id))?.rc, "TIMEOUT");
  await setMode("none");
  await drain(p.b, p.queueUrl, p.worker);
  const rec = await storedRecord(p.b, p.table, id);
  assert.equal([rec?.status, rec?.rc, rec?.n], ["processed", undefined, 2], "stored on the second receive; the note goes with the lease");
});

test("random_fail_p30: a TRANSIENT failure when the draw is under 0.3, none above", async () => {
  const mode = async () => ({ mode: "random_fail_p30" as const, setAt: "t" });
  const outcome = (draw: number) => workerFault(mode, () => draw)().then(() => "ok", (e: { category?: string }) => e.category);
  assert.is(await outcome(0.29), "TRANSIENT");
  assert.is(await outcome(0.3), "ok");
  let failed = 0;
  for (let i = 0; i < 1000; i++) await workerFault(mode)().catch(() => failed++);
  assert.ok(failed > 200 && failed < 400, `${failed} of 1000 failed`);
});

test("duplicate_submit: two messages per accepted event; one record, the second delivery a duplicate", async () => {
  await setMode("duplicate_submit");
  const id = await ingest();
  const batch = await p.ingest(apiEvent({ method: "POST", path: "/events/batch", headers: { "content-type": "application/cloudevents-batch+json" }, body: [cloudEvent(), cloudEvent()] }), lambdaContext());
  assert.is(batch.statusCode, 202, batch.body);
  assert.is(await queueDepth(p.b, p.queueUrl), 6, "the single event and the batch's two, each twice");
  await setMode("none");
  await drain(p.b, p.queueUrl, p.worker);
  const items = await p.b.ddb.send(new ScanCommand({ TableName: p.table, ConsistentRead: true }));
  assert.is((items.Items ?? []).filter((i) => i.pk?.S === id).length, 1, "one record per key");
  assert.is((await storedRecord(p.b, p.table, id))?.status, "processed");
  for (const item of json(batch).items) assert.is((await storedRecord(p.b, p.table, item.id))?.status, "processed");
});

test("a replay message with another payload for a stored key is acked and stores nothing", async () => {
  const id = await ingest();
  await drain(p.b, p.queueUrl, p.worker);
  const before = await storedRecord(p.b, p.table, id);
  const forged = encodeMessageBody({ id, key: "ce:forged", payloadHash: "00".repeat(32), receivedAt: new Date().toISOString(), requestId: "r", event: JSON.stringify(cloudEvent()), replay: "replay-run" });
  await p.b.sqsClient.send(new SendMessageCommand({ QueueUrl: p.queueUrl, MessageBody: forged }));
  const poll = await pollOnce(p.b, p.queueUrl, p.worker);
  assert.equal([poll.delivered, poll.failed], [1, []]);
  assert.equal(await storedRecord(p.b, p.table, id), before, "untouched");
  assert.equal(await receiveAll(p.b, p.dlqUrl), []);
});

test("a replay run's message delivered twice stores once: the second copy is a duplicate; a new run stores again", async () => {
  const id = await ingest();
  const [original] = await receiveAll(p.b, p.queueUrl);
  const m = queueMessage(original.body);
  const send = (body: string) => p.b.sqsClient.send(new SendMessageCommand({ QueueUrl: p.queueUrl, MessageBody: body }));
  await send(original.body);
  await drain(p.b, p.queueUrl, p.worker);
  assert.equal([(await storedRecord(p.b, p.table, id))?.status, (await storedRecord(p.b, p.table, id))?.n], ["processed", 1]);

  const replay = encodeMessageBody({ ...m, replay: "replay-run-1" });
  await send(replay);
  await drain(p.b, p.queueUrl, p.worker);
  const first = await storedRecord(p.b, p.table, id);
  assert.equal([first?.status, first?.n, first?.[ITEM_ATTRIBUTES.replayId]], ["processed", 2, "replay-run-1"], "the replay stored, naming its run");

  // The same run's message again (delivered twice, or redriven after it was sent but not deleted).
  await send(replay);
  const again = await pollOnce(p.b, p.queueUrl, p.worker);
  assert.equal([again.delivered, again.failed], [1, []], "acked");
  assert.equal(await storedRecord(p.b, p.table, id), first, "a duplicate: attempts, processed time and all unchanged");

  await send(encodeMessageBody({ ...m, replay: "replay-run-2" }));
  await drain(p.b, p.queueUrl, p.worker);
  const second = await storedRecord(p.b, p.table, id);
  assert.equal([second?.status, second?.n, second?.[ITEM_ATTRIBUTES.replayId]], ["processed", 3, "replay-run-2"], "a new run stores over it");
});

test("a late retry note (a TIMEOUT whose attempt stored after all) never lands on a stored record", async () => {
  const id = await ingest();
  const [message] = await receiveAll(p.b, p.queueUrl);
  const m = queueMessage(message.body);
  const store = createDynamoEventStore(p.b.doc, p.table);
  assert.is(await store.noteRetry(id, m.payloadHash, { category: "TRANSIENT", reason: "first try" }), true, "noted while accepted");
  await p.b.sqsClient.send(new SendMessageCommand({ QueueUrl: p.queueUrl, MessageBody: message.body }));
  await drain(p.b, p.queueUrl, p.worker);
  const stored = await storedRecord(p.b, p.table, id);
  assert.equal([stored?.status, stored?.[ITEM_ATTRIBUTES.retryCategory]], ["processed", undefined]);
  assert.is(await store.noteRetry(id, m.payloadHash, { category: "TIMEOUT", reason: "the attempt's deadline passed" }), false, "refused: no longer waiting");
  assert.equal(await storedRecord(p.b, p.table, id), stored, "the processed record is untouched");
});

test.run();
