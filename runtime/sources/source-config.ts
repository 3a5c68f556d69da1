// The checks of `sluice:sources` and `sluice:sourceSecrets` (DESIGN §2b): one pure validator that
// the program runs at `pulumi up` / `npm start` and the ingest runs again on SLUICE_SOURCES at
// cold start (sources-environment.ts), so both read a source the same way. A bad value fails with
// the key that holds it.
import {
  DEFAULT_TOLERANCE_SECONDS,
  SIGNATURE_ENCODINGS,
  SOURCE_SCHEMES,
  sourceSecretVariable,
} from "../contract/sources";
import type { SignatureEncoding, SourceScheme, SourceSettings } from "../contract/sources";
import { idRuleText, parseIdRule, parseTemplate } from "./source-rules";

/** The config keys, as `pulumi config` names them. */
export const SOURCES_KEY = "sluice:sources";
export const SOURCE_SECRETS_KEY = "sluice:sourceSecrets";

const NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const KEYS = [
  "verify", "id", "type", "toleranceSeconds", "jsonOnly", "webhookOrigins", "rateLimit", "burstLimit",
  "signatureHeader", "signaturePrefix", "signatureEncoding", "secretName",
];

/** Where the id and the type come from when a source does not say: what each provider sends. */
const SCHEME_DEFAULTS: Record<SourceScheme, { id?: string; type?: string }> = {
  none: { id: "sha256" },
  "standard-webhooks": { id: "header:webhook-id", type: "{json:/type}" },
  github: { id: "header:x-github-delivery", type: "com.github.{header:x-github-event}" },
  stripe: { id: "json:/id", type: "com.stripe.{json:/type}" },
  "hmac-sha256": { id: "sha256" },
};

/** The error of a bad setting: its message starts with the key that holds the value. Plain (no class): it runs in the ingest too. */
export function isSourceConfigError(err: unknown): boolean {
  return (err as { name?: unknown } | null)?.name === "SourceConfigError";
}

/** The error of a bad value under `key`. */
export function sourceConfigError(key: string, why: string): Error {
  const err = new Error(`${key} ${why}`);
  err.name = "SourceConfigError";
  return err;
}

