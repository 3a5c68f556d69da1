// Looking through the dead-letter queue without consuming it: each message is borrowed (made
// invisible for the run's time budget and a little more), summarized (event id, type and source
// from the message, the category and reason of its last retried failure from the event's record),
// matched against the filters, and given back at the end of the run, visible at once; a message a
// redrive moved is deleted instead. If the run dies, SQS gives its messages back within seconds.
import type { DeadLetter, DeadLetters } from "./dead-letters";
import type { EventIndex } from "./event-index";
import { INPUT_LIMITS, QUEUE_LIMITS } from "./contract/limits";
import { FAILURE_CATEGORIES } from "./contract/metrics";
import { RELEASE_CONCURRENCY } from "./dead-letters";
import { scanJson } from "./json-scan";
import { parseQueueMessage } from "./queue-message";
import type { RecordStatus, StoredRecord } from "./stored-record";

/** A message this version cannot read (it would be poison to the worker too). */
export const UNREADABLE = "UNREADABLE";
/** A readable message whose event has no note of a retried failure (its record is gone, or older). */
export const UNKNOWN_CATEGORY = "UNKNOWN";
/** What a dead letter can be grouped as, and so filtered by: a failure category, or one of the two above. */
export const DLQ_CATEGORIES: readonly string[] = [...FAILURE_CATEGORIES, UNKNOWN_CATEGORY, UNREADABLE];

export interface DlqFilter {
  category?: string;
  type?: string;
  source?: string;
  /** Only messages whose event was received at least this long ago. */
  minAgeSeconds?: number;
}

export interface DeadLetterSummary {
  messageId: string;
  eventId?: string;
  type?: string;
  source?: string;
  /** TRANSIENT, TIMEOUT…, UNKNOWN or UNREADABLE. */
  category: string;
  reason?: string;
  receivedAt?: string;
  /** Since the event was received (or, unreadable, since SQS first took the message). */
  ageSeconds: number;
  /** The event's record status, when it has one (`processed`: a redrive is a duplicate). */
  storedStatus?: RecordStatus;
}

function topLevelStrings(text: string): { type?: string; source?: string } {
  const scanned = scanJson(text, { maxDepth: INPUT_LIMITS.maxDepth });
  if (!scanned.ok || scanned.node.k !== "object") return {};
  const root = scanned.node;
  const get = (name: string) => {
    const n = root.keys.indexOf(name);
    const v = n === -1 ? undefined : root.values[n];
    return v?.k === "string" ? v.v : undefined;
  };
  return { type: get("type"), source: get("source") };
}

export function summarize(letter: DeadLetter, records: ReadonlyMap<string, StoredRecord>, nowMs: number): DeadLetterSummary {
  const parsed = parseQueueMessage(letter.body);
  if (!parsed.ok) {
    const since = letter.sentTimestamp ?? nowMs;
    return { messageId: letter.messageId, category: UNREADABLE, reason: parsed.reason, ageSeconds: Math.max(0, Math.floor((nowMs - since) / 1000)) };
  }
  const m = parsed.message;
  const rec = records.get(m.id);
  const received = Date.parse(m.receivedAt);
  return {
    messageId: letter.messageId,
    eventId: m.id,
    ...topLevelStrings(m.event),
    category: rec?.retryCategory ?? UNKNOWN_CATEGORY,
    reason: rec?.retryReason,
    receivedAt: m.receivedAt,
    ageSeconds: Math.max(0, Math.floor((nowMs - (Number.isNaN(received) ? (letter.sentTimestamp ?? nowMs) : received)) / 1000)),
    storedStatus: rec?.status,
  };
}

export function matchesFilter(s: DeadLetterSummary, f: DlqFilter): boolean {
  return (
    (f.category === undefined || s.category === f.category) &&
    (f.type === undefined || s.type === f.type) &&
    (f.source === undefined || s.source === f.source) &&
    (f.minAgeSeconds === undefined || s.ageSeconds >= f.minAgeSeconds)
  );
}

export interface DlqGroup {
  category: string;
  type?: string;
  source?: string;
  count: number;
  oldestAgeSeconds: number;
  newestAgeSeconds: number;
  /** A few event ids (message ids for unreadable messages). */
  sampleIds: string[];
  /** The reason of one of them. */
  sampleReason?: string;
}

/**
 * Counts summaries into groups as they come: a run over 1,000 messages keeps a few counters per
 * group, never the summaries (let alone the events' text).
 */
