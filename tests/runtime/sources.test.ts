// POST /sources/{name} end to end in the ingest, worker and query built by their factories, with
// dynalite, local-aws-sqs and the local Secrets Manager: each scheme signed by the provider's own
// library (valid → 202, stored with its receipt and raw body; tampered, wrong secret, old
// timestamp, missing header → 401 and nothing stored; a rotated secret → 202; a redelivery → a
// replay; another body under the same delivery → 422), the plain JSON shapes, and the secrets
// being unreachable (503).
import { randomBytes, randomUUID } from "node:crypto";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Webhook } from "standardwebhooks";
import Stripe from "stripe";
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from "../../local/aws/local-account";
import type { LocalServer } from "../../local/aws/loopback-server";
import { startSecretsManager } from "../../local/secretsmanager/secretsmanager-server";
import { SecretsRegistry } from "../../local/secretsmanager/secrets-registry";
import { ENV_NAMES } from "../../runtime/contract/environment";
import { ingestFactory } from "../../runtime/ingest-handler";
import { queryFactory } from "../../runtime/query-handler";
import { workerFactory } from "../../runtime/worker-handler";
import { parseSources, sourcesEnvironment } from "../../runtime/sources/source-config";
import { apiEvent, applyEnv, createQueues, createTable, drain, functionEnv, getEvent, json, lambdaContext, receiveAll, startBackends, storedDocument, tableItems } from "./harness";
import type { Backends } from "./harness";

type Octokit = { sign(secret: string, payload: string): Promise<string> };
const OCTOKIT = "@octokit/webhooks-methods";
const stripe = new Stripe("sk_test_not_used");

const SW = ["whsec_" + randomBytes(24).toString("base64"), "whsec_" + randomBytes(24).toString("base64")];
const GH = ["gh-new-" + randomUUID(), "gh-old-" + randomUUID()];
const ST = ["whsec_" + randomBytes(16).toString("hex")];
const HOOK = ["hook-" + randomUUID()];

const SOURCES = parseSources({
  sw: { verify: "standard-webhooks" },
  github: { verify: "github" },
  stripe: { verify: "stripe", webhookOrigins: ["events.stripe.example"] },
  hook: { verify: "hmac-sha256", type: "com.example.hook", signatureHeader: "x-sig", signatureEncoding: "base64" },
  orders: { verify: "none", id: "sha256", type: "com.example.order" },
  telemetry: { verify: "none", type: "com.example.telemetry.{json:/type}" },
  legacy: { verify: "none", id: "json:/metadata/message_id", type: "com.example.legacy" },
  crm: { verify: "none", id: "json:/id", type: "sluice.demo.user" },
});

interface Ctx {
  b: Backends;
  sm: LocalServer;
  registry: SecretsRegistry;
  table: string;
  queueUrl: string;
  restore(): void;
  ingest: ReturnType<typeof ingestFactory>;
  worker: ReturnType<typeof workerFactory>;
  query: ReturnType<typeof queryFactory>;
  octokit: Octokit;
}

const test = suite<Ctx>("sources: webhooks and plain JSON through the real handlers");

test.before(async (ctx) => {
  ctx.b = await startBackends();
  ctx.registry = new SecretsRegistry({ region: LOCAL_REGION, accountId: LOCAL_ACCOUNT_ID });
  ctx.sm = await startSecretsManager({ registry: ctx.registry });
  const ids: Record<string, string> = {};
  for (const [name, values] of [["sw", SW], ["github", GH], ["stripe", ST], ["hook", HOOK]] as const) {
    ids[name] = ctx.registry.ensure(`test/${name}`).arn;
    ctx.registry.put(`test/${name}`, JSON.stringify(values));
  }
  ctx.table = await createTable(ctx.b);
  ctx.queueUrl = (await createQueues(ctx.b)).queueUrl;
  ctx.restore = applyEnv({
    ...functionEnv(ctx.b, ctx.table, ctx.queueUrl, { [ENV_NAMES.unknownTypes]: "accept", [ENV_NAMES.maxBodyBytes]: "65536" }),
    AWS_ENDPOINT_URL_SECRETS_MANAGER: ctx.sm.endpoint,
    [ENV_NAMES.sources]: sourcesEnvironment(SOURCES, ids, 50),
  });
  ctx.ingest = ingestFactory();
  ctx.worker = workerFactory();
  ctx.query = queryFactory();
  ctx.octokit = (await import(OCTOKIT)) as Octokit;
});

test.after(async (ctx) => {
  ctx.restore();
  await ctx.sm.close();
  await ctx.b.close();
});

