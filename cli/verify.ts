// `sluice verify ID`: checks a stored event's signature again, from its raw body and receipt
// (GET /events/{id}?include=raw), with the source's secrets from --secret, from
// SLUICE_SOURCE_SECRET_<NAME>, or from the local stack's stack file (--stack local). Pure but for
// the one GET and the config read; the verdict is the scheme's own check (runtime/sources/).
import { createHash } from "node:crypto";
import { routeKey, routePath } from "../runtime/contract/routes";
import { sourceNameOf, sourceSecretVariable } from "../runtime/contract/sources";
import type { VerificationReceipt } from "../runtime/contract/stored-document";
import { parseSecretValue } from "../runtime/sources/secret-value";
import { verifyReceipt } from "../runtime/sources/verify-signature";
import type { Got } from "./got";
import { problemReason } from "./outcome";
import { endpoint, parseJson } from "./send-events";
import { UsageError } from "./target";

/**
 * Exit codes: valid, the signature or body does not match, usage or target error, the API refused
 * the credentials (as every command's 3), nothing to verify.
 */
export const VERIFY_EXIT = { valid: 0, invalid: 1, usage: 2, refused: 3, unverifiable: 4 } as const;

export interface StoredForVerify {
  id: string;
  source?: string;
  receipt?: VerificationReceipt;
  /** Base64 of the raw body. */
  raw?: string;
}

export type VerifyVerdict =
  | { verdict: "valid"; id: string; source: string; scheme: string; secret: number; of: number; receiptKey?: number; signedAt?: string; verifiedAt: string; bodyBytes: number; bodySha256: string }
  | { verdict: "invalid"; id: string; source: string; scheme: string; reason: string }
  | { verdict: "unverifiable"; id: string; reason: string };

export async function fetchForVerify(client: Got, baseUrl: string, id: string): Promise<StoredForVerify | { missing: string; httpStatus: number }> {
  const res = await client.get(`${endpoint(baseUrl, routePath("getEvent", { id }))}?include=raw`, { responseType: "text", context: { eventId: id } });
  if (res.statusCode !== 200) return { missing: res.statusCode === 404 ? "not found" : problemReason(parseJson(res.body), res.statusCode), httpStatus: res.statusCode };
  return parseJson(res.body) as StoredForVerify;
}

/** The source's secrets: --secret first, then its variable, then the stack file's sluice:sourceSecrets. */
export function secretsFor(source: string, given: { flags: string[]; env: NodeJS.ProcessEnv; stackConfig?: () => Record<string, string> }): string[] {
  if (given.flags.length > 0) return given.flags;
  const variable = given.env[sourceSecretVariable(source)];
  if (variable !== undefined && variable !== "") {
    const list = parseSecretValue(variable);
    if (!list) throw new UsageError(`${sourceSecretVariable(source)} holds no secret`);
    return list;
  }
  const config = given.stackConfig?.();
  const value = config?.["sluice:sourceSecrets"] ? (JSON.parse(config["sluice:sourceSecrets"]) as Record<string, unknown>)[source] : undefined;
  const list = typeof value === "string" ? [value] : Array.isArray(value) && value.every((v) => typeof v === "string") ? (value as string[]) : undefined;
  if (list && list.length > 0) return list;
  throw new UsageError(`no secret for source ${source}: pass --secret (repeatable), set ${sourceSecretVariable(source)}, or use --stack local to read the stack file's sluice:sourceSecrets`);
}

/** The verdict on one stored event, given the source's secrets (asked for only when there is something to check). */
export function verifyStored(stored: StoredForVerify, secrets: (source: string) => string[]): VerifyVerdict {
  const id = stored.id;
  const source = stored.source ? sourceNameOf(stored.source) : undefined;
  if (!source) return { verdict: "unverifiable", id, reason: `it did not come from a source (only ${routeKey("postSource")} events are signed)` };
  const receipt = stored.receipt;
  if (!receipt) return { verdict: "unverifiable", id, reason: "it has no verification receipt" };
  if (receipt.scheme === "none") return { verdict: "unverifiable", id, reason: `source ${source} verifies nothing (verify none): there is no signature` };
  if (stored.raw === undefined) return { verdict: "unverifiable", id, reason: "no raw body was stored with it" };
  const body = Buffer.from(stored.raw, "base64");
  const sha = createHash("sha256").update(body).digest("hex");
  if (sha !== receipt.bodySha256) return { verdict: "invalid", id, source, scheme: receipt.scheme, reason: `the stored body's SHA-256 is ${sha}, the receipt says ${receipt.bodySha256}` };
  const given = secrets(source);
  const checked = verifyReceipt(receipt, body, given);
  if (!checked.ok) return { verdict: "invalid", id, source, scheme: receipt.scheme, reason: `${checked.reason} (with the ${given.length} secret(s) given)` };
  return {
    verdict: "valid",
    id,
    source,
    scheme: receipt.scheme,
    secret: checked.keyIndex + 1,
    of: given.length,
    receiptKey: receipt.keyIndex === undefined ? undefined : receipt.keyIndex + 1,
    signedAt: receipt.signedAt,
    verifiedAt: receipt.verifiedAt,
    bodyBytes: body.byteLength,
    bodySha256: sha,
  };
}

export function renderVerdict(v: VerifyVerdict): string {
  if (v.verdict === "unverifiable") return `${v.id}: cannot be verified: ${v.reason}\n`;
  if (v.verdict === "invalid") return `${v.id}: signature INVALID (${v.scheme}, source ${v.source}): ${v.reason}\n`;
  const lines = [
    `${v.id}: signature valid (${v.scheme}, source ${v.source})`,
    `  secret     #${v.secret} of the ${v.of} given${v.receiptKey ? `; at receipt #${v.receiptKey} of the source's` : ""}`,
    // An old timestamp is expected here: the tolerance guards delivery, not a later check.
    `  signed at  ${v.signedAt ?? "(the scheme signs no timestamp)"}`,
    `  verified   ${v.verifiedAt}, on receipt`,
    `  body       ${v.bodyBytes} bytes, sha256 ${v.bodySha256}, as the receipt says`,
  ];
  return lines.join("\n") + "\n";
}

export function exitOf(v: VerifyVerdict): number {
  return VERIFY_EXIT[v.verdict];
}
