// Sources end to end against the target (a local stack with sources-config.ts, or a deployed stack
// that has those sources): each scheme signed by the provider's own library, the refusals that
// store nothing, redeliveries, a rotated secret, the plain JSON shapes, the webhook handshake, and
// (local only) a source's own route throttle.
import { randomUUID } from "node:crypto";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Webhook } from "standardwebhooks";
import Stripe from "stripe";
import { sourceSecretVariable } from "../../runtime/contract/sources";
import { eventIdForKey, sourceKey } from "../../runtime/idempotency-key";
import { IT_SOURCE_SECRETS } from "./sources-config";
import { eventually, httpClient, json, target } from "./target";

type Octokit = { sign(secret: string, payload: string): Promise<string> };
const OCTOKIT = "@octokit/webhooks-methods";

const t = target();
const api = httpClient(t.apiUrl);
const urls = (t.outputs.sourceUrls ?? {}) as Record<string, string>;
const stripe = new Stripe("sk_test_not_used");

/** The secrets of a source: the local stack's test values, or for a deployed stack its variable. */
function secrets(name: string): string[] | undefined {
  if (t.kind === "local") return IT_SOURCE_SECRETS[name];
  const v = process.env[sourceSecretVariable(name)];
  return v ? (v.trim().startsWith("[") ? (JSON.parse(v) as string[]) : [v]) : undefined;
}

const ready = (name: string, signed = true) => Boolean(urls[name]) && (!signed || Boolean(secrets(name)));
const now = () => Math.floor(Date.now() / 1000);

function post(name: string, body: string, headers: Record<string, string>) {
  return api.post(`sources/${name}`, { body, headers });
}

async function processedView(id: string) {
  return eventually(`${id} processed`, async () => {
    const r = await api.get(`events/${id}`, { searchParams: { include: "raw" } });
    return r.statusCode === 200 && json(r).status === "processed" ? json(r) : undefined;
  });
}

async function assertRefusedAndAbsent(res: { statusCode: number; body: string }, name: string, deliveryId: string, what: string) {
  assert.is(res.statusCode, 401, `${what}: ${res.body}`);
  assert.is(json(res).type, "urn:sluice:problem:signature-invalid");
  const read = await api.get(`events/${eventIdForKey(sourceKey(name, deliveryId))}`);
  assert.is(read.statusCode, 404, `${what}: nothing stored under the delivery's id`);
}

if (!ready("it-sw")) {
  test.skip("sources — skipped: the target has no it-* sources or no secrets for them (tests/integration/sources-config.ts)", () => {});
} else {
  test("Standard Webhooks: a webhook signed by standardwebhooks is stored with its receipt; refusals store nothing; redelivery replays; the old secret still verifies", async () => {
    const [current, previous] = secrets("it-sw")!;
    const body = JSON.stringify({ type: "user.created", timestamp: new Date().toISOString(), data: { id: randomUUID() } });
    const sign = (secret: string, id: string, at = now(), b = body) => ({ "content-type": "application/json", "webhook-id": id, "webhook-timestamp": String(at), "webhook-signature": new Webhook(secret).sign(id, new Date(at * 1000), b) });
    const msgId = `msg_${randomUUID()}`;
    await assertRefusedAndAbsent(await post("it-sw", body.replace("user", "admin"), sign(current, msgId)), "it-sw", msgId, "tampered");
    await assertRefusedAndAbsent(await post("it-sw", body, sign("whsec_" + Buffer.from("someone else").toString("base64"), msgId)), "it-sw", msgId, "wrong secret");
    await assertRefusedAndAbsent(await post("it-sw", body, sign(current, msgId, now() - 3600)), "it-sw", msgId, "an hour old");
    const { "webhook-signature": _x, ...unsigned } = sign(current, msgId);
    await assertRefusedAndAbsent(await post("it-sw", body, unsigned), "it-sw", msgId, "no signature");
    const first = await post("it-sw", body, sign(current, msgId));
    assert.is(first.statusCode, 202, first.body);
    const view = await processedView(json(first).id);
    assert.equal([view.type, view.source, view.event.id, view.receipt.scheme, view.receipt.keyIndex], ["user.created", "/sources/it-sw", msgId, "standard-webhooks", 0]);
    assert.is(Buffer.from(view.raw, "base64").toString(), body);
    const again = await post("it-sw", body, sign(current, msgId, now() + 1));
    assert.is(again.headers["idempotent-replayed"], "true");
    const rotatedId = `msg_${randomUUID()}`;
    const rotated = await post("it-sw", body, sign(previous, rotatedId));
    assert.is(rotated.statusCode, 202, rotated.body);
    assert.is((await processedView(json(rotated).id)).receipt.keyIndex, 1);
  });

  test("the webhook handshake: OPTIONS with an allowed origin is granted, another is not", async () => {
    const yes = await api("sources/it-sw", { method: "OPTIONS", headers: { "webhook-request-origin": "hooks.it.example", "webhook-request-rate": "60" } });
    assert.is(yes.statusCode, 200, yes.body);
    assert.is(yes.headers["webhook-allowed-origin"], "hooks.it.example");
    assert.ok(Number(yes.headers["webhook-allowed-rate"]) > 0);
    const no = await api("sources/it-sw", { method: "OPTIONS", headers: { "webhook-request-origin": "elsewhere.example" } });
    assert.is(no.statusCode, 403);
    assert.is(no.headers["webhook-allowed-origin"], undefined);
  });
}

