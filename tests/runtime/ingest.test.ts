// The HTTP contract of the ingest and query functions, built by their factories and talking to
// dynalite and local-aws-sqs through the real SDK clients.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  apiEvent,
  cloudEvent,
  drain,
  getEvent,
  json,
  lambdaContext,
  postEvent,
  receiveAll,
  startPipeline,
  queueMessage,
  storedDocument,
  storedRecord,
  tableItems,
} from "./harness";
import { ITEM_ATTRIBUTES } from "../../runtime/contract/table";
import type { Pipeline } from "./harness";

type Ctx = Pipeline;

const test = suite<Ctx>("ingest and query against dynalite + local-aws-sqs");

test.before(async (ctx) => {
  Object.assign(ctx, await startPipeline());
});

test.after((ctx) => ctx.close());

test("happy path: 202 with Location, queued, processed by the worker, GET shows processed", async (ctx) => {
  const ev = cloudEvent();
  const res = await ctx.ingest(postEvent(ev), lambdaContext());
  assert.is(res.statusCode, 202);
  const body = json(res);
  assert.is(body.status, "accepted");
  assert.match(body.id, /^evt_[0-9a-f]{32}$/);
  assert.is(res.headers["location"], `/events/${body.id}`);
  assert.is(res.headers["idempotent-replayed"], undefined);

  const pending = json(await ctx.query(getEvent(body.id), lambdaContext()));
  assert.is(pending.status, "accepted");

  const polls = await drain(ctx.b, ctx.queueUrl, ctx.worker);
  assert.is(polls.length, 1);
  assert.equal(polls[0].failed, []);

  const got = await ctx.query(getEvent(body.id), lambdaContext());
  assert.is(got.statusCode, 200);
  const view = json(got);
  assert.is(view.status, "processed");
  assert.is(view.event.id, ev.id);
  // Coercions applied: "42" → 42, " Ada " → "Ada", "true" → true.
  assert.equal(view.event.data, { id: 42, name: "Ada", email: "ada@example.com", active: true });
  // The request's metadata is inside the stored document, beside the event's text.
  const rec = await storedRecord(ctx.b, ctx.table, body.id);
  const doc = await storedDocument(ctx.b, ctx.table, body.id);
  assert.is(doc?.sourceIp, "198.51.100.7");
  assert.is(doc?.userAgent, "sluice-tests/1");
  assert.ok(doc?.requestId);
  assert.is(rec?.[ITEM_ATTRIBUTES.leaseToken], undefined, "the lease is gone once processed");
  assert.ok(typeof rec?.expiresAt === "number" && rec.expiresAt > Date.now() / 1000 + 6 * 86400, "TTL set for the retention (7 days here)");
});

// local-aws-sqs does not enforce SQS's character rule, so this proves the round trip only; that the
// body is escaped is proven in tests/unit/prepare-event.test.ts.
test("characters SQS refuses (U+FFFE, U+FFFF) come back intact after queue and worker", async (ctx) => {
  const ev = cloudEvent({ type: "sluice.webhook.received", data: { provider: "acme", event: "odd", payload: { text: "a\uFFFEb\uFFFFc" } } });
  const res = await ctx.ingest(postEvent(ev), lambdaContext());
  assert.is(res.statusCode, 202, res.body);
  await drain(ctx.b, ctx.queueUrl, ctx.worker);
  const view = json(await ctx.query(getEvent(json(res).id), lambdaContext()));
  assert.is(view.status, "processed");
  assert.is(view.event.data.payload.text, "a\uFFFEb\uFFFFc");
});

test("replay: the same key and payload after processing gives the same 202 and body, with Idempotent-Replayed", async (ctx) => {
  const ev = cloudEvent();
  const first = await ctx.ingest(postEvent(ev, { "idempotency-key": '"order-7781"' }), lambdaContext());
  assert.is(first.statusCode, 202);
  await drain(ctx.b, ctx.queueUrl, ctx.worker);
  const again = await ctx.ingest(postEvent(ev, { "idempotency-key": '"order-7781"' }), lambdaContext());
  assert.is(again.statusCode, 202);
  assert.is(again.body, first.body);
  assert.is(again.headers["idempotent-replayed"], "true");
  assert.is(again.headers["location"], first.headers["location"]);
  assert.equal(await receiveAll(ctx.b, ctx.queueUrl), [], "a replay queues nothing");
});

test("binary mode (ce-* headers) is the same event as structured mode: replayed, not reused", async (ctx) => {
  const ev = cloudEvent({ type: "sluice.telemetry.reading", data: { deviceId: "dev-1", metric: "temp", value: "21.5" } });
  const first = await ctx.ingest(postEvent(ev), lambdaContext());
  assert.is(first.statusCode, 202);
  await drain(ctx.b, ctx.queueUrl, ctx.worker);
  const binary = apiEvent({
    method: "POST",
    path: "/events",
    headers: { "content-type": "application/json", "ce-specversion": "1.0", "ce-id": String(ev.id), "ce-source": String(ev.source), "ce-type": String(ev.type) },
    body: ev.data,
  });
  const res = await ctx.ingest(binary, lambdaContext());
  assert.is(res.statusCode, 202);
  assert.is(res.headers["idempotent-replayed"], "true");
  assert.is(json(res).id, json(first).id);
});

