// Operations end to end (issue 13): poison events of two categories reach the DLQ, the preview
// groups them, a redrive filtered to one category moves only those, which are processed once the
// failure mode is off, while the other category stays in the DLQ; failed events replayed after the
// fault is removed are processed, one record per key; the admin routes refuse unsigned callers.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { call, setFailureMode } from "./admin";
import { cloudEvent, eventually, httpClient, json, target, unique } from "./target";

const t = target();
const api = httpClient(t.apiUrl);
// The DLQ needs maxReceiveCount failed receives a visibility timeout apart: seconds with the
// integration config (1 s worker timeout, 2 receives), a quarter of an hour on a deployed dev stack.
const LOCAL = t.kind === "local";

async function post(event: Record<string, unknown>): Promise<string> {
  const res = await api.post("events", { body: JSON.stringify(event), headers: { "content-type": "application/cloudevents+json" } });
  assert.is(res.statusCode, 202, res.body);
  return json(res).id as string;
}

async function status(id: string): Promise<Record<string, any>> {
  const r = await api.get(`events/${id}`);
  assert.is(r.statusCode, 200, r.body);
  return json(r);
}

async function preview(query: Record<string, string | number>): Promise<Record<string, any>> {
  const a = await call("dlqPreview", { query });
  assert.is(a.status, 200, JSON.stringify(a.body));
  return a.body;
}

test("the admin routes refuse an unsigned request with API Gateway's 403, and take a signed one", async () => {
  for (const [route, method] of [["dlqPreview", "GET"], ["getFailureMode", "GET"], ["dlqRedrive", "POST"], ["replay", "POST"], ["setFailureMode", "PUT"]] as const) {
    const a = await call(route, { method, unsigned: true, body: method === "GET" ? undefined : {} });
    assert.is(a.status, 403, `${route}: ${JSON.stringify(a.body)}`);
    assert.equal(a.body, { message: "Missing Authentication Token" });
  }
  const signed = await call("getFailureMode");
  assert.is(signed.status, 200, JSON.stringify(signed.body));
  assert.is(signed.body.available, true, "dev takes failure modes");
});

if (!LOCAL) {
  test.skip("poison → DLQ → preview → selective redrive → replay — skipped on a deployed stack: the DLQ takes maxReceiveCount × the visibility timeout (about 15 min on dev)", () => {});
} else {
  test("two poison categories reach the DLQ and are grouped; a redrive of one moves only those; a replay of failed events processes them once", async () => {
    const source = `/it/ops/${unique()}`;
    try {
      // 1. Three events fail TRANSIENT, two fail TIMEOUT, every time: both end in the DLQ.
      await setFailureMode("poison_payload", { category: "TRANSIENT" });
      const transient = [await post(cloudEvent({ source, type: "it.ops.transient" })), await post(cloudEvent({ source, type: "it.ops.transient" })), await post(cloudEvent({ source, type: "it.ops.transient" }))];
      await eventually("three TRANSIENT messages in the DLQ", async () => ((await preview({ source, category: "TRANSIENT" })).matched === 3 ? true : undefined), 60_000);
      await setFailureMode("poison_payload", { category: "TIMEOUT" });
      const timeouts = [await post(cloudEvent({ source, type: "it.ops.timeout" })), await post(cloudEvent({ source, type: "it.ops.timeout" }))];
      const grouped = await eventually("both categories in the DLQ", async () => {
        const p = await preview({ source });
        return p.matched === 5 ? p : undefined;
      }, 60_000);
      await setFailureMode("none");

      // 2. The preview groups them by category (and type, source), with ages and samples, consuming nothing.
      const groups = Object.fromEntries(grouped.groups.map((g: any) => [g.category, g]));
      assert.equal(Object.keys(groups).sort(), ["TIMEOUT", "TRANSIENT"]);
      assert.equal([groups.TRANSIENT.count, groups.TRANSIENT.type, groups.TRANSIENT.source], [3, "it.ops.transient", source]);
      assert.equal([groups.TIMEOUT.count, groups.TIMEOUT.type], [2, "it.ops.timeout"]);
      assert.ok(transient.includes(groups.TRANSIENT.sampleIds[0]));
      assert.match(groups.TIMEOUT.sampleReason, /poison_payload/);
      assert.ok(groups.TRANSIENT.oldestAgeSeconds >= groups.TRANSIENT.newestAgeSeconds);
      assert.is((await preview({ source })).matched, 5, "previewing consumed nothing");

      // 3. A dry run only plans; then the redrive of TRANSIENT moves exactly those three.
      const plan = await call("dlqRedrive", { body: { source, category: "TRANSIENT", dryRun: true } });
      assert.is(plan.status, 200, JSON.stringify(plan.body));
      assert.equal([plan.body.dryRun, plan.body.wouldMove], [true, 3]);
      assert.is((await preview({ source, category: "TRANSIENT" })).matched, 3, "the dry run moved nothing");
      const moved = await call("dlqRedrive", { body: { source, category: "TRANSIENT", ratePerSecond: 20 } });
      assert.is(moved.status, 200, JSON.stringify(moved.body));
      assert.equal([moved.body.moved, moved.body.sendFailed, moved.body.notDeleted], [3, 0, 0]);
      for (const id of transient) {
        const view = await eventually(`${id} processed after the redrive`, async () => ((await status(id)).status === "processed" ? status(id) : undefined), 30_000);
        assert.is(view.errorCategory, undefined);
      }
      const left = await preview({ source });
      assert.equal(left.groups.map((g: any) => [g.category, g.count]), [["TIMEOUT", 2]], "the other category stays in the DLQ");
      for (const id of timeouts) assert.is((await status(id)).status, "accepted");

      // 4. Five events fail as PROCESSING (stored failed); with the fault removed a replay processes them.
      const replaySource = `${source}/replay`;
      await setFailureMode("poison_payload", { category: "PROCESSING" });
      const failed = await Promise.all(Array.from({ length: 5 }, () => post(cloudEvent({ source: replaySource, type: "it.ops.replay" }))));
      for (const id of failed) await eventually(`${id} stored as failed`, async () => ((await status(id)).status === "failed" ? true : undefined), 30_000);
      const listedFailed = await api.get("events", { searchParams: { status: "failed", category: "PROCESSING", source: replaySource } });
      assert.equal(json(listedFailed).items.map((i: any) => i.id).sort(), [...failed].sort(), "the failed index finds them");
      await setFailureMode("none");
      const dry = await call("replay", { body: { source: replaySource, status: "failed", category: "PROCESSING", dryRun: true } });
      assert.equal([dry.status, dry.body.wouldReplay, dry.body.complete], [200, 5, true], JSON.stringify(dry.body));
      const replayed = await call("replay", { body: { source: replaySource, status: "failed", category: "PROCESSING" } });
      assert.equal([replayed.status, replayed.body.replayed, replayed.body.skipped, replayed.body.sendFailed], [200, 5, 0, 0], JSON.stringify(replayed.body));
      for (const id of failed) {
        const view = await eventually(`${id} processed after the replay`, async () => ((await status(id)).status === "processed" ? status(id) : undefined), 30_000);
        assert.equal([view.errorCategory, view.errorReason], [undefined, undefined]);
      }
      // One record per key: the listing by source holds each id once, processed, with both attempts counted.
      const all = json(await api.get("events", { searchParams: { source: replaySource } })).items;
      assert.equal(all.map((i: any) => i.id).sort(), [...failed].sort());
      assert.ok(all.every((i: any) => i.status === "processed" && i.attempts === 2), JSON.stringify(all));
      assert.equal(json(await api.get("events", { searchParams: { status: "failed", source: replaySource } })).items, [], "out of the failed index");
      // A second replay of failed events finds none: replaying is safe to repeat.
      const again = await call("replay", { body: { source: replaySource, status: "failed" } });
      assert.equal([again.body.replayed, again.body.selected], [0, 0]);
    } finally {
      await setFailureMode("none");
      // Leave nothing of ours in the DLQ for the suites after this one.
      await call("dlqRedrive", { body: { source } });
    }
  });
}

