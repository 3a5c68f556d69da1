// The event source mapping twin on its own, against a real local-aws-sqs: one poller, an invoke
// function the test scripts, so each Lambda rule is checked deterministically.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ChangeMessageVisibilityCommand, CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { SQSEvent, SQSRecord } from "aws-lambda";
import { recordsToDelete, SqsPoller, toSqsRecord } from "../../local/sqs/poller";
import type { InvokeOutcome } from "../../local/lambda/invoke-outcome";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../local/aws/local-account";
import type { LocalServer } from "../../local/aws/loopback-server";
import { startSqs } from "../../local/sqs/sqs-server";

let server: LocalServer;
let sqs: SQSClient;
let n = 0;

test.before(async () => {
  server = await startSqs();
  sqs = new SQSClient({ region: LOCAL_REGION, endpoint: server.endpoint, credentials: LOCAL_CREDENTIALS });
});
test.after(async () => {
  sqs.destroy();
  await server.close();
});

async function queuePair(visibility: number, maxReceiveCount: number) {
  n += 1;
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `p${n}-dlq` }));
  const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl!, AttributeNames: ["QueueArn"] }))).Attributes!.QueueArn!;
  const q = await sqs.send(
    new CreateQueueCommand({ QueueName: `p${n}`, Attributes: { VisibilityTimeout: String(visibility), RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount }) } }),
  );
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: q.QueueUrl!, AttributeNames: ["QueueArn"] }))).Attributes!.QueueArn!;
  return { url: q.QueueUrl!, arn, dlqUrl: dlq.QueueUrl! };
}

async function send(url: string, bodies: string[]) {
  await sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: bodies.map((b, i) => ({ Id: String(i), MessageBody: b, MessageAttributes: { kind: { DataType: "String", StringValue: "test" } } })) }));
}

async function drain(url: string): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 60 }));
    if (!got.Messages?.length) return out.sort();
    out.push(...got.Messages.map((m) => m.Body!));
  }
}

function ok(value: unknown): InvokeOutcome {
  return { ok: true, value, requestId: `r${Math.random()}`, durationMs: 1, coldStart: false };
}
function failed(timedOut = false): InvokeOutcome {
  return { ok: false, errorType: timedOut ? "Sandbox.Timedout" : "Error", errorMessage: "x", timedOut, requestId: "r", durationMs: 1, coldStart: false };
}

/** `_visibility` is the queue's: the poller itself never assumes one. */
function poller(q: { url: string; arn: string }, _visibility: number, invoke: (e: SQSEvent) => Promise<InvokeOutcome>, over: Partial<ConstructorParameters<typeof SqsPoller>[0]> = {}) {
  return new SqsPoller(
    { logicalName: "m", functionName: "f", queueUrl: q.url, queueArn: q.arn, region: LOCAL_REGION, batchSize: 10, batchingWindowSeconds: 0, reportBatchItemFailures: true, maxConcurrency: 1, enabled: true, ...over },
    { sqs, invoke, log: () => {} },
  );
}

