// The SQS twin's memory of what it holds: the journal (what was sent and not deleted, compacted
// while it runs, the last receive a redrive allows), a journal set aside for a resend (merged with
// what an interrupted one left), and the guard that keeps one message from crashing every resend.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SqsJournal } from "../../local/sqs/journal";
import { JournalReplay } from "../../local/sqs/journal-replay";
import { readJournal, resendQueue } from "../../local/sqs/journal-state";
import { QUARANTINE_FILE, ResendGuard } from "../../local/sqs/resend-guard";

const json = (o: unknown) => Buffer.from(JSON.stringify(o));
const url = (q: string) => `http://127.0.0.1:1/123456789012/${q}`;

function inTempDir(prefix: string, body: (dir: string) => void | Promise<void>): () => Promise<void> {
  return async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    try {
      await body(dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
}

test(
  "the SQS journal keeps what was sent and not deleted, and ignores a line cut by a crash",
  inTempDir("sluice-journal-", (dir) => {
    const j = new SqsJournal(SqsJournal.fileIn(dir));
    const q = url("q");
    j.record({ action: "SendMessage", status: 200, requestBody: json({ QueueUrl: q, MessageBody: "a" }), responseBody: json({ MessageId: "m-a" }) });
    j.record({ action: "SendMessageBatch", status: 200, requestBody: json({ QueueUrl: q, Entries: [{ Id: "0", MessageBody: "b" }, { Id: "1", MessageBody: "c" }] }), responseBody: json({ Successful: [{ Id: "0", MessageId: "m-b" }, { Id: "1", MessageId: "m-c" }] }) });
    j.record({ action: "SendMessage", status: 400, requestBody: json({ QueueUrl: q, MessageBody: "refused" }), responseBody: json({ MessageId: "m-x" }) });
    j.record({ action: "ReceiveMessage", status: 200, requestBody: json({}), responseBody: json({ Messages: [{ MessageId: "m-a", ReceiptHandle: "h-a" }, { MessageId: "m-b", ReceiptHandle: "h-b" }] }) });
    j.record({ action: "DeleteMessage", status: 200, requestBody: json({ QueueUrl: q, ReceiptHandle: "h-a" }), responseBody: json({}) });
    j.record({ action: "DeleteMessageBatch", status: 200, requestBody: json({ QueueUrl: q, Entries: [{ Id: "0", ReceiptHandle: "h-b" }] }), responseBody: json({ Successful: [], Failed: [{ Id: "0" }] }) });
    j.close(false);
    fs.appendFileSync(SqsJournal.fileIn(dir), '{"op":"send","m":{"queue":"q","id":"m-cut"');
    assert.equal(SqsJournal.pending(dir).map((m) => [m.queue, m.id, m.body]), [["q", "m-b", "b"], ["q", "m-c", "c"]]);
  }),
);

test(
  "the SQS journal is compacted while it runs: it stays near what SQS holds, and still says the same",
  inTempDir("sluice-compact-", (dir) => {
    const j = new SqsJournal(SqsJournal.fileIn(dir));
    j.record({ action: "CreateQueue", status: 200, requestBody: json({ QueueName: "q", Attributes: { VisibilityTimeout: "5" } }), responseBody: json({ QueueUrl: url("q") }) });
    j.record({ action: "CreateQueue", status: 200, requestBody: json({ QueueName: "dlq" }), responseBody: json({ QueueUrl: url("dlq") }) });
    const body = "x".repeat(200);
    for (let i = 0; i < 10_000; i++) {
      j.record({ action: "SendMessage", status: 200, requestBody: json({ QueueUrl: url("q"), MessageBody: body }), responseBody: json({ MessageId: `m-${i}` }) });
      if (i % 1000 === 7) continue; // ten messages are never deleted
      j.record({ action: "ReceiveMessage", status: 200, requestBody: json({ QueueUrl: url("q") }), responseBody: json({ Messages: [{ MessageId: `m-${i}`, ReceiptHandle: `h-${i}` }] }) });
      j.record({ action: "DeleteMessage", status: 200, requestBody: json({ QueueUrl: url("q"), ReceiptHandle: `h-${i}` }), responseBody: Buffer.alloc(0) });
    }
    // The redrive moved one to the DLQ: it is received from there.
    j.record({ action: "ReceiveMessage", status: 200, requestBody: json({ QueueUrl: url("dlq") }), responseBody: json({ Messages: [{ MessageId: "m-7", ReceiptHandle: "h-dlq" }] }) });
    assert.ok(j.compactions > 0, "compacted while running");
    assert.ok(fs.statSync(SqsJournal.fileIn(dir)).size < 1024 * 1024, `the file stays small: ${fs.statSync(SqsJournal.fileIn(dir)).size} bytes`);
    j.close(false);
    const state = readJournal(SqsJournal.fileIn(dir));
    assert.equal([...state.queues.keys()], ["q", "dlq"]);
    assert.equal(state.queues.get("q"), { VisibilityTimeout: "5" });
    assert.equal([...state.live.values()].map((m) => [m.id, m.queue]), [
      ["m-7", "dlq"], ["m-1007", "q"], ["m-2007", "q"], ["m-3007", "q"], ["m-4007", "q"], ["m-5007", "q"], ["m-6007", "q"], ["m-7007", "q"], ["m-8007", "q"], ["m-9007", "q"],
    ]);
  }),
);

test(
  "a resend that died on a batch sends those messages one at a time next; one that died alone is quarantined, not sent",
  inTempDir("sluice-guard-", async (dir) => {
    const messages = Array.from({ length: 25 }, (_, i) => ({ id: `m-${i}`, body: `b-${i}` }));
    const marker = path.join(dir, "sqs-resend-test.marker");
    const sends: string[][] = [];
    const send = async (batch: { id: string }[]) => {
      sends.push(batch.map((m) => m.id));
      // What the next attempt would find, had the process died in this send.
      assert.equal(JSON.parse(fs.readFileSync(marker, "utf8")).ids, batch.map((m) => m.id));
    };
    const first = await new ResendGuard(dir, "test").resend(messages, send);
    assert.equal(sends.map((b) => b.length), [10, 10, 5]);
    assert.equal([first.sent, first.quarantined.length, fs.existsSync(marker)], [25, 0, false]);

    // The process died while sending the second batch.
    sends.length = 0;
    fs.writeFileSync(marker, JSON.stringify({ ids: messages.slice(10, 20).map((m) => m.id) }));
    await new ResendGuard(dir, "test").resend(messages, send);
    assert.equal(sends.slice(0, 10), messages.slice(10, 20).map((m) => [m.id]), "the suspects go one at a time, first");
    assert.equal(sends.slice(10).flat().length, 15);

    // Then it died sending m-13 alone: m-13 is set aside.
    sends.length = 0;
    fs.writeFileSync(marker, JSON.stringify({ ids: ["m-13"] }));
    const third = await new ResendGuard(dir, "test").resend(messages, send);
    assert.equal(third.quarantined.map((m) => m.id), ["m-13"]);
    assert.not.ok(sends.flat().includes("m-13"));
    assert.is(sends.flat().length, 24);
    assert.is(JSON.parse(fs.readFileSync(path.join(dir, QUARANTINE_FILE), "utf8").trim()).message.body, "b-13");
    // Another source's marker is its own.
    fs.writeFileSync(marker, JSON.stringify({ ids: ["m-1"] }));
    assert.is((await new ResendGuard(dir, "other").resend(messages, async () => {})).quarantined.length, 0);
  }),
);

test(
  "a message received for the last time its redrive allows is re-sent to the DLQ",
  inTempDir("sluice-spent-", (dir) => {
    const j = new SqsJournal(SqsJournal.fileIn(dir));
    j.record({ action: "CreateQueue", status: 200, requestBody: json({ QueueName: "dlq" }), responseBody: json({ QueueUrl: url("dlq") }) });
    const redrive = JSON.stringify({ deadLetterTargetArn: "arn:aws:sqs:us-east-1:123456789012:dlq", maxReceiveCount: 2 });
    j.record({ action: "CreateQueue", status: 200, requestBody: json({ QueueName: "q", Attributes: { RedrivePolicy: redrive } }), responseBody: json({ QueueUrl: url("q") }) });
    for (const id of ["m-1", "m-2"]) j.record({ action: "SendMessage", status: 200, requestBody: json({ QueueUrl: url("q"), MessageBody: id }), responseBody: json({ MessageId: id }) });
    for (const count of ["1", "2"]) j.record({ action: "ReceiveMessage", status: 200, requestBody: json({ QueueUrl: url("q") }), responseBody: json({ Messages: [{ MessageId: "m-1", ReceiptHandle: `h-${count}`, Attributes: { ApproximateReceiveCount: count } }] }) });
    j.close(false);
    const state = readJournal(SqsJournal.fileIn(dir));
    assert.equal([...state.live.values()].map((m) => [m.id, resendQueue(m, state)]), [["m-1", "dlq"], ["m-2", "q"]]);
  }),
);

test(
  "a new run takes over the journal and what an interrupted twin restart had not re-sent, merged",
  inTempDir("sluice-aside-", (dir) => {
    const write = (file: string, ids: string[]) =>
      fs.writeFileSync(file, ['{"op":"create","name":"q","attributes":{}}', ...ids.map((id) => JSON.stringify({ op: "send", m: { queue: "q", id, body: id } }))].join("\n") + "\n");
    write(SqsJournal.fileIn(dir), ["m-new"]);
    write(`${SqsJournal.fileIn(dir)}.restart`, ["m-restart"]);
    JournalReplay.setAside(dir, "replay");
    assert.not.ok(fs.existsSync(SqsJournal.fileIn(dir)));
    assert.not.ok(fs.existsSync(`${SqsJournal.fileIn(dir)}.restart`));
    assert.equal(JournalReplay.load(dir, "replay").pending().map((m) => m.id).sort(), ["m-new", "m-restart"]);
  }),
);

test.run();
