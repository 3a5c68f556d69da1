// Reads one page of a listing: the plan's partitions merged in receivedAt order (each index
// partition is already sorted), their items read consistently and filtered on what they hold
// now, and the position of each partition when the page is full, for the cursor. A page may hold
// fewer items than asked (filters, the read budget) and still have a next one.
import type { EventIndex, IndexKey } from "./event-index";
import { FAILED_INDEX } from "./contract/table";
import type { ListPlan, ListQuery, PartitionPosition } from "./list-query";
import type { StoredRecord } from "./stored-record";

export interface ListPage {
  records: StoredRecord[];
  /** Where each partition stands after this page; all "end" when the listing is complete. */
  positions: PartitionPosition[];
  complete: boolean;
  /** Index entries looked at, filtered ones included. */
  examined: number;
}

export interface ReadOptions {
  /** Read the stored documents too (a replay needs them, a listing does not). */
  document: boolean;
  /** Most index entries one call examines. Default 1000. */
  maxExamined?: number;
}

const before = (a: IndexKey, b: IndexKey) => a.receivedAt < b.receivedAt || (a.receivedAt === b.receivedAt && a.id < b.id);

/** Does the record, as it is now, still belong to the listing? (An index lags its table.) */
export function matchesListing(rec: StoredRecord, q: ListQuery, plan: ListPlan, partition: string): boolean {
  if (plan.index === FAILED_INDEX ? rec.status !== "failed" || rec.errorCategory !== partition : rec.source !== partition) return false;
  if (rec.receivedAt === undefined || (q.since && rec.receivedAt < q.since) || (q.until && rec.receivedAt >= q.until)) return false;
  if (q.status && rec.status !== q.status) return false;
  if (q.source !== undefined && rec.source !== q.source) return false;
  if (q.type !== undefined && rec.type !== q.type) return false;
  return true;
}

export async function readListing(index: EventIndex, q: ListQuery, plan: ListPlan, start: readonly PartitionPosition[], opts: ReadOptions): Promise<ListPage> {
  const n = plan.partitions.length;
  const positions: PartitionPosition[] = [...start];
  const buffers: IndexKey[][] = plan.partitions.map(() => []);
  const more = positions.map((p) => p !== "end");
  const maxExamined = opts.maxExamined ?? 1000;
  const records: StoredRecord[] = [];
  let examined = 0;

  const refill = () =>
    Promise.all(
      plan.partitions.map(async (partition, i) => {
        if (buffers[i].length > 0 || !more[i]) return;
        const p = positions[i];
        const page = await index.page(plan.index, partition, { since: q.since, until: q.until, after: p && p !== "end" ? p : undefined, limit: q.limit });
        buffers[i] = page.keys;
        // A keys-only read with no filter that comes back empty has reached the end.
        more[i] = page.more && page.keys.length > 0;
        if (page.keys.length === 0) positions[i] = "end";
      }),
    );

  while (records.length < q.limit && examined < maxExamined) {
    await refill();
    const picked: { partition: number; key: IndexKey }[] = [];
    // Take the smallest head while every partition that may have more has keys buffered.
    while (records.length + picked.length < q.limit && examined + picked.length < maxExamined) {
      if (buffers.some((b, i) => b.length === 0 && more[i])) break;
      let best = -1;
      for (let i = 0; i < n; i++) if (buffers[i].length > 0 && (best === -1 || before(buffers[i][0], buffers[best][0]))) best = i;
      if (best === -1) break;
      const key = buffers[best].shift()!;
      picked.push({ partition: best, key });
      positions[best] = buffers[best].length === 0 && !more[best] ? "end" : key;
    }
    if (picked.length === 0) break;
    examined += picked.length;
    const byId = new Map((await index.getMany(picked.map((p) => p.key.id), { document: opts.document })).map((r) => [r.id, r]));
    for (const { partition, key } of picked) {
      const rec = byId.get(key.id);
      if (rec && matchesListing(rec, q, plan, plan.partitions[partition])) records.push(rec);
    }
  }
  return { records, positions, complete: positions.every((p) => p === "end"), examined };
}