function fail(key: string, why: string): never {
  throw sourceConfigError(key, why);
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function positiveInt(v: unknown, key: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) fail(key, `must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

function text(v: unknown, key: string): string {
  if (typeof v !== "string" || v.trim() === "") fail(key, `must be a non-empty string, got ${JSON.stringify(v)}`);
  return v;
}

function oneSource(name: string, raw: unknown, base: string): SourceSettings {
  const key = `${base}.${name}`;
  if (!NAME.test(name)) fail(key, "is not a source name: lower-case letters, digits and inner hyphens, at most 63 characters (it is a URL path segment)");
  if (!isObject(raw)) fail(key, `must be an object with at least verify, got ${JSON.stringify(raw)}`);
  for (const k of Object.keys(raw)) if (!KEYS.includes(k)) fail(`${key}.${k}`, `is not a source setting (known: ${KEYS.join(", ")})`);
  const verify = raw.verify;
  if (typeof verify !== "string" || !(SOURCE_SCHEMES as readonly string[]).includes(verify)) {
    fail(`${key}.verify`, `must be one of ${SOURCE_SCHEMES.join(", ")}; got ${JSON.stringify(verify)}`);
  }
  const scheme = verify as SourceScheme;
  const defaults = SCHEME_DEFAULTS[scheme];
  const idText = raw.id === undefined ? defaults.id! : text(raw.id, `${key}.id`);
  const id = parseIdRule(idText);
  if (typeof id === "string") fail(`${key}.id`, `must be header:NAME, json:/POINTER or sha256: ${id}`);
  if (raw.type === undefined && defaults.type === undefined) fail(`${key}.type`, `is required for a source that verifies ${scheme} (a CloudEvents type, e.g. com.example.order, with {header:NAME} or {json:/POINTER} placeholders)`);
  const type = raw.type === undefined ? defaults.type! : text(raw.type, `${key}.type`);
  const template = parseTemplate(type);
  if (typeof template === "string") fail(`${key}.type`, `is not a type template: ${template}`);
  const out: SourceSettings = {
    name,
    verify: scheme,
    id: idRuleText(id),
    type,
    toleranceSeconds: raw.toleranceSeconds === undefined ? DEFAULT_TOLERANCE_SECONDS : positiveInt(raw.toleranceSeconds, `${key}.toleranceSeconds`),
    jsonOnly: false,
    webhookOrigins: [],
  };
  if (raw.jsonOnly !== undefined) {
    if (typeof raw.jsonOnly !== "boolean") fail(`${key}.jsonOnly`, `must be true or false, got ${JSON.stringify(raw.jsonOnly)}`);
    out.jsonOnly = raw.jsonOnly;
  }
  if (raw.webhookOrigins !== undefined) {
    if (!Array.isArray(raw.webhookOrigins)) fail(`${key}.webhookOrigins`, "must be a list of origin host names (or *)");
    out.webhookOrigins = raw.webhookOrigins.map((o, i) => {
      const origin = text(o, `${key}.webhookOrigins[${i}]`).trim().toLowerCase();
      if (origin !== "*" && !/^[a-z0-9.-]+(:\d+)?$/.test(origin)) fail(`${key}.webhookOrigins[${i}]`, `must be a host name such as eventgrid.azure.net, or *; got ${JSON.stringify(o)}`);
      return origin;
    });
  }
  if (raw.rateLimit !== undefined) out.rateLimit = positiveInt(raw.rateLimit, `${key}.rateLimit`);
  if (raw.burstLimit !== undefined) {
    if (out.rateLimit === undefined) fail(`${key}.burstLimit`, "needs rateLimit too (API Gateway throttles a route by both)");
    out.burstLimit = positiveInt(raw.burstLimit, `${key}.burstLimit`);
  } else if (out.rateLimit !== undefined) {
    out.burstLimit = out.rateLimit * 2;
  }
  const hmacKeys = ["signatureHeader", "signaturePrefix", "signatureEncoding"].filter((k) => raw[k] !== undefined);
  if (scheme === "hmac-sha256") {
    const header = text(raw.signatureHeader, `${key}.signatureHeader`);
    if (!HEADER_NAME.test(header)) fail(`${key}.signatureHeader`, `is not a header name: ${JSON.stringify(header)}`);
    out.signatureHeader = header.toLowerCase();
    out.signaturePrefix = raw.signaturePrefix === undefined ? "" : String(raw.signaturePrefix);
    const encoding = raw.signatureEncoding ?? "hex";
    if (!(SIGNATURE_ENCODINGS as readonly unknown[]).includes(encoding)) fail(`${key}.signatureEncoding`, `must be ${SIGNATURE_ENCODINGS.join(" or ")}, got ${JSON.stringify(encoding)}`);
    out.signatureEncoding = encoding as SignatureEncoding;
  } else if (hmacKeys.length > 0) {
    fail(`${key}.${hmacKeys[0]}`, "applies to verify hmac-sha256 only");
  }
  if (raw.secretName !== undefined) {
    if (scheme === "none") fail(`${key}.secretName`, "names a secret, but the source verifies nothing (verify none)");
    const secretName = text(raw.secretName, `${key}.secretName`);
    // A full secret ARN (no wildcard: it becomes the ingest's policy Resource) or a plain name.
    if (!/^(arn:aws[\w-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}|[A-Za-z0-9/_+=.@-]{1,512})$/.test(secretName)) fail(`${key}.secretName`, `is not a Secrets Manager secret name or ARN: ${JSON.stringify(secretName)}`);
    out.secretName = secretName;
  }
  return out;
}

/** `sluice:sources` checked, every default applied, in name order. `base` names the key in errors. */
export function parseSources(raw: unknown, base = SOURCES_KEY): SourceSettings[] {
  if (raw === undefined || raw === null) return [];
  if (!isObject(raw)) fail(base, `must be an object keyed by source name, got ${JSON.stringify(raw)}`);
  return Object.keys(raw)
    .sort()
    .map((name) => oneSource(name, raw[name], base));
}

/** Whether a source needs secrets to run (it verifies something). */
export function needsSecrets(source: SourceSettings): boolean {
  return source.verify !== "none";
}

/** Standard Webhooks secrets are `whsec_` and base64; the key is the decoded bytes. */
export function isStandardWebhooksSecret(secret: string): boolean {
  const body = secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret;
  return body.length > 0 && BASE64.test(body);
}

/**
 * `sluice:sourceSecrets` checked against the sources: one list per source that verifies and whose
 * secret the program makes (a single string is a list of one), every value a non-empty string.
 * Errors name the key, never a value.
 */
export function parseSourceSecrets(raw: unknown, sources: readonly SourceSettings[], base = SOURCE_SECRETS_KEY): Record<string, string[]> {
  const given = raw === undefined || raw === null ? {} : raw;
  if (!isObject(given)) fail(base, "must be an object keyed by source name, each a list of secrets (pulumi config set --secret --path 'sluice:sourceSecrets.NAME[0]' …)");
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(given)) {
    const key = `${base}.${name}`;
    const source = sources.find((s) => s.name === name);
    if (!source) fail(key, `names no source of sluice:sources (known: ${sources.map((s) => s.name).join(", ") || "none"})`);
    if (!needsSecrets(source)) fail(key, `is set, but source ${name} verifies nothing (verify none)`);
    if (source.secretName) fail(key, `is set, but source ${name}'s secret is made outside the program (secretName ${source.secretName}): set its value in Secrets Manager (locally: ${sourceSecretVariable(name)})`);
    const list = typeof value === "string" ? [value] : value;
    if (!Array.isArray(list) || list.length === 0) fail(key, "must be a non-empty list of secrets, the current one first");
    out[name] = list.map((secret, i) => {
      const at = `${key}[${i}]`;
      if (isObject(secret) && "secure" in secret) fail(at, `is encrypted (secure:) and cannot be read here: under the local stack, set ${sourceSecretVariable(name)}`);
      if (typeof secret !== "string" || secret === "") fail(at, "must be a non-empty string");
      if (source.verify === "standard-webhooks" && !isStandardWebhooksSecret(secret)) fail(at, "is not a Standard Webhooks secret (whsec_ followed by base64)");
      return secret;
    });
  }
  for (const s of sources) {
    if (needsSecrets(s) && !s.secretName && !out[s.name]) {
      fail(`${base}.${s.name}`, `is required: source ${s.name} verifies ${s.verify} signatures (pulumi config set --secret --path '${base}.${s.name}[0]' …, or give the source a secretName)`);
    }
  }
  return out;
}

/** The compiled rules of a source, parsed once per cold start. */
export function compiledRules(source: SourceSettings) {
  const id = parseIdRule(source.id);
  const type = parseTemplate(source.type);
  if (typeof id === "string" || typeof type === "string") throw new Error(`source ${source.name}: its rules did not parse`);
  return { id, type };
}
