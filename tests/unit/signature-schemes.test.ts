// The signature schemes, each checked against the provider's own signing library (never against
// our own signer): Standard Webhooks by `standardwebhooks`, GitHub by `@octokit/webhooks-methods`,
// Stripe by `stripe`'s generateTestHeaderString, and the generic hmac-sha256 by openssl. Valid,
// tampered, wrong secret, old or future timestamp, missing or malformed header, rotated secrets,
// several signatures in one header.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Webhook } from "standardwebhooks";
import Stripe from "stripe";
import { verifyGitHub } from "../../runtime/sources/github-signature";
import { sameBytes } from "../../runtime/sources/hmac";
import type { SignatureCheck } from "../../runtime/sources/hmac";
import { verifyHmacSha256 } from "../../runtime/sources/hmac-signature";
import { verifyStandardWebhook } from "../../runtime/sources/standard-webhooks";
import { verifyStripe } from "../../runtime/sources/stripe-signature";
import { verifyReceipt } from "../../runtime/sources/verify-signature";

// @octokit/webhooks-methods is ESM only (no require condition): loaded the ESM way.
type Octokit = { sign(secret: string, payload: string): Promise<string> };
const OCTOKIT = "@octokit/webhooks-methods";
const octokit = (): Promise<Octokit> => import(OCTOKIT) as Promise<Octokit>;
const stripe = new Stripe("sk_test_not_used");

const NOW = 1_790_000_000;
const body = Buffer.from('{"id":"evt_1","type":"invoice.paid","data":{"object":{"amount":4200,"note":"grüße ✓"}}}');
const check = (headers: Record<string, string | undefined>, secrets: string[], over: Partial<SignatureCheck> = {}): SignatureCheck => ({
  headers,
  body,
  secrets,
  nowSeconds: NOW,
  toleranceSeconds: 300,
  ...over,
});
const swSecret = () => "whsec_" + randomBytes(24).toString("base64");

function swHeaders(secret: string, id: string, at: number, payload: Buffer = body): Record<string, string> {
  return { "webhook-id": id, "webhook-timestamp": String(at), "webhook-signature": new Webhook(secret).sign(id, new Date(at * 1000), payload) };
}

test("Standard Webhooks: a signature by the standardwebhooks library verifies, with the key and the signed time", () => {
  const secret = swSecret();
  const v = verifyStandardWebhook(check(swHeaders(secret, "msg_1", NOW - 10), [secret]));
  assert.ok(v.ok, JSON.stringify(v));
  if (!v.ok) return;
  assert.is(v.keyIndex, 0);
  assert.is(v.signedAt, NOW - 10);
  assert.equal(Object.keys(v.headers).sort(), ["webhook-id", "webhook-signature", "webhook-timestamp"]);
});

test("Standard Webhooks: tampered body, wrong secret, other id, old or future timestamp, missing headers are refused", () => {
  const secret = swSecret();
  const h = swHeaders(secret, "msg_2", NOW);
  assert.not.ok(verifyStandardWebhook({ ...check(h, [secret]), body: Buffer.from(body.toString().replace("4200", "4201")) }).ok, "tampered");
  assert.not.ok(verifyStandardWebhook(check(h, [swSecret()])).ok, "wrong secret");
  assert.not.ok(verifyStandardWebhook(check({ ...h, "webhook-id": "msg_3" }, [secret])).ok, "the id is signed");
  assert.not.ok(verifyStandardWebhook(check(swHeaders(secret, "msg_2", NOW - 301), [secret])).ok, "older than the tolerance");
  assert.not.ok(verifyStandardWebhook(check(swHeaders(secret, "msg_2", NOW + 301), [secret])).ok, "further ahead than the tolerance");
  assert.ok(verifyStandardWebhook(check(swHeaders(secret, "msg_2", NOW - 300), [secret])).ok, "at the tolerance");
  for (const name of ["webhook-id", "webhook-timestamp", "webhook-signature"]) {
    const v = verifyStandardWebhook(check({ ...h, [name]: undefined }, [secret]));
    assert.not.ok(v.ok, `without ${name}`);
  }
  assert.not.ok(verifyStandardWebhook(check({ ...h, "webhook-timestamp": "17e8" }, [secret])).ok, "a timestamp that is not seconds");
  assert.not.ok(verifyStandardWebhook(check({ ...h, "webhook-signature": h["webhook-signature"].replace("v1,", "v2,") }, [secret])).ok, "no v1");
});

