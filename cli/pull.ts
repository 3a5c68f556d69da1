// `sluice pull`: fetch a JSON list from a source, normalize each record with its type's
// superstruct coercions, drop and report what is invalid, keep what --where selects, and turn each
// kept record into a CloudEvent whose id is derived from its content, so a rerun replays.
import { createEventTypes } from "../runtime/event-types";
import type { Got } from "./got";
import { contentHash, eventKey } from "./keys";
import type { PreparedEvent } from "./send-events";
import type { Dropped } from "./summary";
import { UsageError } from "./target";
import { matchesWhere, type WhereClause } from "./where";

export class SourceError extends Error {}

export interface PullPlan {
  events: PreparedEvent[];
  dropped: Dropped[];
  /** Valid records that --where left out. */
  filtered: number;
  /** Records in the source list. */
  fetched: number;
}

/** Accepts a bare array or the usual envelopes around one. */
export function recordsOf(body: unknown): unknown[] | undefined {
  if (Array.isArray(body)) return body;
  if (body && typeof body === "object") {
    for (const name of ["items", "records", "data", "users"]) {
      const v = (body as Record<string, unknown>)[name];
      if (Array.isArray(v)) return v;
    }
  }
  return undefined;
}

export async function fetchRecords(client: Got, from: string): Promise<unknown[]> {
  let res;
  try {
    res = await client.get(from, { responseType: "text", headers: { accept: "application/json" }, context: { source: from } });
  } catch (err) {
    throw new SourceError(`could not fetch ${from}: ${(err as Error).message}`);
  }
  if (res.statusCode < 200 || res.statusCode >= 300) throw new SourceError(`${from} answered HTTP ${res.statusCode}`);
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    throw new SourceError(`${from} did not answer JSON`);
  }
  const records = recordsOf(body);
  if (!records) throw new SourceError(`${from} did not answer a JSON list`);
  return records;
}

/** The CloudEvents source for pulled records: the source URL without query or fragment. */
export function defaultSource(from: string): string {
  try {
    const u = new URL(from);
    return `${u.origin}${u.pathname}`;
  } catch {
    return from;
  }
}

export interface PlanOptions {
  type: string;
  where: readonly WhereClause[];
  source: string;
}

/** Pure: records in, events to send out. */
export function planPull(records: readonly unknown[], opts: PlanOptions): PullPlan {
  const registry = createEventTypes({ testEvents: true });
  if (!registry.has(opts.type)) throw new UsageError(`unknown --type ${JSON.stringify(opts.type)}; known types: ${registry.types().join(", ")}`);
  const events: PreparedEvent[] = [];
  const dropped: Dropped[] = [];
  let filtered = 0;
  records.forEach((record, index) => {
    const checked = registry.validate(opts.type, record);
    if (!checked.ok) {
      // The registry reports paths under /data; here the record itself is the data.
      dropped.push({ index, reason: checked.errors.map((e) => `${e.path.replace(/^\/data/, "") || "/"}: ${e.message}`).join("; ") });
      return;
    }
    if (!matchesWhere(checked.value, opts.where)) {
      filtered++;
      return;
    }
    // No `time`: it would differ on every run and turn a replay into a key reuse.
    const event: Record<string, unknown> = {
      specversion: "1.0",
      id: contentHash({ type: opts.type, data: checked.value }).slice(0, 32),
      source: opts.source,
      type: opts.type,
      datacontenttype: "application/json",
      data: checked.value,
    };
    const { key, storedId } = eventKey(event);
    events.push({ index, event, key, storedId });
  });
  return { events, dropped, filtered, fetched: records.length };
}
