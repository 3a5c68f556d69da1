// Listing stored events: the parameters (strict), the plan (which index, which partitions), the
// cursor (opaque, bound to its query, refused when tampered with), and the merge of partitions in
// receipt order with filters, resumed exactly where a page ended.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { EventIndex, IndexKey } from "../../runtime/event-index";
import { readListing } from "../../runtime/event-listing";
import { decodeCursor, encodeCursor, parseListQuery, planListing, type ListQuery, type PartitionPosition } from "../../runtime/list-query";
import { selectListing } from "../../runtime/list-events";
import type { StoredRecord } from "../../runtime/stored-record";

const id = (n: number) => `evt_${n.toString(16).padStart(32, "0")}`;
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

test("parameters: strict, normalized; category implies failed", () => {
  const ok = parseListQuery({ source: "/s", since: "2026-01-01T01:00:00+01:00", until: "2026-01-01T00:10:00Z", limit: "7", type: "t" });
  assert.ok(ok.ok);
  if (ok.ok) assert.equal(ok.query, { limit: 7, source: "/s", type: "t", since: "2026-01-01T00:00:00.000Z", until: "2026-01-01T00:10:00.000Z" });
  const cat = parseListQuery({ category: "PROCESSING" });
  assert.ok(cat.ok && cat.query.status === "failed");
  const bad = parseListQuery({ since: "yesterday", limit: "101", status: "gone", category: "TRANSIENT", colour: "red" });
  assert.ok(!bad.ok);
  if (!bad.ok) assert.equal(bad.errors.map((e) => e.path).sort(), ["category", "colour", "limit", "since", "status"]);
  const backwards = parseListQuery({ source: "/s", since: at(10), until: at(5) });
  assert.ok(!backwards.ok && backwards.errors[0].path === "until");
  assert.ok(!parseListQuery({ status: "processed", category: "PROCESSING" }).ok, "a category is for failed events only");
});

test("plan: failed events by category on the failed index, by source on the by-source index, or no plan", () => {
  const q = (over: Partial<ListQuery>): ListQuery => ({ limit: 10, ...over });
  assert.equal(planListing(q({ status: "failed" }), { listIndex: false }), { ok: true, plan: { index: "failedByCategory", partitions: ["VALIDATION", "PERMANENT", "PROCESSING"] } });
  assert.equal(planListing(q({ status: "failed", category: "PERMANENT", source: "/s" }), { listIndex: true }), { ok: true, plan: { index: "failedByCategory", partitions: ["PERMANENT"] } });
  assert.equal(planListing(q({ source: "/s" }), { listIndex: true }), { ok: true, plan: { index: "bySource", partitions: ["/s"] } });
  assert.equal(planListing(q({ source: "/s" }), { listIndex: false }), { ok: false, needsIndex: true });
  assert.ok(!planListing(q({ status: "processed" }), { listIndex: true }).ok);
  const sel = selectListing({ source: "/s" }, { listIndex: false, requestId: "r" });
  assert.ok(!sel.ok && sel.problem.status === 400 && /sluice:listIndex/.test(sel.problem.detail), "the problem names the config key");
});

