// What a listing of stored events asks for (GET /events, and the operator's replay selection),
// checked strictly, the index and partitions that answer it, and the opaque cursor that resumes
// it. Pure: no I/O. The reading itself is event-listing.ts.
import { createHash } from "node:crypto";
import { BY_SOURCE_INDEX, FAILED_INDEX } from "./contract/table";
import type { FieldError } from "./contract/problems";
import { INPUT_LIMITS } from "./contract/limits";
import { RETRIED_CATEGORIES } from "./failure-classes";
import type { FailureCategory } from "./failure-classes";
import { isEventId } from "./idempotency-key";
import { rfc3339Problem } from "./rfc3339";
import type { RecordStatus } from "./stored-record";

export const LIST_LIMITS = { defaultLimit: 50, maxLimit: 100, maxCursorLength: 4096 } as const;

const STATUSES: readonly RecordStatus[] = ["accepted", "processed", "failed"];
const CATEGORIES: readonly FailureCategory[] = ["VALIDATION", "TRANSIENT", "PERMANENT", "TIMEOUT", "PROCESSING"];
/** Only categories that are not retried are ever stored as `failed` (docs/adr/0001). */
export const STORED_FAILURE_CATEGORIES: readonly FailureCategory[] = CATEGORIES.filter((c) => !RETRIED_CATEGORIES.includes(c));

/** One listing, normalized: times are ISO 8601 UTC with milliseconds, as `receivedAt` is stored. */
export interface ListQuery {
  source?: string;
  /** Inclusive lower bound on receivedAt. */
  since?: string;
  /** Exclusive upper bound on receivedAt. */
  until?: string;
  status?: RecordStatus;
  category?: FailureCategory;
  type?: string;
  limit: number;
}

/** The index and hash-key values (partitions) a listing reads, merged in receivedAt order. */
export interface ListPlan {
  index: typeof BY_SOURCE_INDEX | typeof FAILED_INDEX;
  partitions: string[];
}

export type PlanResult = { ok: true; plan: ListPlan } | { ok: false; needsIndex: true } | { ok: false; needsIndex: false; detail: string };

function instant(name: string, raw: string, errors: FieldError[]): string | undefined {
  const problem = rfc3339Problem(raw);
  if (problem) {
    errors.push({ path: name, message: problem });
    return undefined;
  }
  const ms = Date.parse(raw);
  if (Number.isNaN(ms) || ms < 0 || ms > 253402300799999) {
    errors.push({ path: name, message: "is outside the years 1970 to 9999" });
    return undefined;
  }
  return new Date(ms).toISOString();
}

/**
 * Reads the listing's parameters. Unknown parameters are refused (a typo must not silently list
 * everything); `limit` is 1 to 100; a `category` implies `status=failed`.
 */
export function parseListQuery(params: Record<string, string | undefined>, known: readonly string[] = []): { ok: true; query: ListQuery; cursor?: string } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const allowed = ["source", "since", "until", "status", "category", "type", "limit", "cursor", ...known];
  for (const k of Object.keys(params)) if (!allowed.includes(k)) errors.push({ path: k, message: `is not a parameter of this listing (known: ${allowed.join(", ")})` });
  const q: ListQuery = { limit: LIST_LIMITS.defaultLimit };
  const text = (name: "source" | "type") => {
    const v = params[name];
    if (v === undefined) return;
    if (v === "" || Buffer.byteLength(v) > INPUT_LIMITS.maxAttributeBytes) errors.push({ path: name, message: `must be 1 to ${INPUT_LIMITS.maxAttributeBytes} bytes` });
    else q[name] = v;
  };
  text("source");
  text("type");
  if (params.since !== undefined) q.since = instant("since", params.since, errors);
  if (params.until !== undefined) q.until = instant("until", params.until, errors);
  if (q.since && q.until && q.since >= q.until) errors.push({ path: "until", message: "must be later than since" });
  if (params.status !== undefined) {
    if ((STATUSES as readonly string[]).includes(params.status)) q.status = params.status as RecordStatus;
    else errors.push({ path: "status", message: `must be one of ${STATUSES.join(", ")}` });
  }
  if (params.category !== undefined) {
    if (!(STORED_FAILURE_CATEGORIES as readonly string[]).includes(params.category)) errors.push({ path: "category", message: `must be one of ${STORED_FAILURE_CATEGORIES.join(", ")} (the categories stored as failed)` });
    else if (q.status !== undefined && q.status !== "failed") errors.push({ path: "category", message: "applies to status=failed only" });
    else {
      q.category = params.category as FailureCategory;
      q.status = "failed";
    }
  }
  if (params.limit !== undefined) {
    const n = Number(params.limit);
    if (!/^\d+$/.test(params.limit) || n < 1 || n > LIST_LIMITS.maxLimit) errors.push({ path: "limit", message: `must be an integer from 1 to ${LIST_LIMITS.maxLimit}` });
    else q.limit = n;
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, query: q, cursor: params.cursor };
}

