// GET /events: one page of stored events by source and time (the by-source index) or of failed
// events (the sparse failed index), oldest first, with an opaque cursor to the next page.
import { ENV_NAMES } from "./contract/environment";
import { problem } from "./contract/problems";
import type { ProblemBody } from "./contract/problems";
import type { EventIndex } from "./event-index";
import { readListing } from "./event-listing";
import { decodeCursor, encodeCursor, parseListQuery, planListing } from "./list-query";
import type { ListPlan, ListQuery, PartitionPosition } from "./list-query";
import type { StoredRecord } from "./stored-record";

/** The config key that adds the by-source index, named in the problem a listing by source gets without it. */
export const LIST_INDEX_CONFIG_KEY = "sluice:listIndex";

/** What a listing shows of one event: its state, never its data (`GET /events/{id}` has that). */
export function listItemView(rec: StoredRecord): Record<string, unknown> {
  const view: Record<string, unknown> = { id: rec.id, status: rec.status, type: rec.type, source: rec.source, receivedAt: rec.receivedAt };
  if (rec.processedAt) view.processedAt = rec.processedAt;
  if (rec.attempts !== undefined) view.attempts = rec.attempts;
  if (rec.status === "failed") {
    view.errorCategory = rec.errorCategory;
    view.errorReason = rec.errorReason;
  }
  if (rec.status !== "processed" && rec.retryCategory) view.lastRetry = { category: rec.retryCategory, reason: rec.retryReason };
  return view;
}

export type Selection = { ok: true; query: ListQuery; plan: ListPlan; positions: PartitionPosition[] } | { ok: false; problem: ProblemBody };

/**
 * A listing's parameters, plan and starting positions, or the 400 that says what is wrong:
 * a bad parameter or cursor, or a listing by source on a stack without the by-source index.
 */
export function selectListing(params: Record<string, string | undefined>, opts: { listIndex: boolean; requestId: string; known?: readonly string[] }): Selection {
  const parsed = parseListQuery(params, opts.known);
  if (!parsed.ok) return { ok: false, problem: problem("invalid-query", "the listing's parameters are not valid", { requestId: opts.requestId, errors: parsed.errors }) };
  const planned = planListing(parsed.query, { listIndex: opts.listIndex });
  if (!planned.ok) {
    if (!planned.needsIndex) return { ok: false, problem: problem("invalid-query", planned.detail, { requestId: opts.requestId }) };
    const detail = `listing by source needs the by-source index, which this stack does not have: set ${LIST_INDEX_CONFIG_KEY} to true and run pulumi up (one more write unit per event; the function sees it as ${ENV_NAMES.listIndex}). Failed events are listed without it: status=failed`;
    return { ok: false, problem: problem("listing-needs-index", detail, { requestId: opts.requestId }) };
  }
  const { plan } = planned;
  if (parsed.cursor === undefined) return { ok: true, query: parsed.query, plan, positions: plan.partitions.map(() => null) };
  const cursor = decodeCursor(parsed.cursor, parsed.query, plan);
  if (!cursor.ok) return { ok: false, problem: problem("invalid-query", cursor.reason, { requestId: opts.requestId, errors: [{ path: "cursor", message: cursor.reason }] }) };
  return { ok: true, query: parsed.query, plan, positions: cursor.positions };
}

/** One page as the API answers it: `items`, and `nextCursor` unless the listing is complete. */
export async function listEventsBody(index: EventIndex, sel: Extract<Selection, { ok: true }>): Promise<{ items: Record<string, unknown>[]; nextCursor?: string }> {
  const page = await readListing(index, sel.query, sel.plan, sel.positions, { document: false });
  const body: { items: Record<string, unknown>[]; nextCursor?: string } = { items: page.records.map(listItemView) };
  if (!page.complete) body.nextCursor = encodeCursor(sel.query, sel.plan, page.positions);
  return body;
}