/** A Buffer body arrives base64-encoded, as API Gateway passes a body it does not take for text. */
function post(ctx: Ctx, name: string, body: string | Buffer, headers: Record<string, string>) {
  const event = apiEvent({ method: "POST", path: `/sources/${name}`, headers, body: typeof body === "string" ? body : "" });
  if (Buffer.isBuffer(body)) Object.assign(event, { body: body.toString("base64"), isBase64Encoded: true });
  return ctx.ingest(event, lambdaContext());
}

async function view(ctx: Ctx, id: string, raw = false) {
  await drain(ctx.b, ctx.queueUrl, ctx.worker);
  const ev = getEvent(id);
  if (raw) ev.queryStringParameters = { include: "raw" };
  const res = await ctx.query(ev, lambdaContext());
  assert.is(res.statusCode, 200, res.body);
  return json(res);
}

async function assertRefused(ctx: Ctx, res: { statusCode: number; body: string; headers: Record<string, string> }, what: string) {
  assert.is(res.statusCode, 401, `${what}: ${res.body}`);
  assert.is(res.headers["content-type"], "application/problem+json");
  const p = json(res);
  assert.is(p.type, "urn:sluice:problem:signature-invalid", what);
  assert.is(p.detail, "the request's signature could not be verified", `${what}: the same words whatever failed`);
  assert.equal(await receiveAll(ctx.b, ctx.queueUrl), [], `${what}: nothing queued`);
}

const now = () => Math.floor(Date.now() / 1000);
const payload = (extra: Record<string, unknown> = {}) => JSON.stringify({ type: "invoice.paid", id: `evt_${randomUUID()}`, data: { amount: 4200 }, ...extra });

test("Standard Webhooks: valid → 202 and stored with its receipt and raw body; redelivery → replay; rotated secret → 202", async (ctx) => {
  const body = payload();
  const msgId = `msg_${randomUUID()}`;
  const sign = (secret: string, at: number, b = body) => ({ "content-type": "application/json", "webhook-id": msgId, "webhook-timestamp": String(at), "webhook-signature": new Webhook(secret).sign(msgId, new Date(at * 1000), b) });
  const before = (await tableItems(ctx.b, ctx.table)).length;
  const first = await post(ctx, "sw", body, sign(SW[0], now()));
  assert.is(first.statusCode, 202, first.body);
  const id = json(first).id;
  const stored = await view(ctx, id, true);
  assert.equal(
    { status: stored.status, source: stored.source, type: stored.type, id: stored.event.id, data: stored.event.data },
    { status: "processed", source: "/sources/sw", type: "invoice.paid", id: msgId, data: JSON.parse(body) },
  );
  assert.equal({ scheme: stored.receipt.scheme, keyIndex: stored.receipt.keyIndex }, { scheme: "standard-webhooks", keyIndex: 0 });
  assert.ok(stored.receipt.signedAt && stored.receipt.headers["webhook-signature"], "signed time and the signature's headers");
  assert.is(Buffer.from(stored.raw, "base64").toString("utf8"), body, "the raw body, exactly");
  const plain = await view(ctx, id);
  assert.is(plain.raw, undefined, "no raw body unless asked");
  assert.is(plain.receipt.headers, undefined, "no signature headers unless asked");
  assert.is((await tableItems(ctx.b, ctx.table)).length, before + 1);
  // The provider retries later: a new timestamp and signature, the same delivery id and body.
  const again = await post(ctx, "sw", body, sign(SW[0], now() + 1));
  assert.is(again.statusCode, 202, again.body);
  assert.is(again.headers["idempotent-replayed"], "true");
  assert.is(json(again).id, id);
  // Another body under the same delivery id is not a redelivery.
  const other = await post(ctx, "sw", payload(), sign(SW[0], now(), payload()));
  assert.is(other.statusCode, 401, "signed over a different body than sent");
  const otherBody = payload();
  const reused = await post(ctx, "sw", otherBody, sign(SW[0], now(), otherBody));
  assert.is(reused.statusCode, 422, reused.body);
  assert.is(json(reused).type, "urn:sluice:problem:idempotency-key-reused");
  // Signed with the previous secret: still verified, and the receipt says which.
  const rotatedId = `msg_${randomUUID()}`;
  const rotated = await post(ctx, "sw", body, { "content-type": "application/json", "webhook-id": rotatedId, "webhook-timestamp": String(now()), "webhook-signature": new Webhook(SW[1]).sign(rotatedId, new Date(), body) });
  assert.is(rotated.statusCode, 202, rotated.body);
  assert.is((await view(ctx, json(rotated).id)).receipt.keyIndex, 1);
});