test("422 idempotency-key-reused: same key, other payload, and the first event is not overwritten", async (ctx) => {
  const ev = cloudEvent();
  const first = await ctx.ingest(postEvent(ev, { "idempotency-key": '"key-reuse-1"' }), lambdaContext());
  assert.is(first.statusCode, 202);
  const other = { ...ev, data: { id: 43, name: "Someone else", active: false } };
  const res = await ctx.ingest(postEvent(other, { "idempotency-key": '"key-reuse-1"' }), lambdaContext());
  assert.is(res.statusCode, 422);
  assert.is(res.headers["content-type"], "application/problem+json");
  assert.is(json(res).type, "urn:sluice:problem:idempotency-key-reused");
  await drain(ctx.b, ctx.queueUrl, ctx.worker);
  const view = json(await ctx.query(getEvent(json(first).id), lambdaContext()));
  assert.is(view.event.data.id, 42);
  // And once processed, a reuse is still refused.
  const later = await ctx.ingest(postEvent(other, { "idempotency-key": '"key-reuse-1"' }), lambdaContext());
  assert.is(later.statusCode, 422);
});

test("409 idempotency-key-in-flight while the first is not yet processed, with Retry-After", async (ctx) => {
  const ev = cloudEvent();
  const first = await ctx.ingest(postEvent(ev), lambdaContext());
  assert.is(first.statusCode, 202);
  const dup = await ctx.ingest(postEvent(ev), lambdaContext());
  assert.is(dup.statusCode, 409);
  assert.is(json(dup).type, "urn:sluice:problem:idempotency-key-in-flight");
  const retryAfter = Number(dup.headers["retry-after"]);
  assert.ok(retryAfter >= 1 && retryAfter <= 30, `Retry-After within the lease: ${retryAfter}`);
  const queued = await receiveAll(ctx.b, ctx.queueUrl);
  assert.is(queued.length, 1, "only the first request queued a message");
  const msg = queueMessage(queued[0].body);
  assert.is(msg.id, json(first).id);
  const accepted = JSON.stringify({ ...ev, data: { id: 42, name: "Ada", email: "ada@example.com", active: true } });
  assert.is(msg.event, accepted, "the event, once, as accepted (its coercions spliced in)");
  assert.ok(msg.key && msg.payloadHash && msg.receivedAt && msg.requestId);
});

test("webhook-id header is the key when there is no Idempotency-Key", async (ctx) => {
  const a = await ctx.ingest(postEvent(cloudEvent(), { "webhook-id": "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W" }), lambdaContext());
  assert.is(a.statusCode, 202);
  const b = await ctx.ingest(postEvent(cloudEvent(), { "webhook-id": "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W" }), lambdaContext());
  assert.is(b.statusCode, 422, "another event under the same webhook id is a reuse");
  await receiveAll(ctx.b, ctx.queueUrl);
});

test("every client error of DESIGN §2 is a problem+json 4xx and stores nothing", async (ctx) => {
  const before = (await tableItems(ctx.b, ctx.table)).length;
  const cases: { name: string; call: Parameters<typeof apiEvent>[0]; status: number; slug: string }[] = [
    { name: "415 wrong content type", call: { method: "POST", path: "/events", headers: { "content-type": "text/plain" }, body: "hi" }, status: 415, slug: "unsupported-media-type" },
    { name: "415 no content type", call: { method: "POST", path: "/events", body: cloudEvent() }, status: 415, slug: "unsupported-media-type" },
    {
      name: "413 too large after base64 decoding",
      call: { method: "POST", path: "/events", headers: { "content-type": "application/json" }, body: cloudEvent({ data: { id: 1, name: "x".repeat(5000), active: true } }), base64: true },
      status: 413,
      slug: "payload-too-large",
    },
    { name: "400 malformed JSON", call: { method: "POST", path: "/events", headers: { "content-type": "application/json" }, body: '{"specversion": "1.0",' }, status: 400, slug: "invalid-json" },
    { name: "400 bad Idempotency-Key", call: { method: "POST", path: "/events", headers: { "content-type": "application/json", "idempotency-key": '"unterminated' }, body: cloudEvent() }, status: 400, slug: "invalid-idempotency-key" },
    { name: "422 envelope", call: { method: "POST", path: "/events", headers: { "content-type": "application/json" }, body: { specversion: "0.3", id: "1", source: "s", type: "sluice.demo.user" } }, status: 422, slug: "validation-failed" },
    { name: "422 data schema", call: { method: "POST", path: "/events", headers: { "content-type": "application/json" }, body: cloudEvent({ data: { id: "abc", name: "", active: "maybe" } }) }, status: 422, slug: "validation-failed" },
    { name: "422 unknown type (reject)", call: { method: "POST", path: "/events", headers: { "content-type": "application/json" }, body: cloudEvent({ type: "com.example.unknown" }) }, status: 422, slug: "validation-failed" },
    { name: "404 unknown route", call: { method: "POST", path: "/nope" }, status: 404, slug: "not-found" },
    { name: "405 wrong method", call: { method: "PUT", path: "/events" }, status: 405, slug: "method-not-allowed" },
  ];
  for (const c of cases) {
    const res = await ctx.ingest(apiEvent(c.call), lambdaContext());
    assert.is(res.statusCode, c.status, c.name);
    assert.is(res.headers["content-type"], "application/problem+json", c.name);
    const p = json(res);
    assert.is(p.type, `urn:sluice:problem:${c.slug}`, c.name);
    assert.is(p.status, c.status, c.name);
    assert.ok(p.title && p.detail, c.name);
  }
  const schema = json(await ctx.ingest(apiEvent(cases[6].call), lambdaContext()));
  assert.equal(
    schema.errors.map((e: { path: string }) => e.path).sort(),
    ["/data/active", "/data/id", "/data/name"],
  );
  const notAllowed = await ctx.ingest(apiEvent({ method: "GET", path: "/events/batch" }), lambdaContext());
  assert.is(notAllowed.statusCode, 405);
  assert.is(notAllowed.headers["allow"], "POST");
  assert.is((await tableItems(ctx.b, ctx.table)).length, before, "nothing stored for rejected requests");
  assert.equal(await receiveAll(ctx.b, ctx.queueUrl), [], "nothing queued for rejected requests");
});

