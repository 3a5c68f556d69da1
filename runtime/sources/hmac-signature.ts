// A generic HMAC-SHA256 signature of the raw body in one header, as many providers sign: the
// header, a prefix before the value (`sha256=`) and its encoding (hex, any case, or base64) are
// the source's settings; the key is the secret as UTF-8. No timestamp is signed.
import type { SignatureEncoding } from "../contract/sources";
import { headerOf } from "../http-request";
import { headersNamed, hmacSha256, matchingKey, refused } from "./hmac";
import type { SignatureCheck, SignatureVerdict } from "./hmac";

export interface HmacSettings {
  header: string;
  prefix: string;
  encoding: SignatureEncoding;
}

function decodeSignature(text: string, encoding: SignatureEncoding): Buffer | undefined {
  if (encoding === "hex") return /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, "hex") : undefined;
  return /^[A-Za-z0-9+/]{43}=$/.test(text) ? Buffer.from(text, "base64") : undefined;
}

export function verifyHmacSha256(check: SignatureCheck, settings: HmacSettings): SignatureVerdict {
  const value = headerOf(check.headers, settings.header)?.trim();
  if (!value) return refused(`${settings.header} is missing`);
  if (!value.startsWith(settings.prefix)) return refused(`${settings.header} does not start with the configured prefix`);
  const signature = decodeSignature(value.slice(settings.prefix.length), settings.encoding);
  if (!signature) return refused(`${settings.header} does not hold a ${settings.encoding} SHA-256 signature`);
  const keys = check.secrets.map((s) => Buffer.from(s, "utf8"));
  const keyIndex = matchingKey(keys, [signature], (key) => hmacSha256(key, check.body));
  if (keyIndex === -1) return refused(`the signature matches none of the source's ${check.secrets.length} secret(s)`);
  return { ok: true, keyIndex, headers: headersNamed(check.headers, [settings.header]) };
}