/**
 * Failed events come from the sparse failed index (always there), one partition per category;
 * anything else by source needs the by-source index; a listing with neither has no index to use.
 */
export function planListing(q: ListQuery, opts: { listIndex: boolean }): PlanResult {
  if (q.status === "failed") return { ok: true, plan: { index: FAILED_INDEX, partitions: q.category ? [q.category] : [...STORED_FAILURE_CATEGORIES] } };
  if (q.source === undefined) return { ok: false, needsIndex: false, detail: "a listing needs a source, or status=failed (or a category)" };
  if (!opts.listIndex) return { ok: false, needsIndex: true };
  return { ok: true, plan: { index: BY_SOURCE_INDEX, partitions: [q.source] } };
}

/** Where one partition stands: not begun, after this key, or read to its end. */
export type PartitionPosition = null | { receivedAt: string; id: string } | "end";

interface CursorBody {
  v: 1;
  /** Which query the cursor belongs to: a hash of the normalized query, limit aside. */
  q: string;
  at: Array<null | [string, string] | 0>;
}

/** A short hash of what the listing selects (not its page size), so a cursor cannot cross queries. */
export function queryFingerprint(q: ListQuery, plan: ListPlan): string {
  const { limit: _limit, ...selects } = q;
  const canonical = JSON.stringify([plan.index, plan.partitions, Object.entries(selects).sort(([a], [b]) => (a < b ? -1 : 1))]);
  return createHash("sha256").update(canonical).digest("hex").slice(0, 16);
}

export function encodeCursor(q: ListQuery, plan: ListPlan, positions: PartitionPosition[]): string {
  const body: CursorBody = { v: 1, q: queryFingerprint(q, plan), at: positions.map((p) => (p === "end" ? 0 : p === null ? null : [p.receivedAt, p.id])) };
  return Buffer.from(JSON.stringify(body), "utf8").toString("base64url");
}

/**
 * The positions a cursor holds, checked strictly: its own encoding and shape, the query it was
 * made for, and keys that this query could have produced. Anything else is refused (a 400).
 */
export function decodeCursor(raw: string, q: ListQuery, plan: ListPlan): { ok: true; positions: PartitionPosition[] } | { ok: false; reason: string } {
  const bad = (reason: string) => ({ ok: false as const, reason });
  if (raw.length === 0 || raw.length > LIST_LIMITS.maxCursorLength || !/^[A-Za-z0-9_-]+$/.test(raw)) return bad("the cursor is not one this API made");
  const bytes = Buffer.from(raw, "base64url");
  if (bytes.toString("base64url") !== raw) return bad("the cursor is not one this API made");
  let body: unknown;
  try {
    body = JSON.parse(bytes.toString("utf8"));
  } catch {
    return bad("the cursor is not one this API made");
  }
  const c = body as Partial<CursorBody>;
  if (!c || typeof c !== "object" || Array.isArray(c) || Object.keys(c).sort().join(",") !== "at,q,v" || c.v !== 1 || typeof c.q !== "string" || !Array.isArray(c.at)) {
    return bad("the cursor is not one this API made");
  }
  if (c.q !== queryFingerprint(q, plan)) return bad("the cursor belongs to another query: pass the same filters it was returned with");
  if (c.at.length !== plan.partitions.length) return bad("the cursor does not fit this query");
  const positions: PartitionPosition[] = [];
  for (const p of c.at) {
    if (p === null) positions.push(null);
    else if (p === 0) positions.push("end");
    else if (Array.isArray(p) && p.length === 2 && typeof p[0] === "string" && typeof p[1] === "string" && isEventId(p[1]) && !rfc3339Problem(p[0]) && new Date(Date.parse(p[0])).toISOString() === p[0]) {
      if ((q.since && p[0] < q.since) || (q.until && p[0] >= q.until)) return bad("the cursor points outside the query's time range");
      positions.push({ receivedAt: p[0], id: p[1] });
    } else return bad("the cursor is not one this API made");
  }
  if (positions.every((p) => p === "end")) return bad("the cursor is past the end of the listing");
  return { ok: true, positions };
}