export function createGroupCounter(samples = 3): { add(s: DeadLetterSummary): void; readonly count: number; groups(): DlqGroup[] } {
  const groups = new Map<string, DlqGroup>();
  let count = 0;
  return {
    add(s) {
      count++;
      const key = JSON.stringify([s.category, s.type ?? null, s.source ?? null]);
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { category: s.category, type: s.type, source: s.source, count: 0, oldestAgeSeconds: s.ageSeconds, newestAgeSeconds: s.ageSeconds, sampleIds: [] }));
      g.count++;
      g.oldestAgeSeconds = Math.max(g.oldestAgeSeconds, s.ageSeconds);
      g.newestAgeSeconds = Math.min(g.newestAgeSeconds, s.ageSeconds);
      if (g.sampleIds.length < samples) g.sampleIds.push(s.eventId ?? s.messageId);
      g.sampleReason ??= s.reason;
    },
    get count() {
      return count;
    },
    /** By category, type and source, the largest first. */
    groups: () => [...groups.values()].map((g) => ({ ...g, sampleIds: [...g.sampleIds] })).sort((a, b) => b.count - a.count || a.category.localeCompare(b.category)),
  };
}

/** Groups by category, type and source, the largest first. */
export function groupSummaries(list: readonly DeadLetterSummary[], samples = 3): DlqGroup[] {
  const counter = createGroupCounter(samples);
  for (const s of list) counter.add(s);
  return counter.groups();
}

export interface ScanOptions {
  filter: DlqFilter;
  /** Most matching messages to take. */
  limit: number;
  /** Epoch ms by which the run gives everything back. */
  deadline: number;
  /** What to do with a match; true when the message was consumed (moved), false to give it back. */
  onMatch?: (s: DeadLetterSummary, letter: DeadLetter) => Promise<boolean>;
}

export interface ScanResult {
  /** How many matched. */
  matched: number;
  /** The matches, grouped (groupSummaries' answer). */
  groups: DlqGroup[];
  /** Distinct messages looked at. */
  scanned: number;
  depth: { visible: number; inFlight: number };
  /** Every message there was has been looked at (not stopped by the limit or the clock). */
  exhausted: boolean;
  /** Messages SQS did not take back at the end; they come back when their visibility ends. */
  notReleased: number;
}

/** How long one round of visibility batches (dead-letters.ts RELEASE_CONCURRENCY at once) is given. */
export const RELEASE_ROUND_MS = 250;
/** A receive after an empty one waits this long for messages: a long poll asks every SQS server, a short one only some. */
export const RECEIVE_WAIT_SECONDS = 1;

/** The time kept, before the run's deadline, to give `held` borrowed messages back. */
export function releaseReserveMs(held: number): number {
  return Math.ceil(Math.ceil(held / QUEUE_LIMITS.maxBatchEntries) / RELEASE_CONCURRENCY) * RELEASE_ROUND_MS;
}

export async function scanDeadLetters(deps: { dlq: DeadLetters; index: EventIndex; now?: () => number }, opts: ScanOptions): Promise<ScanResult> {
  const now = deps.now ?? Date.now;
  const depth = await deps.dlq.depth();
  const seen = new Set<string>();
  const held = new Map<string, string>();
  const matched = createGroupCounter();
  let exhausted = false;
  let missed = false;
  let notReleased = 0;
  // The scan stops in time to give back what it holds: the more it borrowed, the earlier.
  const workUntil = () => opts.deadline - releaseReserveMs(held.size);
  try {
    while (matched.count < opts.limit && now() < workUntil()) {
      // Borrowed for the rest of the run and a margin: given back at its end, or by SQS if it dies.
      // A short poll samples some of SQS's servers: after one that found nothing new while messages are
      // still to be seen, a long poll, which asks them all (when its wait fits the time left).
      const wait = missed && seen.size < depth.visible && now() + RECEIVE_WAIT_SECONDS * 1000 < workUntil() ? RECEIVE_WAIT_SECONDS : 0;
      const letters = await deps.dlq.receive(Math.max(5, Math.ceil((opts.deadline - now()) / 1000) + 5), wait);
      const fresh = letters.filter((l) => !seen.has(l.messageId));
      for (const l of letters) held.set(l.messageId, l.receiptHandle);
      // Nothing new: complete only once as many messages were seen as the queue said it had
      // visible; before that, an empty answer is a poll that missed them, asked again while time remains.
      missed = fresh.length === 0;
      if (fresh.length === 0) {
        if (seen.size >= depth.visible) {
          exhausted = true;
          break;
        }
        continue;
      }
      for (const l of fresh) seen.add(l.messageId);
      const ids = fresh.map((l) => parseQueueMessage(l.body)).flatMap((p) => (p.ok ? [p.message.id] : []));
      const records = new Map((ids.length > 0 ? await deps.index.getMany(ids, { document: false }) : []).map((r) => [r.id, r]));
      for (const letter of fresh) {
        const s = summarize(letter, records, now());
        if (matched.count >= opts.limit || !matchesFilter(s, opts.filter)) continue;
        matched.add(s);
        if (opts.onMatch && (await opts.onMatch(s, letter))) held.delete(letter.messageId);
      }
    }
  } finally {
    notReleased = await deps.dlq.release([...held.values()]).catch(() => held.size);
  }
  return { matched: matched.count, groups: matched.groups(), scanned: seen.size, depth, exhausted, notReleased };
}
