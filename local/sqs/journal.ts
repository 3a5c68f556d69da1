// A write-ahead record of what local-aws-sqs holds, for crashes. local-aws-sqs lives in memory, in
// the SQS twin's process, which owns this journal: every queue CreateQueue makes, every message
// SendMessage(Batch) accepts and every DeleteMessage(Batch) that removes one is appended here, so
// that a restarted twin (twin-process.ts), or the next start after a crash of the whole stack,
// sends again what was accepted and never deleted. Delivery is at least once, as on SQS: a message
// that was being processed when the twin died comes back. The journal is compacted while it runs
// (rewritten as what it still holds) whenever it has grown to twice that.
import * as fs from "node:fs";
import * as path from "node:path";
import type { Exchange } from "../aws/request-observer";
import { applyLine, emptyJournalState, expired, readJournal, redriveOf, stateLines, type JournaledMessage, type JournalLine, type JournalState } from "./journal-state";

export type { JournaledMessage } from "./journal-state";

const JOURNAL_FILE = "sqs-journal.jsonl";
/** Below this size the journal is never compacted: reading it whole is cheap. */
const COMPACT_MIN_BYTES = 1024 * 1024;

function queueOf(url: unknown): string {
  return String(url ?? "").split("/").pop() ?? "";
}

function parse(body: Buffer): Record<string, any> | undefined {
  try {
    return JSON.parse(body.toString("utf8")) as Record<string, any>;
  } catch {
    return undefined;
  }
}

export class SqsJournal {
  private fd: number;
  /** Receipt handle → message id, learnt from ReceiveMessage answers, to journal deletes by id. */
  private handles = new Map<string, string>();
  /** What the journal says SQS holds now: the compacted journal is exactly this. */
  readonly state: JournalState = emptyJournalState();
  private bytes = 0;
  private compactAt = COMPACT_MIN_BYTES;
  /** How many times it was compacted (for tests and logs). */
  compactions = 0;

  constructor(private readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.fd = fs.openSync(file, "a");
    this.bytes = fs.fstatSync(this.fd).size;
  }

  static fileIn(dataDir: string): string {
    return path.join(dataDir, JOURNAL_FILE);
  }

  /** Messages sent and never deleted, per the journal left in `dataDir` (empty if none). */
  static pending(dataDir: string, file = SqsJournal.fileIn(dataDir)): JournaledMessage[] {
    return [...readJournal(file).live.values()];
  }

  /** Bytes in the journal file now. */
  size(): number {
    return this.bytes;
  }

  private append(line: JournalLine): void {
    applyLine(this.state, line);
    const text = JSON.stringify(line) + "\n";
    fs.writeSync(this.fd, text);
    this.bytes += Buffer.byteLength(text);
    if (this.bytes >= this.compactAt) this.compact();
  }

  /**
   * Rewrites the journal as what it still holds (queues, live messages within their retention).
   * Written aside and renamed over it: a crash in between leaves the old or the new, both whole.
   */
  compact(): void {
    const now = Date.now();
    for (const [id, m] of this.state.live) if (expired(m, this.state, now)) this.state.live.delete(id);
    for (const [handle, id] of this.handles) if (!this.state.live.has(id)) this.handles.delete(handle);
    const text = stateLines(this.state, now).map((l) => JSON.stringify(l) + "\n").join("");
    fs.writeFileSync(`${this.file}.compact`, text);
    fs.renameSync(`${this.file}.compact`, this.file);
    fs.closeSync(this.fd);
    this.fd = fs.openSync(this.file, "a");
    this.bytes = Buffer.byteLength(text);
    this.compactAt = Math.max(COMPACT_MIN_BYTES, 2 * this.bytes);
    this.compactions += 1;
  }

  private sent(queueUrl: unknown, id: string, e: Record<string, any>): void {
    this.append({ op: "send", m: { queue: queueOf(queueUrl), id, body: e.MessageBody, attributes: e.MessageAttributes, groupId: e.MessageGroupId, deduplicationId: e.MessageDeduplicationId, t: Date.now() } });
  }

  private deleted(handle: string | undefined): void {
    const id = handle && this.handles.get(handle);
    if (!id) return;
    this.handles.delete(handle);
    this.append({ op: "delete", id });
  }

  /** Feeds one SQS request/answer pair (from the request observer) into the journal. */
  record(x: Exchange): void {
    if (x.status >= 400) return;
    const req = parse(x.requestBody);
    // Some answers have no body (DeleteMessage, PurgeQueue): their success is the status.
    const res = parse(x.responseBody) ?? {};
    if (!req) return;
    switch (x.action) {
      case "CreateQueue":
        if (res.QueueUrl && req.QueueName) this.append({ op: "create", name: String(req.QueueName), attributes: (req.Attributes ?? {}) as Record<string, string> });
        return;
      case "DeleteQueue":
        this.append({ op: "delete-queue", name: queueOf(req.QueueUrl) });
        return;
      case "PurgeQueue":
        this.append({ op: "purge", queue: queueOf(req.QueueUrl) });
        return;
      case "SendMessage":
        if (res.MessageId) this.sent(req.QueueUrl, res.MessageId, req);
        return;
      case "SendMessageBatch": {
        const entries = new Map<string, Record<string, any>>((req.Entries ?? []).map((e: Record<string, any>) => [e.Id, e]));
        for (const ok of res.Successful ?? []) {
          const e = entries.get(ok.Id);
          if (e) this.sent(req.QueueUrl, ok.MessageId, e);
        }
        return;
      }
      case "ReceiveMessage": {
        const from = req.QueueUrl === undefined ? undefined : queueOf(req.QueueUrl);
        const limit = from === undefined ? undefined : redriveOf(this.state.queues.get(from))?.maxReceiveCount;
        for (const m of res.Messages ?? []) {
          this.handles.set(m.ReceiptHandle, m.MessageId);
          const known = this.state.live.get(m.MessageId);
          if (!from || !known) continue;
          if (known.queue !== from) this.append({ op: "move", id: m.MessageId, queue: from });
          // Only the last receive the redrive allows is journaled: a restart then dead-letters it, as the next receive would have.
          if (limit && !known.spent && Number(m.Attributes?.ApproximateReceiveCount) >= limit) this.append({ op: "spent", id: m.MessageId });
        }
        return;
      }
      case "DeleteMessage":
        this.deleted(req.ReceiptHandle);
        return;
      case "DeleteMessageBatch": {
        const entries = new Map<string, string>((req.Entries ?? []).map((e: Record<string, any>) => [e.Id, e.ReceiptHandle]));
        for (const ok of res.Successful ?? []) this.deleted(entries.get(ok.Id));
        return;
      }
      default:
        return;
    }
  }

  /** Closes the file; a clean stop saved the queues, so then nothing in the journal needs replaying. */
  close(clean: boolean): void {
    fs.closeSync(this.fd);
    if (clean) fs.rmSync(this.file, { force: true });
  }
}
