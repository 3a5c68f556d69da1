// GitHub webhooks: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>`, keyed with the
// webhook's secret as UTF-8. GitHub signs no timestamp, so a replay is stopped by the delivery id
// (the key), not by a tolerance. The legacy SHA-1 `X-Hub-Signature` is not accepted.
import { headerOf } from "../http-request";
import { headersNamed, hmacSha256, matchingKey, refused } from "./hmac";
import type { SignatureCheck, SignatureVerdict } from "./hmac";

export const GITHUB_SIGNATURE_HEADER = "x-hub-signature-256";

export function verifyGitHub(check: SignatureCheck): SignatureVerdict {
  const value = headerOf(check.headers, GITHUB_SIGNATURE_HEADER)?.trim();
  if (!value) return refused(`${GITHUB_SIGNATURE_HEADER} is missing`);
  const m = /^sha256=([0-9a-fA-F]{64})$/.exec(value);
  if (!m) return refused(`${GITHUB_SIGNATURE_HEADER} is not sha256= and 64 hex digits`);
  const keys = check.secrets.map((s) => Buffer.from(s, "utf8"));
  const keyIndex = matchingKey(keys, [Buffer.from(m[1], "hex")], (key) => hmacSha256(key, check.body));
  if (keyIndex === -1) return refused(`the signature matches none of the source's ${check.secrets.length} secret(s)`);
  return { ok: true, keyIndex, headers: headersNamed(check.headers, [GITHUB_SIGNATURE_HEADER]) };
}
