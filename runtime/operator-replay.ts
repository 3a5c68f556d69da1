// POST /admin/replay: puts stored events back on the main queue, selected like a listing (source,
// time range, status, category, type; list-query.ts), at a rate, marked as replays so the worker
// may store over their `processed` or `failed` record (same payload only: docs/adr/0001). A run
// does at most `count` events and stops in time; `nextCursor` continues where it stopped.
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { adminInput } from "./admin-request";
import type { FieldValues } from "./admin-request";
import { problem, slugOf } from "./contract/problems";
import { decodeStoredDocument } from "./contract/stored-document";
import type { EventIndex } from "./event-index";
import { readListing } from "./event-listing";
import type { EventQueue } from "./event-queue";
import { jsonResponse, problemResponse } from "./http-response";
import type { HttpResult } from "./http-response";
import { encodeCursor, STORED_FAILURE_CATEGORIES } from "./list-query";
import { selectListing } from "./list-events";
import { errorSummary } from "./log";
import { createPacer, jitterDelaySeconds, MAX_DELAY_SECONDS, PACING_DEFAULTS } from "./pacing";
import { encodeMessageBody } from "./queue-message";
import type { StoredRecord } from "./stored-record";
import type { RunContext } from "./operator-dlq";

export const MAX_REPLAY_PER_RUN = 1000;
/** Records read per listing page: one BatchGetItem. */
const PAGE = 100;
/** Time kept in hand after the last page, to answer. */
const ANSWER_MARGIN_MS = 2000;

export interface ReplayDeps {
  index: EventIndex;
  queue: EventQueue;
  listIndex: boolean;
  now: () => number;
  random?: () => number;
}

export interface ReplayGroup {
  status: string;
  category?: string;
  type?: string;
  source?: string;
  count: number;
  sampleIds: string[];
}

/**
 * Counts the selected records into groups as they come: a run over 1,000 events keeps a few
 * counters per group, never the records (nor their stored documents).
 */
export function createReplayGroups(): { add(r: StoredRecord): void; readonly count: number; groups(): ReplayGroup[] } {
  const groups = new Map<string, ReplayGroup>();
  let count = 0;
  return {
    add(r) {
      count++;
      const key = JSON.stringify([r.status, r.errorCategory ?? null, r.type ?? null, r.source ?? null]);
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { status: r.status, category: r.errorCategory, type: r.type, source: r.source, count: 0, sampleIds: [] }));
      g.count++;
      if (g.sampleIds.length < 3) g.sampleIds.push(r.id);
    },
    get count() {
      return count;
    },
    groups: () => [...groups.values()].sort((a, b) => b.count - a.count),
  };
}

/**
 * The replay's queue message: the stored event with the request's metadata, as the ingest sent it;
 * a source's event keeps its receipt and raw body, so the replay stores them again (`sluice verify`).
 */
export function replayMessage(rec: StoredRecord, replayId: string): string | undefined {
  if (!rec.document || !rec.receivedAt) return undefined;
  const doc = decodeStoredDocument(rec.document);
  const raw = doc.rawOf ? { rawOf: doc.rawOf } : doc.raw ? { raw: doc.raw } : {};
  return encodeMessageBody({ id: rec.id, key: doc.key, payloadHash: rec.payloadHash, receivedAt: rec.receivedAt, requestId: doc.requestId, sourceIp: doc.sourceIp, userAgent: doc.userAgent, event: doc.event, receipt: doc.receipt, ...raw, replay: replayId });
}

function listingParams(v: FieldValues): Record<string, string | undefined> {
  const text = (k: string) => (v[k] === undefined ? undefined : String(v[k]));
  return { source: text("source"), since: text("since"), until: text("until"), status: text("status") ?? "failed", category: text("category"), type: text("type"), cursor: text("cursor") };
}