if (ready("it-github")) {
  test("GitHub: signed by @octokit/webhooks-methods; a redelivery replays; another body under the same delivery is a 422", async () => {
    const { sign } = (await import(OCTOKIT)) as Octokit;
    const [current] = secrets("it-github")!;
    const delivery = randomUUID();
    const body = JSON.stringify({ ref: "refs/heads/main", after: randomUUID() });
    const headers = async (b: string, secret = current) => ({ "content-type": "application/json", "x-github-event": "push", "x-github-delivery": delivery, "x-hub-signature-256": await sign(secret, b) });
    await assertRefusedAndAbsent(await post("it-github", body, await headers(body, "wrong")), "it-github", delivery, "wrong secret");
    const first = await post("it-github", body, await headers(body));
    assert.is(first.statusCode, 202, first.body);
    const view = await processedView(json(first).id);
    assert.equal([view.type, view.event.id], ["com.github.push", delivery]);
    assert.is((await post("it-github", body, await headers(body))).headers["idempotent-replayed"], "true");
    const other = JSON.stringify({ ref: "refs/heads/other" });
    const reused = await post("it-github", other, await headers(other));
    assert.is(reused.statusCode, 422, reused.body);
    assert.is(json(reused).type, "urn:sluice:problem:idempotency-key-reused");
  });
}

if (ready("it-stripe")) {
  test("Stripe: signed by generateTestHeaderString; outside the tolerance refused", async () => {
    const [secret] = secrets("it-stripe")!;
    const body = JSON.stringify({ id: `evt_${randomUUID().replace(/-/g, "")}`, type: "payment_intent.succeeded", data: { object: { amount: 1999 } } });
    const header = (at: number) => ({ "content-type": "application/json; charset=utf-8", "stripe-signature": stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp: at }) });
    await assertRefusedAndAbsent(await post("it-stripe", body, header(now() - 600)), "it-stripe", JSON.parse(body).id, "ten minutes old");
    const res = await post("it-stripe", body, header(now()));
    assert.is(res.statusCode, 202, res.body);
    const view = await processedView(json(res).id);
    assert.equal([view.type, view.event.id, view.receipt.scheme], ["com.stripe.payment_intent.succeeded", JSON.parse(body).id, "stripe"]);
  });
}

if (ready("it-hmac")) {
  test("generic hmac-sha256: signed by openssl; wrong or missing signature refused", async () => {
    const { execFileSync } = await import("node:child_process");
    const [secret] = secrets("it-hmac")!;
    const body = `{"n":${Date.now()}}`;
    const hex = execFileSync("openssl", ["dgst", "-sha256", "-hmac", secret, "-r"], { input: body }).toString().split(" ")[0];
    const ok = await post("it-hmac", body, { "content-type": "application/json", "x-it-signature": `sha256=${hex}` });
    assert.is(ok.statusCode, 202, ok.body);
    assert.is((await post("it-hmac", body, { "content-type": "application/json", "x-it-signature": `sha256=${"0".repeat(64)}` })).statusCode, 401);
    assert.is((await post("it-hmac", body, { "content-type": "application/json" })).statusCode, 401);
  });
}

if (ready("it-orders", false) && ready("it-telemetry", false) && ready("it-legacy", false)) {
  test("plain JSON: the three shapes are stored and readable by id; the same order twice is a replay", async () => {
    const order = `{"orderId":"test-${randomUUID()}","amount":42.50}`;
    const reading = `{"source":"sensor-01","type":"temperature","payload":{"celsius":21.5,"n":"${randomUUID()}"}}`;
    const legacy = `{"metadata":{"message_id":"${randomUUID()}"},"data":{"sku":"A-1"}}`;
    const posted = await Promise.all([post("it-orders", order, { "content-type": "application/json" }), post("it-telemetry", reading, { "content-type": "application/json" }), post("it-legacy", legacy, { "content-type": "application/json" })]);
    for (const r of posted) assert.is(r.statusCode, 202, r.body);
    const [o, tl, l] = await Promise.all(posted.map((r) => processedView(json(r).id)));
    assert.equal(o.event.data, JSON.parse(order));
    assert.is(tl.type, "com.example.telemetry.temperature");
    assert.is(l.event.id, JSON.parse(legacy).metadata.message_id);
    const again = await post("it-orders", order, { "content-type": "application/json" });
    assert.is(again.headers["idempotent-replayed"], "true");
    assert.is(json(again).id, json(posted[0]).id);
    const form = await post("it-legacy", "a=1", { "content-type": "application/x-www-form-urlencoded" });
    assert.is(form.statusCode, 415, "a JSON-only source refuses a form");
    assert.is((await post("it-nope", "{}", { "content-type": "application/json" })).statusCode, 404);
  });
}

if (t.kind !== "local" || !ready("it-throttled", false)) {
  test.skip("a source's own throttle — skipped: it needs a local stack with a 1 request/s route", () => {});
} else {
  test("a source's route throttle answers API Gateway's own 429, while other routes go on", async () => {
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => post("it-throttled", `{"i":${i},"r":"${randomUUID()}"}`, { "content-type": "application/json" })));
    const limited = answers.filter((r) => r.statusCode === 429);
    assert.ok(limited.length >= 1, answers.map((r) => r.statusCode).join(","));
    assert.equal(json(limited[0]), { message: "Too Many Requests" });
    const other = await post("it-orders", `{"o":"${randomUUID()}"}`, { "content-type": "application/json" });
    assert.is(other.statusCode, 202, "the stage's other routes have their own buckets");
  });
}

test.run();
