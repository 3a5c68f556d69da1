// Standard Webhooks (standardwebhooks.com, spec/standard-webhooks.md): `webhook-id`,
// `webhook-timestamp` (epoch seconds) and `webhook-signature`, a space-separated list of
// `v1,<base64 HMAC-SHA256>` over `id.timestamp.body`, keyed with the base64 bytes after `whsec_`.
// Other versions in the list (`v1a,` asymmetric) are skipped, not failed.
import { headerOf } from "../http-request";
import { checkTimestamp, headersNamed, hmacSha256, matchingKey, refused } from "./hmac";
import type { SignatureCheck, SignatureVerdict } from "./hmac";

export const STANDARD_WEBHOOKS_HEADERS = ["webhook-id", "webhook-timestamp", "webhook-signature"] as const;

/** A `whsec_…` secret's key bytes. */
export function standardWebhooksKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret, "base64");
}

export function verifyStandardWebhook(check: SignatureCheck): SignatureVerdict {
  const [id, timestamp, signature] = STANDARD_WEBHOOKS_HEADERS.map((n) => headerOf(check.headers, n)?.trim());
  if (!id || !timestamp || !signature) return refused("webhook-id, webhook-timestamp or webhook-signature is missing");
  const time = checkTimestamp(timestamp, check);
  if (!time.ok) return refused(time.reason);
  const candidates = signature
    .split(" ")
    .filter((s) => s.startsWith("v1,"))
    .map((s) => Buffer.from(s.slice(3), "base64"))
    // An HMAC-SHA256 is 32 bytes; nothing else can match, and an empty one must never meet an empty key's.
    .filter((c) => c.length === 32);
  if (candidates.length === 0) return refused("webhook-signature holds no v1 signature");
  const prefix = `${id}.${timestamp}.`;
  // A secret that decodes to no bytes (`whsec_`, `whsec_!!!!` from Secrets Manager or the
  // environment, which config validation never saw) would sign with an empty key: it matches nothing.
  const keys = check.secrets.map(standardWebhooksKey);
  const keyIndex = matchingKey(keys, candidates, (key) => (key.length === 0 ? Buffer.alloc(0) : hmacSha256(key, prefix, check.body)));
  if (keyIndex === -1) return refused(`no v1 signature matches any of the source's ${check.secrets.length} secret(s)`);
  return { ok: true, keyIndex, signedAt: time.seconds, headers: headersNamed(check.headers, STANDARD_WEBHOOKS_HEADERS) };
}
