// One entry to the signature schemes: which check a source runs, the receipt a passed check
// leaves with the stored event, and the same check run again from a receipt (`sluice verify`).
import { createHash } from "node:crypto";
import type { VerificationReceipt } from "../contract/stored-document";
import type { SignatureEncoding, SourceScheme, SourceSettings } from "../contract/sources";
import { verifyGitHub } from "./github-signature";
import type { SignatureCheck, SignatureVerdict } from "./hmac";
import { verifyHmacSha256 } from "./hmac-signature";
import type { HmacSettings } from "./hmac-signature";
import { verifyStandardWebhook } from "./standard-webhooks";
import { verifyStripe } from "./stripe-signature";

function hmacSettingsOf(source: Pick<SourceSettings, "signatureHeader" | "signaturePrefix" | "signatureEncoding">): HmacSettings {
  return { header: source.signatureHeader ?? "", prefix: source.signaturePrefix ?? "", encoding: source.signatureEncoding ?? "hex" };
}

/** The scheme's check; `none` passes everything (its receipt says so). */
export function verifyWith(scheme: SourceScheme, check: SignatureCheck, hmac?: HmacSettings): SignatureVerdict {
  switch (scheme) {
    case "standard-webhooks":
      return verifyStandardWebhook(check);
    case "github":
      return verifyGitHub(check);
    case "stripe":
      return verifyStripe(check);
    case "hmac-sha256":
      return hmac ? verifyHmacSha256(check, hmac) : { ok: false, reason: "hmac-sha256 without its settings" };
    case "none":
      return { ok: true, keyIndex: -1, headers: {} };
  }
}

export function verifySource(source: SourceSettings, check: SignatureCheck): SignatureVerdict {
  return verifyWith(source.verify, check, source.verify === "hmac-sha256" ? hmacSettingsOf(source) : undefined);
}

export function bodySha256(body: Uint8Array): string {
  return createHash("sha256").update(body).digest("hex");
}

/** What the stored event keeps of a passed check: never a secret, only which one matched. */
export function receiptOf(source: SourceSettings, verdict: Extract<SignatureVerdict, { ok: true }>, at: { verifiedAt: string; bodySha256: string; secretVersion?: string }): VerificationReceipt {
  const receipt: VerificationReceipt = { scheme: source.verify, verifiedAt: at.verifiedAt, bodySha256: at.bodySha256 };
  if (source.verify === "none") return receipt;
  receipt.keyIndex = verdict.keyIndex;
  if (at.secretVersion) receipt.secretVersion = at.secretVersion;
  if (verdict.signedAt !== undefined) receipt.signedAt = new Date(verdict.signedAt * 1000).toISOString();
  receipt.headers = verdict.headers;
  if (source.verify === "hmac-sha256") receipt.signature = hmacSettingsOf(source);
  return receipt;
}

/**
 * The check of a stored event run again, from its receipt and raw body, with `secrets`. The
 * timestamp is not held to a tolerance: an event signed an hour ago was signed all the same.
 */
export function verifyReceipt(receipt: VerificationReceipt, body: Uint8Array, secrets: readonly string[]): SignatureVerdict {
  const scheme = receipt.scheme as SourceScheme;
  const hmac = receipt.signature ? { header: receipt.signature.header, prefix: receipt.signature.prefix, encoding: receipt.signature.encoding as SignatureEncoding } : undefined;
  return verifyWith(scheme, { headers: receipt.headers ?? {}, body, secrets, nowSeconds: Date.now() / 1000, toleranceSeconds: Infinity }, hmac);
}
