// The HTTP contract end to end, against whatever run.ts points at (local or deployed): an event
// goes in, is processed, can be read back; duplicates replay; bad requests get the right problem.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { cloudEvent, eventually, httpClient, json, target, unique } from "./target";

const { apiUrl } = target();
const api = httpClient(apiUrl);

function post(body: unknown, headers: Record<string, string> = {}) {
  return api.post("events", { body: typeof body === "string" ? body : JSON.stringify(body), headers: { "content-type": "application/cloudevents+json", ...headers } });
}

function assertProblem(res: { statusCode: number; headers: Record<string, unknown>; body: string }, status: number, slug: string) {
  assert.is(res.statusCode, status, res.body);
  assert.match(String(res.headers["content-type"]), /^application\/problem\+json/);
  const p = json(res);
  assert.is(p.type, `urn:sluice:problem:${slug}`);
  assert.is(p.status, status);
  assert.type(p.title, "string");
  return p;
}

test("a posted event is accepted, then eventually processed and readable by id", async () => {
  const event = cloudEvent({ data: { order: unique(), total: 42 } });
  const res = await post(event);
  assert.is(res.statusCode, 202, res.body);
  const body = json(res);
  assert.is(body.status, "accepted");
  assert.type(body.id, "string");
  assert.is(res.headers.location, `/events/${body.id}`);

  const stored = await eventually("the event to be processed", async () => {
    const got = await api.get(`events/${body.id}`);
    if (got.statusCode !== 200) return undefined;
    const view = json(got);
    return view.status === "processed" ? view : undefined;
  });
  assert.is(stored.id, body.id);
  assert.equal(stored.event.data, event.data);
  assert.is(stored.event.source, event.source);
});

test("the same request again, once processed, is replayed with the same answer and Idempotent-Replayed", async () => {
  const event = cloudEvent();
  const first = await post(event);
  assert.is(first.statusCode, 202, first.body);
  assert.is(first.headers["idempotent-replayed"], undefined);
  const id = json(first).id as string;
  await eventually("the event to be processed", async () => {
    const r = await api.get(`events/${id}`);
    return r.statusCode === 200 && json(r).status === "processed" ? true : undefined;
  });
  const again = await post(event);
  assert.is(again.statusCode, 202, again.body);
  assert.equal(json(again), json(first));
  assert.is(again.headers["idempotent-replayed"], "true");
});

// A retry right after the 202 cannot be told from a first request still being sent without a third
// DynamoDB write (docs/adr/0001-idempotency.md), so until the worker stores the event it is a 409
// with a short Retry-After, never a second acceptance; honouring Retry-After leads to the replay.
test("a retry right after the 202 gets 409 with a short Retry-After or the replay, and then the replay", async () => {
  const event = cloudEvent();
  const first = await post(event);
  assert.is(first.statusCode, 202, first.body);
  const again = await post(event);
  if (again.statusCode === 409) {
    assertProblem(again, 409, "idempotency-key-in-flight");
    const retryAfter = Number(again.headers["retry-after"]);
    assert.ok(retryAfter >= 1 && retryAfter <= 2, `Retry-After ${again.headers["retry-after"]}`);
  } else {
    assert.is(again.statusCode, 202, again.body);
    assert.is(again.headers["idempotent-replayed"], "true");
  }
  const replay = await eventually("a retry to be replayed", async () => {
    const r = await post(event);
    return r.statusCode === 202 ? r : undefined;
  });
  assert.is(replay.headers["idempotent-replayed"], "true");
  assert.equal(json(replay), json(first));
});

test("an Idempotency-Key reused with another payload gets 422 and the first event stays", async () => {
  const key = `"it-key-${unique()}"`;
  const first = await post(cloudEvent({ data: { v: 1 } }), { "idempotency-key": key });
  assert.is(first.statusCode, 202, first.body);
  const reused = await post(cloudEvent({ data: { v: 2 } }), { "idempotency-key": key });
  assertProblem(reused, 422, "idempotency-key-reused");
  const id = json(first).id as string;
  const view = await eventually("the first event to be processed", async () => {
    const r = await api.get(`events/${id}`);
    return r.statusCode === 200 && json(r).status === "processed" ? json(r) : undefined;
  });
  assert.equal(view.event.data, { v: 1 });
});

test("malformed JSON is a 400 invalid-json", async () => {
  assertProblem(await post('{"specversion": "1.0", '), 400, "invalid-json");
});

test("a body over the limit is a 413", async () => {
  const big = cloudEvent({ data: { blob: "x".repeat(300 * 1024) } });
  assertProblem(await post(big), 413, "payload-too-large");
});

test("a wrong content type is a 415", async () => {
  assertProblem(await post("hello", { "content-type": "text/plain" }), 415, "unsupported-media-type");
});

test("a schema violation is a 422 with the failing paths", async () => {
  const p = assertProblem(await post({ specversion: "1.0", source: "/x", type: "t" }), 422, "validation-failed");
  assert.ok(Array.isArray(p.errors) && p.errors.length > 0, JSON.stringify(p));
  assert.ok(p.errors.some((e: { path: string }) => e.path.includes("id")), JSON.stringify(p.errors));
});

test("an unknown event id is a 404, an unknown path a 404, a wrong method a 405", async () => {
  assertProblem(await api.get(`events/evt_${"0".repeat(32)}`), 404, "not-found");
  assertProblem(await api.get(`no-such-path-${unique()}`), 404, "not-found");
  assertProblem(await api.delete("events"), 405, "method-not-allowed");
});

test("a batch with good, invalid and duplicate items answers per item, and stores only the good ones", async () => {
  const good = cloudEvent({ data: { k: "good" } });
  const good2 = cloudEvent({ data: { k: "good2" } });
  const invalid = { specversion: "1.0", source: "/x" };
  const res = await api.post("events/batch", { body: JSON.stringify([good, invalid, good2, good]), headers: { "content-type": "application/cloudevents-batch+json" } });
  assert.is(res.statusCode, 207, res.body);
  const items = json(res).items as Array<{ index: number; id?: string; status: string; httpStatus: number; problem?: { type: string } }>;
  assert.is(items.length, 4);
  assert.is(items[0].status, "accepted");
  assert.is(items[1].status, "rejected");
  assert.is(items[1].httpStatus, 422);
  assert.is(items[2].status, "accepted");
  // The same event twice in one batch is one event: the second is a replay (or in flight), never a second record.
  assert.ok(["replayed", "rejected"].includes(items[3].status), JSON.stringify(items[3]));
  for (const i of [0, 2]) {
    const id = items[i].id!;
    await eventually(`batch item ${i} to be processed`, async () => {
      const r = await api.get(`events/${id}`);
      return r.statusCode === 200 && json(r).status === "processed" ? true : undefined;
    });
  }
});

test("GET /health answers", async () => {
  const res = await api.get("health");
  assert.is(res.statusCode, 200, res.body);
});

test.run();