test("Standard Webhooks: several signatures in one header (the sender rotating), and several secrets (we rotate)", () => {
  const oldSecret = swSecret();
  const newSecret = swSecret();
  const a = swHeaders(oldSecret, "msg_4", NOW);
  const b = swHeaders(newSecret, "msg_4", NOW);
  const both = { ...a, "webhook-signature": `v1a,ignored ${b["webhook-signature"]} ${a["webhook-signature"]}` };
  const v = verifyStandardWebhook(check(both, [newSecret]));
  assert.ok(v.ok && v.keyIndex === 0, "the second v1 in the list matches");
  const rotated = verifyStandardWebhook(check(a, [newSecret, oldSecret]));
  assert.ok(rotated.ok && rotated.keyIndex === 1, "the previous secret still verifies, and the receipt says which");
});

test("Standard Webhooks: a secret that decodes to no bytes (from Secrets Manager or the environment) verifies nothing, even an empty-key signature", () => {
  const { createHmac } = require("node:crypto") as typeof import("node:crypto");
  const emptyKeySig = createHmac("sha256", Buffer.alloc(0)).update(`msg_9.${NOW}.`).update(body).digest("base64");
  const h = { "webhook-id": "msg_9", "webhook-timestamp": String(NOW), "webhook-signature": `v1,${emptyKeySig} v1,` };
  for (const secret of ["whsec_", "whsec_!!!!", ""]) assert.not.ok(verifyStandardWebhook(check(h, [secret])).ok, JSON.stringify(secret));
});

test("GitHub: X-Hub-Signature-256 by @octokit/webhooks-methods verifies; tampered, wrong secret, malformed or missing do not", async () => {
  const { sign } = await octokit();
  const secret = "gh-" + randomBytes(8).toString("hex");
  const header = await sign(secret, body.toString("utf8"));
  const v = verifyGitHub(check({ "x-hub-signature-256": header }, ["other", secret]));
  assert.ok(v.ok && v.keyIndex === 1, "matched by the second secret");
  assert.not.ok(verifyGitHub({ ...check({ "x-hub-signature-256": header }, [secret]), body: Buffer.concat([body, Buffer.from(" ")]) }).ok, "one more byte");
  assert.not.ok(verifyGitHub(check({ "x-hub-signature-256": header }, ["wrong"])).ok, "wrong secret");
  assert.not.ok(verifyGitHub(check({ "x-hub-signature-256": header.replace("sha256=", "sha1=") }, [secret])).ok, "another algorithm");
  assert.not.ok(verifyGitHub(check({ "x-hub-signature-256": header.slice(0, -2) }, [secret])).ok, "truncated");
  assert.not.ok(verifyGitHub(check({}, [secret])).ok, "missing");
  assert.ok(verifyGitHub(check({ "X-Hub-Signature-256": header.toUpperCase().replace("SHA256=", "sha256=") }, [secret])).ok, "hex in capitals and the header name in any case");
});