test("query: 404 for an unknown id and for a malformed one, 405 on a wrong method, health, demo source", async (ctx) => {
  const unknown = await ctx.query(getEvent("evt_" + "0".repeat(32)), lambdaContext());
  assert.is(unknown.statusCode, 404);
  assert.is(json(unknown).type, "urn:sluice:problem:not-found");
  assert.is((await ctx.query(getEvent("../../etc"), lambdaContext())).statusCode, 404);
  const del = await ctx.query(apiEvent({ method: "DELETE", path: "/events/evt_" + "0".repeat(32) }), lambdaContext());
  assert.is(del.statusCode, 405);
  assert.is(del.headers["allow"], "GET");
  const health = await ctx.query(apiEvent({ method: "GET", path: "/health" }), lambdaContext());
  assert.is(health.statusCode, 200);
  assert.equal(json(health), { status: "ok", stage: "test", version: "9.9.9" });
  const demo = await ctx.query(apiEvent({ method: "GET", path: "/demo/source" }), lambdaContext());
  assert.is(demo.statusCode, 200);
  assert.ok(Array.isArray(json(demo)) && json(demo).length >= 10);
});

test("batch: 202 when all are accepted; one SendMessageBatch; per-item 207 with rejected items", async (ctx) => {
  const events = Array.from({ length: 3 }, () => cloudEvent());
  const ok = await ctx.ingest(
    apiEvent({ method: "POST", path: "/events/batch", headers: { "content-type": "application/cloudevents-batch+json" }, body: events }),
    lambdaContext(),
  );
  assert.is(ok.statusCode, 202);
  const items = json(ok).items;
  assert.equal(items.map((i: { status: string }) => i.status), ["accepted", "accepted", "accepted"]);
  assert.is((await receiveAll(ctx.b, ctx.queueUrl)).length, 3);

  const mixed = [events[0], cloudEvent({ data: { id: "nope" } }), cloudEvent()];
  const res = await ctx.ingest(apiEvent({ method: "POST", path: "/events/batch", headers: { "content-type": "application/json" }, body: mixed }), lambdaContext());
  assert.is(res.statusCode, 207);
  const per = json(res).items;
  assert.is(per[0].status, "rejected", "in flight: the first batch is not processed yet");
  assert.is(per[0].httpStatus, 409);
  assert.is(per[1].status, "rejected");
  assert.is(per[1].httpStatus, 422);
  assert.is(per[1].problem.type, "urn:sluice:problem:validation-failed");
  assert.is(per[2].status, "accepted");
  assert.is(per[2].httpStatus, 202);
  assert.is((await receiveAll(ctx.b, ctx.queueUrl)).length, 1);
});

test("batch: whole-request problems for a non-array, an empty array and more than 10 events", async (ctx) => {
  const post = (body: unknown) => ctx.ingest(apiEvent({ method: "POST", path: "/events/batch", headers: { "content-type": "application/json" }, body }), lambdaContext());
  assert.is((await post({ not: "an array" })).statusCode, 422);
  assert.is((await post([])).statusCode, 422);
  assert.is((await post([1, 2])).statusCode, 422);
  const big = await post(Array.from({ length: 11 }, () => cloudEvent()));
  assert.is(big.statusCode, 413);
  assert.is((await post("[")).statusCode, 400);
  const wrongType = await ctx.ingest(apiEvent({ method: "POST", path: "/events/batch", headers: { "content-type": "application/cloudevents+json" }, body: [cloudEvent()] }), lambdaContext());
  assert.is(wrongType.statusCode, 415);
  assert.equal(await receiveAll(ctx.b, ctx.queueUrl), []);
});

test.run();
