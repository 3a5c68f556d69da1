// Stripe webhooks: `Stripe-Signature: t=<epoch seconds>,v1=<hex>,v1=<hex>,…` where each v1 is an
// HMAC-SHA256 of `t.body` keyed with the endpoint secret (`whsec_…`) as UTF-8; several v1 appear
// while Stripe rolls a secret. v0 (test-mode legacy) entries are ignored. Unlike stripe-node, a
// timestamp too far in the future is refused too: the tolerance is symmetric.
import { headerOf } from "../http-request";
import { checkTimestamp, headersNamed, hmacSha256, matchingKey, refused } from "./hmac";
import type { SignatureCheck, SignatureVerdict } from "./hmac";

export const STRIPE_SIGNATURE_HEADER = "stripe-signature";

export function verifyStripe(check: SignatureCheck): SignatureVerdict {
  const value = headerOf(check.headers, STRIPE_SIGNATURE_HEADER);
  if (!value) return refused(`${STRIPE_SIGNATURE_HEADER} is missing`);
  let timestamp: string | undefined;
  const candidates: Buffer[] = [];
  for (const item of value.split(",")) {
    const eq = item.indexOf("=");
    if (eq === -1) continue;
    const k = item.slice(0, eq).trim();
    const v = item.slice(eq + 1).trim();
    if (k === "t") timestamp = v;
    else if (k === "v1" && /^[0-9a-fA-F]{64}$/.test(v)) candidates.push(Buffer.from(v, "hex"));
  }
  if (timestamp === undefined) return refused(`${STRIPE_SIGNATURE_HEADER} has no t=`);
  if (candidates.length === 0) return refused(`${STRIPE_SIGNATURE_HEADER} has no v1 signature`);
  const time = checkTimestamp(timestamp, check);
  if (!time.ok) return refused(time.reason);
  const keys = check.secrets.map((s) => Buffer.from(s, "utf8"));
  const keyIndex = matchingKey(keys, candidates, (key) => hmacSha256(key, `${timestamp}.`, check.body));
  if (keyIndex === -1) return refused(`no v1 signature matches any of the source's ${check.secrets.length} secret(s)`);
  return { ok: true, keyIndex, signedAt: time.seconds, headers: headersNamed(check.headers, [STRIPE_SIGNATURE_HEADER]) };
}