test("Stripe: Stripe-Signature by stripe's generateTestHeaderString verifies; tolerance, tampering, secrets, several v1", () => {
  const secret = "whsec_" + randomBytes(16).toString("hex");
  const payload = body.toString("utf8");
  const header = stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: NOW - 5 });
  const v = verifyStripe(check({ "stripe-signature": header }, [secret]));
  assert.ok(v.ok && v.signedAt === NOW - 5, JSON.stringify(v));
  assert.not.ok(verifyStripe(check({ "stripe-signature": stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: NOW - 600 }) }, [secret])).ok, "old");
  assert.ok(verifyStripe(check({ "stripe-signature": stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: NOW - 600 }) }, [secret], { toleranceSeconds: 900 })).ok, "within a wider tolerance");
  assert.not.ok(verifyStripe({ ...check({ "stripe-signature": header }, [secret]), body: Buffer.from(payload.replace("paid", "void")) }).ok, "tampered");
  assert.not.ok(verifyStripe(check({ "stripe-signature": header }, ["whsec_other"])).ok, "wrong secret");
  assert.not.ok(verifyStripe(check({ "stripe-signature": header.replace(/t=\d+/, `t=${NOW}`) }, [secret])).ok, "the timestamp is signed");
  assert.not.ok(verifyStripe(check({ "stripe-signature": `t=${NOW}` }, [secret])).ok, "no v1");
  assert.not.ok(verifyStripe(check({}, [secret])).ok, "missing");
  // Stripe rolling its secret sends a v1 for each; either of ours may match either of theirs.
  const other = stripe.webhooks.generateTestHeaderString({ payload, secret: "whsec_old", timestamp: NOW });
  const mine = stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: NOW });
  const combined = `${mine},${other.split(",")[1]},v0=abc`;
  const r = verifyStripe(check({ "stripe-signature": combined }, ["whsec_old"]));
  assert.ok(r.ok && r.keyIndex === 0, "the second v1 matches the old secret");
});

function openssl(secret: string, payload: Buffer, binary: boolean): Buffer {
  return execFileSync("openssl", ["dgst", "-sha256", "-hmac", secret, ...(binary ? ["-binary"] : ["-hex", "-r"])], { input: payload });
}

test("generic hmac-sha256: header, prefix and hex or base64 encoding as configured, against openssl", () => {
  const secret = "s3cr3t-" + randomBytes(4).toString("hex");
  const hex = openssl(secret, body, false).toString("utf8").split(" ")[0].trim();
  const b64 = openssl(secret, body, true).toString("base64");
  const hexSettings = { header: "x-signature", prefix: "sha256=", encoding: "hex" as const };
  assert.ok(verifyHmacSha256(check({ "x-signature": `sha256=${hex}` }, [secret]), hexSettings).ok, "hex with prefix");
  assert.not.ok(verifyHmacSha256(check({ "x-signature": hex }, [secret]), hexSettings).ok, "the prefix is required");
  assert.ok(verifyHmacSha256(check({ "x-sig": b64 }, ["old", secret]), { header: "x-sig", prefix: "", encoding: "base64" }).ok, "base64, rotated");
  assert.not.ok(verifyHmacSha256(check({ "x-sig": b64 }, [secret]), { header: "x-sig", prefix: "", encoding: "hex" }).ok, "another encoding");
  assert.not.ok(verifyHmacSha256({ ...check({ "x-signature": `sha256=${hex}` }, [secret]), body: Buffer.from("{}") }, hexSettings).ok, "tampered");
  assert.not.ok(verifyHmacSha256(check({}, [secret]), hexSettings).ok, "missing");
});

test("a stored receipt verifies again without a tolerance: an hour later the signature is still the signature", () => {
  const secret = swSecret();
  const h = swHeaders(secret, "msg_9", Math.floor(Date.now() / 1000) - 3600);
  const receipt = { scheme: "standard-webhooks", verifiedAt: "x", bodySha256: "y", headers: h };
  assert.ok(verifyReceipt(receipt, body, [secret]).ok);
  assert.not.ok(verifyReceipt(receipt, Buffer.concat([body, Buffer.from("x")]), [secret]).ok);
  assert.not.ok(verifyReceipt(receipt, body, [swSecret()]).ok);
});

test("comparison: equal-length buffers by crypto.timingSafeEqual, other lengths simply unequal", () => {
  assert.ok(sameBytes(Buffer.from("abc"), Buffer.from("abc")));
  assert.not.ok(sameBytes(Buffer.from("abc"), Buffer.from("abd")));
  assert.not.ok(sameBytes(Buffer.from("abc"), Buffer.from("abcd")));
});

test.run();
