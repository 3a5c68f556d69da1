// POST /sources/{name} end to end in the ingest, worker and query built by their factories, with
// dynalite, local-aws-sqs and the local Secrets Manager: each scheme signed by the provider's own
// library (valid → 202, stored with its receipt and raw body; tampered, wrong secret, old
// timestamp, missing header → 401 and nothing stored; a rotated secret → 202; a redelivery → a
// replay; another body under the same delivery → 422).
import { randomBytes, randomUUID } from "node:crypto";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Webhook } from "standardwebhooks";
import Stripe from "stripe";
import { apiEvent, json, lambdaContext, tableItems } from "./harness";
import { assertRefused, GH, now, payload, post, SW, ST, startSources, stopSources, view, type SourcesCtx } from "./sources-harness";

const stripe = new Stripe("sk_test_not_used");
const test = suite<SourcesCtx>("sources: each signature scheme through the real handlers");

test.before((ctx) => startSources(ctx));
test.after((ctx) => stopSources(ctx));

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

test.run();
