// POST /sources/{name} beyond the schemes, through the real handlers: the generic hmac-sha256, an
// unknown source, the plain JSON shapes of the issue, a type whose coercions change the body (the
// raw bytes kept beside the event), hostile requests, and the secrets being unreachable (503).
import { createHmac, randomUUID } from "node:crypto";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Webhook } from "standardwebhooks";
import { ENV_NAMES } from "../../runtime/contract/environment";
import { ingestFactory } from "../../runtime/ingest-handler";
import { sourcesEnvironment } from "../../runtime/sources/sources-environment";
import { apiEvent, applyEnv, json, lambdaContext, storedDocument, tableItems } from "./harness";
import { assertRefused, HOOK, now, payload, post, SOURCES, SW, startSources, stopSources, view, type SourcesCtx } from "./sources-harness";

const test = suite<SourcesCtx>("sources: bodies, plain JSON, hostile requests and unreachable secrets");

test.before((ctx) => startSources(ctx));
test.after((ctx) => stopSources(ctx));

test("generic hmac-sha256 (base64 in x-sig), and a source that is not configured is a 404", async (ctx) => {
  const body = Buffer.from([0x01, 0x02, 0xff]);
  const res = await post(ctx, "hook", body, { "content-type": "application/octet-stream", "x-sig": createHmac("sha256", HOOK[0]).update(body).digest("base64") });
  assert.is(res.statusCode, 202, res.body);
  const stored = await view(ctx, json(res).id, true);
  assert.is(stored.event.data_base64, body.toString("base64"));
  assert.equal([...Buffer.from(stored.raw, "base64")], [1, 2, 255]);
  await assertRefused(ctx, await post(ctx, "hook", body, { "content-type": "application/octet-stream", "x-sig": createHmac("sha256", HOOK[0]).update("x").digest("base64") }), "wrong body");
  const unknown = await post(ctx, "nope", "{}", { "content-type": "application/json" });
  assert.is(unknown.statusCode, 404);
  assert.is(json(unknown).type, "urn:sluice:problem:not-found");
});

test("plain JSON: the issue's three shapes are stored and readable; the same body twice to a sha256 source is a replay", async (ctx) => {
  const order = `{"orderId":"test-${randomUUID()}","amount":42.50}`;
  const reading = `{"source":"sensor-01","type":"temperature","payload":{"celsius":21.5,"at":"${new Date().toISOString()}"}}`;
  const legacy = `{"metadata":{"message_id":"${randomUUID()}"},"data":{"sku":"A-1","qty":3}}`;
  const ids: string[] = [];
  for (const [name, body] of [["orders", order], ["telemetry", reading], ["legacy", legacy]] as const) {
    const res = await post(ctx, name, body, { "content-type": "application/json" });
    assert.is(res.statusCode, 202, `${name}: ${res.body}`);
    ids.push(json(res).id);
  }
  const [o, t, l] = await Promise.all(ids.map((id) => view(ctx, id)));
  assert.ok(JSON.stringify(o.event).includes('"amount":42.5'), "readable");
  assert.is(o.event.type, "com.example.order");
  assert.is(t.event.type, "com.example.telemetry.temperature");
  assert.is(l.event.id, JSON.parse(legacy).metadata.message_id);
  assert.is(o.receipt.scheme, "none");
  const twice = await post(ctx, "orders", order, { "content-type": "application/json" });
  assert.is(twice.headers["idempotent-replayed"], "true");
  assert.is(json(twice).id, ids[0]);
});

test("a type's coercions change the event, so the raw body is stored beside it, exactly", async (ctx) => {
  const body = `{"id":"${randomUUID().slice(0, 8)}","name":" Ada ","active":"true"}`;
  const withId = body.replace(/"id":"[^"]+"/, '"id":"42"');
  const res = await post(ctx, "crm", withId, { "content-type": "application/json" });
  assert.is(res.statusCode, 202, res.body);
  const stored = await view(ctx, json(res).id, true);
  assert.equal(stored.event.data, { id: 42, name: "Ada", active: true }, "coerced");
  assert.is(Buffer.from(stored.raw, "base64").toString(), withId, "the body as it came");
  const doc = await storedDocument(ctx.b, ctx.table, json(res).id);
  assert.is(doc?.rawOf, undefined, "kept as bytes, not as a span of the changed event");
});