async function until(what: string, check: () => boolean, limitMs = 20_000) {
  const deadline = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const rec = (id: string) => ({ messageId: id }) as SQSRecord;

test("recordsToDelete follows Lambda's partial batch response rules", () => {
  const records = [rec("a"), rec("b"), rec("c")];
  assert.equal(recordsToDelete(records, ok({ batchItemFailures: [{ itemIdentifier: "b" }] }), true)!.map((r) => r.messageId), ["a", "c"]);
  assert.equal(recordsToDelete(records, ok({ batchItemFailures: [] }), true)!.length, 3);
  assert.equal(recordsToDelete(records, ok(null), true)!.length, 3);
  assert.equal(recordsToDelete(records, ok({}), true)!.length, 3);
  assert.is(recordsToDelete(records, ok({ batchItemFailures: [{ itemIdentifier: "zzz" }] }), true), null, "an unknown id fails the whole batch");
  assert.is(recordsToDelete(records, ok({ batchItemFailures: [{ itemIdentifier: "" }] }), true), null, "an empty id fails the whole batch");
  assert.is(recordsToDelete(records, ok({ batchItemFailures: "b" }), true), null);
  assert.is(recordsToDelete(records, failed(), true), null);
  assert.is(recordsToDelete(records, failed(true), true), null);
  assert.equal(recordsToDelete(records, ok({ batchItemFailures: [{ itemIdentifier: "b" }] }), false)!.length, 3, "without ReportBatchItemFailures the response is ignored");
});

test("a Lambda SQS record carries the message, its attributes and the source ARN", () => {
  const r = toSqsRecord(
    { MessageId: "m1", ReceiptHandle: "h", Body: "hi", MD5OfBody: "x", Attributes: { ApproximateReceiveCount: "2", SentTimestamp: "1" }, MessageAttributes: { k: { DataType: "String", StringValue: "v" } } },
    "arn:aws:sqs:us-east-1:123456789012:q",
    "us-east-1",
  );
  assert.is(r.eventSource, "aws:sqs");
  assert.is(r.eventSourceARN, "arn:aws:sqs:us-east-1:123456789012:q");
  assert.is(r.attributes.ApproximateReceiveCount, "2");
  assert.equal(r.messageAttributes.k, { stringValue: "v", stringListValues: [], binaryListValues: [], dataType: "String" });
  assert.is(r.attributes.AWSTraceHeader, undefined, "no trace header unless the sender set one");
  const traced = toSqsRecord({ MessageId: "m2", ReceiptHandle: "h", Body: "", Attributes: { AWSTraceHeader: "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1" } }, "arn:aws:sqs:us-east-1:123456789012:q", "us-east-1");
  assert.is(traced.attributes.AWSTraceHeader, "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1");
});

test("a sender's trace header reaches the function's record", async () => {
  const q = await queuePair(5, 5);
  const header = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
  await sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: "t", MessageSystemAttributes: { AWSTraceHeader: { DataType: "String", StringValue: header } } }));
  const seen: (string | undefined)[] = [];
  const p = poller(q, 5, async (e) => {
    seen.push(...e.Records.map((r) => r.attributes.AWSTraceHeader));
    return ok(null);
  });
  p.start();
  try {
    await until("the delivery", () => seen.length >= 1);
  } finally {
    await p.stop();
  }
  assert.equal(seen, [header]);
});

test("a function that sets a failed message's visibility itself: the SQS twin applies it, and counts no extra receive", async () => {
  const q = await queuePair(30, 5);
  await send(q.url, ["backoff"]);
  const at: { ms: number; count: string }[] = [];
  const p = poller(q, 30, async (e) => {
    at.push({ ms: Date.now(), count: e.Records[0].attributes.ApproximateReceiveCount });
    if (at.length > 1) return ok(null);
    // What the worker's backoff does: 1 s instead of the queue's 30 s, then a reported failure.
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: q.url, ReceiptHandle: e.Records[0].receiptHandle, VisibilityTimeout: 1 }));
    return ok({ batchItemFailures: [{ itemIdentifier: e.Records[0].messageId }] });
  });
  p.start();
  try {
    await until("the second delivery, well before the queue's 30 s", () => at.length >= 2, 10_000);
  } finally {
    await p.stop();
  }
  assert.equal(at.map((a) => a.count), ["1", "2"], "a visibility change is not a receive");
});

test("stop makes a held message visible again even when the function hid it longer than the queue would", async () => {
  const q = await queuePair(1, 5);
  await send(q.url, ["long"]);
  let delivered = 0;
  const p = poller(q, 1, async (e) => {
    delivered += 1;
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: q.url, ReceiptHandle: e.Records[0].receiptHandle, VisibilityTimeout: 600 }));
    return failed();
  });
  p.start();
  try {
    await until("the delivery", () => delivered >= 1);
    // Past the queue's own 1 s: a poller that assumed that timeout would have forgotten the message.
    await new Promise((r) => setTimeout(r, 1_500));
  } finally {
    await p.stop();
  }
  assert.is(delivered, 1, "hidden for the 600 s the function asked");
  assert.equal(await drain(q.url), ["long"], "visible again for whoever saves the queue");
});

