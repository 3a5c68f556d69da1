// What every signature scheme shares: HMAC-SHA256 over the raw bytes, a constant-time comparison,
// and the verdict's shape. A verdict's `reason` is for the log only; the client hears nothing of it.
import { createHmac, timingSafeEqual } from "node:crypto";
import { headerOf } from "../http-request";

export function hmacSha256(key: Uint8Array | string, ...parts: (Uint8Array | string)[]): Buffer {
  const mac = createHmac("sha256", key);
  for (const p of parts) mac.update(p);
  return mac.digest();
}

/** Equal bytes, compared in time that depends only on the length (crypto.timingSafeEqual). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  return timingSafeEqual(a, b);
}

/** What a scheme is given: the request as received and the source's secrets, the current one first. */
export interface SignatureCheck {
  headers: Record<string, string | undefined>;
  /** The raw body: the signed bytes, never a re-serialization. */
  body: Uint8Array;
  secrets: readonly string[];
  nowSeconds: number;
  /** Seconds a signed timestamp may be from now; Infinity when checking a stored event again. */
  toleranceSeconds: number;
}

export type SignatureVerdict =
  | {
      ok: true;
      /** Which secret matched. */
      keyIndex: number;
      /** The signed timestamp (epoch seconds), for timestamped schemes. */
      signedAt?: number;
      /** The headers that carried the signature, as received. */
      headers: Record<string, string>;
    }
  | { ok: false; reason: string };

export function refused(reason: string): SignatureVerdict {
  return { ok: false, reason };
}

/** The headers named, as received (missing ones left out). */
export function headersNamed(headers: SignatureCheck["headers"], names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) {
    const v = headerOf(headers, n);
    if (v !== undefined) out[n] = v;
  }
  return out;
}

/** The first secret whose MAC is among `candidates`; every secret is tried (rotation). */
export function matchingKey(secrets: readonly Uint8Array[], candidates: readonly Uint8Array[], mac: (key: Uint8Array) => Buffer): number {
  for (let i = 0; i < secrets.length; i++) {
    const expected = mac(secrets[i]);
    if (candidates.some((c) => sameBytes(c, expected))) return i;
  }
  return -1;
}

/** A timestamp (decimal epoch seconds) within the tolerance, or why not. */
export function checkTimestamp(raw: string, check: SignatureCheck): { ok: true; seconds: number } | { ok: false; reason: string } {
  if (!/^\d{1,15}$/.test(raw)) return { ok: false, reason: `the timestamp ${JSON.stringify(raw.slice(0, 40))} is not epoch seconds` };
  const seconds = Number(raw);
  const skew = check.nowSeconds - seconds;
  if (Math.abs(skew) > check.toleranceSeconds) return { ok: false, reason: `the timestamp is ${skew} s from now, beyond the tolerance of ${check.toleranceSeconds} s` };
  return { ok: true, seconds };
}