test("listing by source and time returns exactly the events sent in that window, paged, oldest first", async () => {
  const source = `/it/list/${unique()}`;
  const ids: string[] = [];
  for (let i = 0; i < 9; i++) ids.push(await post(cloudEvent({ source, id: `list-${i}` })));
  const everything = json(await api.get("events", { searchParams: { source, limit: 100 } }));
  assert.equal(everything.items.map((e: any) => e.id), ids, "all nine, in the order they were received");
  assert.is(everything.nextCursor, undefined);
  // The window: from the 3rd event's receipt (inclusive) to the 8th's (exclusive).
  const since = everything.items[2].receivedAt;
  const until = everything.items[7].receivedAt;
  const pages: string[][] = [];
  let cursor: string | undefined;
  do {
    const res = await api.get("events", { searchParams: { source, since, until, limit: 2, ...(cursor ? { cursor } : {}) } });
    assert.is(res.statusCode, 200, res.body);
    const body = json(res);
    pages.push(body.items.map((e: any) => e.id));
    cursor = body.nextCursor;
    assert.ok(pages.length < 10, "the listing ends");
  } while (cursor);
  assert.ok(pages.every((p) => p.length <= 2), JSON.stringify(pages));
  assert.equal(pages.flat(), ids.slice(2, 7));

  // A cursor is opaque and checked: a tampered one, or one from another query, is a 400.
  const first = json(await api.get("events", { searchParams: { source, limit: 2 } }));
  const tampered = first.nextCursor.slice(0, -2) + (first.nextCursor.endsWith("A") ? "BB" : "AA");
  for (const [what, params] of [
    ["tampered", { source, limit: "2", cursor: tampered }],
    ["another query's", { source: `${source}/other`, limit: "2", cursor: first.nextCursor }],
    ["not base64url", { source, cursor: "not a cursor!" }],
  ] as const) {
    const res = await api.get("events", { searchParams: params });
    assert.is(res.statusCode, 400, `${what}: ${res.body}`);
    assert.is(json(res).type, "urn:sluice:problem:invalid-query");
  }
  const bad = await api.get("events", { searchParams: { source, limit: "0", colour: "red" } });
  assert.is(bad.statusCode, 400);
  assert.equal(json(bad).errors.map((e: any) => e.path).sort(), ["colour", "limit"]);
  const noSource = await api.get("events");
  assert.is(noSource.statusCode, 400, "a listing needs a source or status=failed");
});

test.run();