test("Standard Webhooks: tampered, wrong secret, old timestamp, missing header → 401, nothing stored", async (ctx) => {
  const body = payload();
  const msgId = `msg_${randomUUID()}`;
  const headers = (secret: string, at: number) => ({ "content-type": "application/json", "webhook-id": msgId, "webhook-timestamp": String(at), "webhook-signature": new Webhook(secret).sign(msgId, new Date(at * 1000), body) });
  const before = (await tableItems(ctx.b, ctx.table)).length;
  await assertRefused(ctx, await post(ctx, "sw", body.replace("4200", "4201"), headers(SW[0], now())), "tampered");
  await assertRefused(ctx, await post(ctx, "sw", body, headers("whsec_" + randomBytes(24).toString("base64"), now())), "wrong secret");
  await assertRefused(ctx, await post(ctx, "sw", body, headers(SW[0], now() - 600)), "old timestamp");
  const { "webhook-signature": _s, ...unsigned } = headers(SW[0], now());
  await assertRefused(ctx, await post(ctx, "sw", body, unsigned), "missing header");
  assert.is((await tableItems(ctx.b, ctx.table)).length, before, "nothing stored");
});

test("GitHub: @octokit/webhooks-methods signs; valid, rotated, redelivered, and refused", async (ctx) => {
  const body = JSON.stringify({ action: "opened", number: 7, repository: { full_name: "acme/app" } });
  const delivery = randomUUID();
  const headers = async (secret: string, b = body) => ({ "content-type": "application/json", "x-github-event": "pull_request", "x-github-delivery": delivery, "x-hub-signature-256": await ctx.octokit.sign(secret, b) });
  const first = await post(ctx, "github", body, await headers(GH[1]));
  assert.is(first.statusCode, 202, first.body);
  const stored = await view(ctx, json(first).id);
  assert.equal([stored.type, stored.event.id, stored.receipt.scheme, stored.receipt.keyIndex], ["com.github.pull_request", delivery, "github", 1]);
  const again = await post(ctx, "github", body, await headers(GH[0]));
  assert.is(again.headers["idempotent-replayed"], "true", "GitHub's redelivery keeps the delivery id");
  await assertRefused(ctx, await post(ctx, "github", body + " ", await headers(GH[0])), "tampered");
  await assertRefused(ctx, await post(ctx, "github", body, await headers("not-the-secret")), "wrong secret");
  const { "x-hub-signature-256": _s, ...unsigned } = await headers(GH[0]);
  await assertRefused(ctx, await post(ctx, "github", body, unsigned), "missing header");
});

test("GitHub's form-encoded deliveries (payload=…) are kept as sent and still verify", async (ctx) => {
  const body = "payload=" + encodeURIComponent(JSON.stringify({ zen: "Keep it logically awesome." }));
  const res = await post(ctx, "github", Buffer.from(body), { "content-type": "application/x-www-form-urlencoded", "x-github-event": "ping", "x-github-delivery": randomUUID(), "x-hub-signature-256": await ctx.octokit.sign(GH[0], body) });
  assert.is(res.statusCode, 202, res.body);
  const stored = await view(ctx, json(res).id, true);
  assert.is(stored.event.data, body, "data is the body as a string");
  assert.is(Buffer.from(stored.raw, "base64").toString(), body);
});

test("Stripe: generateTestHeaderString signs; tolerance, tampering, redelivery; the handshake for its origin", async (ctx) => {
  const body = payload();
  const header = (at: number, b = body, secret = ST[0]) => ({ "content-type": "application/json; charset=utf-8", "stripe-signature": stripe.webhooks.generateTestHeaderString({ payload: b, secret, timestamp: at }) });
  const first = await post(ctx, "stripe", body, header(now()));
  assert.is(first.statusCode, 202, first.body);
  const stored = await view(ctx, json(first).id);
  assert.equal([stored.type, stored.event.id, stored.receipt.scheme], ["com.stripe.invoice.paid", JSON.parse(body).id, "stripe"]);
  assert.is(stored.event.datacontenttype, "application/json; charset=utf-8");
  assert.is((await post(ctx, "stripe", body, header(now() + 2))).headers["idempotent-replayed"], "true");
  await assertRefused(ctx, await post(ctx, "stripe", body, header(now() - 301)), "old timestamp");
  await assertRefused(ctx, await post(ctx, "stripe", body.replace("paid", "void"), header(now())), "tampered");
  await assertRefused(ctx, await post(ctx, "stripe", body, header(now(), body, "whsec_wrong")), "wrong secret");
  await assertRefused(ctx, await post(ctx, "stripe", body, { "content-type": "application/json" }), "missing header");
  const hello = await ctx.ingest(apiEvent({ method: "OPTIONS", path: "/sources/stripe", headers: { "webhook-request-origin": "events.stripe.example" } }), lambdaContext());
  assert.is(hello.statusCode, 200);
  assert.is(hello.headers["webhook-allowed-origin"], "events.stripe.example");
  assert.is(hello.headers["webhook-allowed-rate"], "3000");
});

test("generic hmac-sha256 (base64 in x-sig), and a source that is not configured is a 404", async (ctx) => {
  const { createHmac } = await import("node:crypto");
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
