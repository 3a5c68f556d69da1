// A write-ahead record of what local-aws-sqs holds, for crashes. A clean stop saves the queues
// (saved-messages.ts); a killed process cannot, and local-aws-sqs lives in memory. So every message
// accepted by SendMessage(Batch) is appended here, and every DeleteMessage(Batch) that removes one;
// at the next start, what was sent and never deleted is sent again. Delivery is at least once, as
// on SQS: a message that was being processed when the process died comes back.
import * as fs from "node:fs";
import * as path from "node:path";
import type { Exchange } from "../aws/request-observer";

const JOURNAL_FILE = "sqs-journal.jsonl";

export interface JournaledMessage {
  queue: string;
  id: string;
  body: string;
  attributes?: Record<string, unknown>;
  groupId?: string;
  deduplicationId?: string;
}

type Line = { op: "send"; m: JournaledMessage } | { op: "delete"; id: string };

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

  constructor(private readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.fd = fs.openSync(file, "a");
  }

  static fileIn(dataDir: string): string {
    return path.join(dataDir, JOURNAL_FILE);
  }

  /** Messages sent and never deleted, per the journal left in `dataDir` (empty if none). */
  static pending(dataDir: string, file = SqsJournal.fileIn(dataDir)): JournaledMessage[] {
    if (!fs.existsSync(file)) return [];
    const live = new Map<string, JournaledMessage>();
    for (const raw of fs.readFileSync(file, "utf8").split("\n")) {
      if (raw.trim() === "") continue;
      let line: Line;
      try {
        line = JSON.parse(raw) as Line;
      } catch {
        continue; // A line cut short by the crash: the message it names was never acknowledged.
      }
      if (line.op === "send") live.set(line.m.id, line.m);
      else live.delete(line.id);
    }
    return [...live.values()];
  }

  private append(line: Line): void {
    fs.writeSync(this.fd, JSON.stringify(line) + "\n");
  }

  /** Feeds one SQS request/answer pair (from the request observer) into the journal. */
  record(x: Exchange): void {
    if (x.status >= 400) return;
    switch (x.action) {
      case "SendMessage": {
        const req = parse(x.requestBody);
        const res = parse(x.responseBody);
        if (!req || !res?.MessageId) return;
        this.append({ op: "send", m: { queue: queueOf(req.QueueUrl), id: res.MessageId, body: req.MessageBody, attributes: req.MessageAttributes, groupId: req.MessageGroupId, deduplicationId: req.MessageDeduplicationId } });
        return;
      }
      case "SendMessageBatch": {
        const req = parse(x.requestBody);
        const res = parse(x.responseBody);
        if (!req || !res) return;
        const entries = new Map<string, Record<string, any>>((req.Entries ?? []).map((e: Record<string, any>) => [e.Id, e]));
        for (const ok of res.Successful ?? []) {
          const e = entries.get(ok.Id);
          if (e) this.append({ op: "send", m: { queue: queueOf(req.QueueUrl), id: ok.MessageId, body: e.MessageBody, attributes: e.MessageAttributes, groupId: e.MessageGroupId, deduplicationId: e.MessageDeduplicationId } });
        }
        return;
      }
      case "ReceiveMessage": {
        for (const m of parse(x.responseBody)?.Messages ?? []) this.handles.set(m.ReceiptHandle, m.MessageId);
        return;
      }
      case "DeleteMessage": {
        const handle = parse(x.requestBody)?.ReceiptHandle;
        const id = this.handles.get(handle);
        if (id) {
          this.handles.delete(handle);
          this.append({ op: "delete", id });
        }
        return;
      }
      case "DeleteMessageBatch": {
        const req = parse(x.requestBody);
        const res = parse(x.responseBody);
        if (!req || !res) return;
        const entries = new Map<string, string>((req.Entries ?? []).map((e: Record<string, any>) => [e.Id, e.ReceiptHandle]));
        for (const ok of res.Successful ?? []) {
          const handle = entries.get(ok.Id);
          const id = handle && this.handles.get(handle);
          if (id) {
            this.handles.delete(handle);
            this.append({ op: "delete", id });
          }
        }
        return;
      }
      default:
        return;
    }
  }

  /** A clean stop saved the queues: nothing in the journal needs replaying. */
  close(clean: boolean): void {
    fs.closeSync(this.fd);
    if (clean) fs.rmSync(this.file, { force: true });
  }
}