test("cursor: round trip; bound to its query; tampered, foreign or out-of-range ones are refused", () => {
  const q: ListQuery = { limit: 2, source: "/s", since: at(0), until: at(100) };
  const plan = { index: "bySource" as const, partitions: ["/s"] };
  const positions: PartitionPosition[] = [{ receivedAt: at(5), id: id(5) }];
  const c = encodeCursor(q, plan, positions);
  assert.match(c, /^[A-Za-z0-9_-]+$/);
  assert.equal(decodeCursor(c, { ...q, limit: 50 }, plan), { ok: true, positions }, "the page size may change between pages");
  const refused = (raw: string, query = q) => {
    const r = decodeCursor(raw, query, plan);
    return r.ok ? "accepted" : r.reason;
  };
  assert.match(refused(c, { ...q, type: "other" }), /another query/);
  assert.match(refused(c.slice(0, -3) + "xyz"), /not one this API made/);
  assert.match(refused(c + "="), /not one this API made/);
  const forge = (body: unknown) => Buffer.from(JSON.stringify(body)).toString("base64url");
  const fp = JSON.parse(Buffer.from(c, "base64url").toString()).q;
  assert.match(refused(forge({ v: 1, q: fp, at: [[at(500), id(1)]] })), /outside the query's time range/);
  assert.match(refused(forge({ v: 1, q: fp, at: [["2026-01-01", id(1)]] })), /not one this API made/);
  assert.match(refused(forge({ v: 1, q: fp, at: [[at(5), "evt_nothex"]] })), /not one this API made/);
  assert.match(refused(forge({ v: 1, q: fp, at: [0] })), /past the end/);
  assert.match(refused(forge({ v: 1, q: fp, at: [null], extra: 1 })), /not one this API made/);
  assert.match(refused(forge({ v: 2, q: fp, at: [null] })), /not one this API made/);
});

/** An index over records in memory, with the index's own partitioning and order. */
function fakeIndex(records: StoredRecord[], partitionOf: (r: StoredRecord) => string | undefined): EventIndex & { pages: number } {
  const idx = {
    pages: 0,
    async page(_index: string, partition: string, read: { since?: string; until?: string; after?: IndexKey; limit: number }) {
      idx.pages++;
      const keys = records
        .filter((r) => partitionOf(r) === partition)
        .map((r) => ({ id: r.id, receivedAt: r.receivedAt! }))
        .filter((k) => (!read.since || k.receivedAt >= read.since) && (!read.until || k.receivedAt < read.until))
        .sort((a, b) => (a.receivedAt < b.receivedAt ? -1 : a.receivedAt > b.receivedAt ? 1 : a.id < b.id ? -1 : 1))
        .filter((k) => !read.after || k.receivedAt > read.after.receivedAt || (k.receivedAt === read.after.receivedAt && k.id > read.after.id));
      return { keys: keys.slice(0, read.limit), more: keys.length > read.limit };
    },
    async getMany(ids: readonly string[]) {
      return records.filter((r) => ids.includes(r.id));
    },
  };
  return idx;
}

test("merge: failed events of every category in receipt order, paged, resumed exactly, filters on what the item holds now", async () => {
  const cats = ["PROCESSING", "VALIDATION", "PERMANENT"] as const;
  const records: StoredRecord[] = Array.from({ length: 12 }, (_, n) => ({
    id: id(n),
    status: n === 7 ? "processed" : "failed",
    payloadHash: "h",
    source: n % 2 ? "/odd" : "/even",
    type: "t",
    receivedAt: at(n),
    errorCategory: cats[n % 3],
  }));
  // Record 7 was replayed since: the index still lists it under its old category; the listing must not.
  const index = fakeIndex(records, (r) => (r.id === id(7) ? "VALIDATION" : r.status === "failed" ? r.errorCategory : undefined));
  const q: ListQuery = { limit: 4, status: "failed" };
  const planned = planListing(q, { listIndex: false });
  assert.ok(planned.ok);
  if (!planned.ok) return;
  const seen: string[] = [];
  let positions: PartitionPosition[] = planned.plan.partitions.map(() => null);
  for (let page = 0; page < 10; page++) {
    const r = await readListing(index, q, planned.plan, positions, { document: false });
    assert.ok(r.records.length <= 4);
    seen.push(...r.records.map((x) => x.id));
    if (r.complete) break;
    positions = r.positions;
  }
  assert.equal(seen, records.filter((r) => r.status === "failed").map((r) => r.id), "every failed one, once, oldest first");

  const odd = await readListing(index, { limit: 100, status: "failed", source: "/odd", since: at(3), until: at(10) }, planned.plan, planned.plan.partitions.map(() => null), { document: false });
  assert.equal(odd.records.map((r) => r.id), [id(3), id(5), id(9)]);
  assert.ok(odd.complete);
});

test("merge: a read budget ends a page early, and the next page picks up from there", async () => {
  const records: StoredRecord[] = Array.from({ length: 30 }, (_, n) => ({ id: id(n), status: "processed", payloadHash: "h", source: "/s", type: n === 29 ? "wanted" : "other", receivedAt: at(n) }));
  const index = fakeIndex(records, (r) => r.source);
  const q: ListQuery = { limit: 5, source: "/s", type: "wanted" };
  const plan = { index: "bySource" as const, partitions: ["/s"] };
  const first = await readListing(index, q, plan, [null], { document: false, maxExamined: 10 });
  assert.equal([first.records.length, first.complete, first.examined], [0, false, 10]);
  const second = await readListing(index, q, plan, first.positions, { document: false, maxExamined: 100 });
  assert.equal(second.records.map((r) => r.id), [id(29)]);
  assert.ok(second.complete);
});

test.run();