test("hostile requests to a source get a 4xx, never a 5xx, and store nothing", async (ctx) => {
  const before = (await tableItems(ctx.b, ctx.table)).length;
  const body = payload();
  const at = String(now());
  const cases: [string, string | Buffer, Record<string, string>, number][] = [
    ["10,000 signatures in one header", body, { "content-type": "application/json", "webhook-id": "m", "webhook-timestamp": at, "webhook-signature": Array.from({ length: 10_000 }, () => "v1,AAAA").join(" ") }, 401],
    ["a signature that is not base64", body, { "content-type": "application/json", "webhook-id": "m", "webhook-timestamp": at, "webhook-signature": "v1,@@@ v1,%%%" }, 401],
    ["a timestamp of 400 digits", body, { "content-type": "application/json", "webhook-id": "m", "webhook-timestamp": "9".repeat(400), "webhook-signature": "v1,AAAA" }, 401],
    ["Stripe's header as a wall of commas", body, { "content-type": "application/json", "stripe-signature": ",".repeat(5000) + "t=1,v1=" + "0".repeat(64) }, 401],
    ["a body over the limit", "x".repeat(70_000), { "content-type": "text/plain" }, 413],
    ["a content type that is not one", "{}", { "content-type": "json please" }, 415],
    ["JSON 64 levels deep as data", "[".repeat(64) + "]".repeat(64), { "content-type": "application/json" }, 422],
    ["an id of 2,000 characters", `{"metadata":{"message_id":"${"x".repeat(2000)}"}}`, { "content-type": "application/json" }, 422],
    ["an id with a control character", '{"metadata":{"message_id":"a\\u0000b"}}', { "content-type": "application/json" }, 422],
    ["bytes that are not UTF-8 as JSON", Buffer.from([0x7b, 0xc0, 0xa0, 0x7d]), { "content-type": "application/json" }, 400],
  ];
  for (const [what, b, headers, status] of cases) {
    const name = status === 401 ? (headers["stripe-signature"] ? "stripe" : "sw") : what.startsWith("an id") ? "legacy" : "orders";
    const res = await post(ctx, name, b, headers);
    assert.is(res.statusCode, status, `${what}: ${res.body.slice(0, 200)}`);
  }
  assert.is((await tableItems(ctx.b, ctx.table)).length, before);
});

test("the secrets unreachable: 503 with Retry-After, nothing stored", async (ctx) => {
  const ids = { sw: "arn:aws:secretsmanager:us-east-1:123456789012:secret:missing-AAAAAA", github: "x", stripe: "x", hook: "x" };
  const restore = applyEnv({ [ENV_NAMES.sources]: sourcesEnvironment(SOURCES, ids, 50) });
  try {
    const ingest = ingestFactory();
    const before = (await tableItems(ctx.b, ctx.table)).length;
    const msgId = `msg_${randomUUID()}`;
    const body = payload();
    const res = await ingest(apiEvent({ method: "POST", path: "/sources/sw", headers: { "content-type": "application/json", "webhook-id": msgId, "webhook-timestamp": String(now()), "webhook-signature": new Webhook(SW[0]).sign(msgId, new Date(), body) }, body }), lambdaContext());
    assert.is(res.statusCode, 503, res.body);
    assert.is(json(res).type, "urn:sluice:problem:dependency-unavailable");
    assert.ok(Number(res.headers["retry-after"]) >= 1);
    assert.is((await tableItems(ctx.b, ctx.table)).length, before);
  } finally {
    restore();
  }
});

test.run();