export async function replayEvents(deps: ReplayDeps, event: APIGatewayProxyEventV2, run: RunContext): Promise<HttpResult> {
  const input = adminInput(
    event,
    {
      source: { kind: "string" },
      since: { kind: "string", maxBytes: 64 },
      until: { kind: "string", maxBytes: 64 },
      // `accepted` events are in flight: the queue or the DLQ holds them, and a redrive moves them.
      status: { kind: "enum", values: ["failed", "processed"] },
      // Replayed events are stored ones: only the categories stored as failed have any.
      category: { kind: "enum", values: STORED_FAILURE_CATEGORIES },
      type: { kind: "string" },
      count: { kind: "int", min: 1, max: MAX_REPLAY_PER_RUN },
      ratePerSecond: { kind: "int", min: 1, max: PACING_DEFAULTS.maxRatePerSecond },
      jitterSeconds: { kind: "int", min: 0, max: MAX_DELAY_SECONDS },
      dryRun: { kind: "bool" },
      cursor: { kind: "string", maxBytes: 4096 },
    },
    run.requestId,
  );
  if (!input.ok) return problemResponse(input.problem);
  const v = input.values;
  const params = Object.fromEntries(Object.entries(listingParams(v)).filter(([, x]) => x !== undefined));
  const sel = selectListing(params, { listIndex: deps.listIndex, requestId: run.requestId });
  if (!sel.ok) {
    // The selection came in a body: a field that does not fit is a 422, as for any other field.
    const bad = slugOf(sel.problem) === "invalid-query" ? problem("invalid-request", sel.problem.detail, { requestId: run.requestId, errors: sel.problem.errors }) : sel.problem;
    return problemResponse(bad);
  }
  const count = (v.count as number | undefined) ?? MAX_REPLAY_PER_RUN;
  const rate = (v.ratePerSecond as number | undefined) ?? PACING_DEFAULTS.ratePerSecond;
  const jitter = (v.jitterSeconds as number | undefined) ?? 0;
  const dryRun = v.dryRun === true;
  const pace = createPacer(rate, deps.now);
  const selected = createReplayGroups();
  const counts = { replayed: 0, skipped: 0, sendFailed: 0 };
  const failures: { eventId: string; reason: string }[] = [];
  let positions = sel.positions;
  let complete = false;

  while (selected.count < count) {
    // A page is sent whole before the next is read, so the cursor never skips an unsent event.
    const affordable = dryRun ? PAGE : Math.floor(((run.deadline - deps.now() - ANSWER_MARGIN_MS) / 1000) * rate);
    const limit = Math.min(PAGE, count - selected.count, affordable);
    if (limit < 1) break;
    const page = await readListing(deps.index, { ...sel.query, limit }, sel.plan, positions, { document: !dryRun });
    positions = page.positions;
    complete = page.complete;
    for (const rec of page.records) {
      selected.add(rec);
      if (dryRun) continue;
      const body = replayMessage(rec, run.requestId);
      if (!body) {
        counts.skipped++;
        run.log.warn("replay: the event was never stored whole (a minimal failed record): skipped", { eventId: rec.id });
        continue;
      }
      await pace();
      try {
        await deps.queue.send(body, { delaySeconds: jitterDelaySeconds(jitter, deps.random) });
        counts.replayed++;
        run.log.info("replay: event queued", { eventId: rec.id, status: rec.status, category: rec.errorCategory });
      } catch (err) {
        counts.sendFailed++;
        if (failures.length < 10) failures.push({ eventId: rec.id, reason: String((err as Error)?.message ?? err) });
        run.log.error("replay: send failed", { eventId: rec.id, ...errorSummary(err) });
      }
    }
    if (complete || deps.now() >= run.deadline) break;
  }
  const answer: Record<string, unknown> = { dryRun, selection: { ...sel.query, limit: undefined }, plan: { count, ratePerSecond: rate, jitterSeconds: jitter } };
  if (dryRun) Object.assign(answer, { wouldReplay: selected.count, estimatedSeconds: Math.ceil(selected.count / rate) });
  else Object.assign(answer, counts, { failures });
  Object.assign(answer, { selected: selected.count, complete, groups: selected.groups() });
  if (!complete) answer.nextCursor = encodeCursor(sel.query, sel.plan, positions);
  run.log.info(dryRun ? "replay planned (dry run)" : "replay run", { selected: selected.count, complete, ...(dryRun ? {} : counts) });
  return jsonResponse(200, answer);
}
