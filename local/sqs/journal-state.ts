// What an SQS journal (journal.ts) says local-aws-sqs holds: the queues made in this run and the
// messages sent and not yet deleted, rebuilt by applying its lines in order. Pure, apart from
// reading a journal file.
import * as fs from "node:fs";

export interface JournaledMessage {
  queue: string;
  id: string;
  body: string;
  attributes?: Record<string, unknown>;
  groupId?: string;
  deduplicationId?: string;
  /** When SQS accepted it (epoch ms), for the queue's retention period. */
  t?: number;
  /** Received as often as its queue's redrive allows: the next receive would move it to the DLQ. */
  spent?: boolean;
}

export type JournalLine =
  | { op: "create"; name: string; attributes: Record<string, string> }
  | { op: "delete-queue"; name: string }
  | { op: "send"; m: JournaledMessage }
  | { op: "delete"; id: string }
  /** Received from another queue than it was sent to: the redrive moved it to the DLQ. */
  | { op: "move"; id: string; queue: string }
  /** Received for the last time its queue's maxReceiveCount allows. */
  | { op: "spent"; id: string }
  | { op: "purge"; queue: string };

export interface JournalState {
  /** Queue name → its CreateQueue attributes, in creation order. */
  queues: Map<string, Record<string, string>>;
  /** Message id → the message, in send order. */
  live: Map<string, JournaledMessage>;
}

export function emptyJournalState(): JournalState {
  return { queues: new Map(), live: new Map() };
}

export function applyLine(state: JournalState, line: JournalLine): void {
  switch (line.op) {
    case "create":
      state.queues.set(line.name, line.attributes);
      return;
    case "delete-queue":
      state.queues.delete(line.name);
      for (const [id, m] of state.live) if (m.queue === line.name) state.live.delete(id);
      return;
    case "send":
      state.live.set(line.m.id, line.m);
      return;
    case "delete":
      state.live.delete(line.id);
      return;
    case "move": {
      const m = state.live.get(line.id);
      if (m) Object.assign(m, { queue: line.queue, spent: false });
      return;
    }
    case "spent": {
      const m = state.live.get(line.id);
      if (m) m.spent = true;
      return;
    }
    case "purge":
      for (const [id, m] of state.live) if (m.queue === line.queue) state.live.delete(id);
      return;
  }
}

/** The state a journal file describes (empty if there is none). A line cut short by a crash is skipped: what it names was never acknowledged. */
export function readJournal(file: string, into: JournalState = emptyJournalState()): JournalState {
  if (!fs.existsSync(file)) return into;
  for (const raw of fs.readFileSync(file, "utf8").split("\n")) {
    if (raw.trim() === "") continue;
    let line: JournalLine;
    try {
      line = JSON.parse(raw) as JournalLine;
    } catch {
      continue;
    }
    applyLine(into, line);
  }
  return into;
}

/** The redrive policy of a queue's attributes: where it dead-letters to, after how many receives. */
export function redriveOf(attributes: Record<string, string> | undefined): { dlq: string; maxReceiveCount: number } | undefined {
  if (!attributes?.RedrivePolicy) return undefined;
  try {
    const policy = JSON.parse(attributes.RedrivePolicy) as { deadLetterTargetArn?: string; maxReceiveCount?: number | string };
    const dlq = String(policy.deadLetterTargetArn ?? "").split(":").pop();
    return dlq ? { dlq, maxReceiveCount: Number(policy.maxReceiveCount) } : undefined;
  } catch {
    return undefined;
  }
}

/** The queue to send `m` back to: its own, or its DLQ when the redrive would have moved it at the next receive. */
export function resendQueue(m: JournaledMessage, state: JournalState): string {
  return (m.spent && redriveOf(state.queues.get(m.queue))?.dlq) || m.queue;
}

/** SQS's default retention: 4 days. */
const DEFAULT_RETENTION_SECONDS = 345_600;

/** Whether `m` outlived its queue's retention period at `now` (SQS would have deleted it). */
export function expired(m: JournaledMessage, state: JournalState, now: number): boolean {
  if (m.t === undefined) return false;
  const retention = Number(state.queues.get(m.queue)?.MessageRetentionPeriod ?? DEFAULT_RETENTION_SECONDS);
  return m.t + retention * 1000 < now;
}

/** The lines that say the same as `state`, without its history: what a compacted journal holds. */
export function stateLines(state: JournalState, now: number): JournalLine[] {
  const lines: JournalLine[] = [...state.queues].map(([name, attributes]) => ({ op: "create", name, attributes }));
  for (const m of state.live.values()) if (!expired(m, state, now)) lines.push({ op: "send", m });
  return lines;
}