test("reported failures stay (and reach the DLQ after maxReceiveCount), the rest is deleted", async () => {
  const q = await queuePair(1, 2);
  await send(q.url, ["a", "b", "c"]);
  const seen: string[][] = [];
  const counts: Record<string, string[]> = {};
  const p = poller(q, 1, async (e) => {
    seen.push(e.Records.map((r) => r.body).sort());
    for (const r of e.Records) (counts[r.body] ??= []).push(r.attributes.ApproximateReceiveCount);
    return ok({ batchItemFailures: e.Records.filter((r) => r.body === "b").map((r) => ({ itemIdentifier: r.messageId })) });
  });
  p.start();
  try {
    await until("b to be delivered twice", () => (counts.b ?? []).length >= 2);
    await until("b to reach the DLQ", () => false, 3_500).catch(() => undefined);
  } finally {
    await p.stop();
  }
  assert.equal(seen[0], ["a", "b", "c"], "one batch of three");
  assert.equal(counts.a, ["1"]);
  assert.equal(counts.c, ["1"]);
  assert.equal(counts.b, ["1", "2"]);
  assert.equal(await drain(q.dlqUrl), ["b"]);
  assert.equal(await drain(q.url), []);
});

test("a failed invocation (error or timeout) fails the whole batch; nothing is deleted", async () => {
  const q = await queuePair(1, 5);
  await send(q.url, ["x", "y"]);
  let calls = 0;
  const delivered: Record<string, number> = {};
  const p = poller(q, 1, async (e) => {
    calls += 1;
    for (const r of e.Records) delivered[r.body] = (delivered[r.body] ?? 0) + 1;
    return calls === 1 ? failed() : calls === 2 ? failed(true) : ok({ batchItemFailures: [] });
  });
  p.start();
  try {
    await until("a successful third delivery", () => calls >= 3 && (delivered.x ?? 0) >= 3 && (delivered.y ?? 0) >= 3);
  } finally {
    await p.stop();
  }
  assert.is(delivered.x, 3);
  assert.is(delivered.y, 3);
  assert.equal(await drain(q.url), []);
});

test("the visibility timeout holds a failed message back until it ends", async () => {
  const q = await queuePair(2, 5);
  await send(q.url, ["v"]);
  const at: number[] = [];
  const p = poller(q, 2, async () => {
    at.push(Date.now());
    return at.length === 1 ? failed() : ok(null);
  });
  p.start();
  try {
    await until("the second delivery", () => at.length >= 2);
  } finally {
    await p.stop();
  }
  // Not a timing goal: SQS must not hand the message out again before its 2 s are over.
  assert.ok(at[1] - at[0] >= 1_900, `redelivered after ${at[1] - at[0]} ms`);
});

test("stop waits for the batch in flight and makes held messages visible again", async () => {
  const q = await queuePair(30, 5);
  await send(q.url, ["held", "done"]);
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let finished = false;
  const p = poller(q, 30, async (e) => {
    await gate;
    finished = true;
    return ok({ batchItemFailures: e.Records.filter((r) => r.body === "held").map((r) => ({ itemIdentifier: r.messageId })) });
  });
  p.start();
  await new Promise((r) => setTimeout(r, 300));
  const stopping = p.stop();
  setTimeout(release, 200);
  await stopping;
  assert.ok(finished, "the in-flight batch finished before stop returned");
  // Without the release it would stay hidden for 30 s; the stack saves what it can see.
  assert.equal(await drain(q.url), ["held"]);
});

test("the batching window gathers messages sent apart into one batch, up to batchSize", async () => {
  const q = await queuePair(10, 5);
  await send(q.url, ["early"]);
  setTimeout(() => void send(q.url, ["late"]), 400);
  const batches: string[][] = [];
  const p = poller(q, 10, async (e) => {
    batches.push(e.Records.map((r) => r.body).sort());
    return ok(null);
  }, { batchingWindowSeconds: 2, batchSize: 2 });
  p.start();
  try {
    await until("a batch", () => batches.length >= 1);
  } finally {
    await p.stop();
  }
  assert.equal(batches[0], ["early", "late"]);
});

test("batches are no larger than batchSize", async () => {
  const q = await queuePair(5, 5);
  await send(q.url, ["1", "2", "3", "4", "5"]);
  const sizes: number[] = [];
  const p = poller(q, 5, async (e) => {
    sizes.push(e.Records.length);
    return ok(null);
  }, { batchSize: 2 });
  p.start();
  try {
    await until("all five delivered", () => sizes.reduce((a, b) => a + b, 0) >= 5);
  } finally {
    await p.stop();
  }
  assert.ok(sizes.every((s) => s <= 2), JSON.stringify(sizes));
});

test.run();
