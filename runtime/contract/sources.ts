// Sources (DESIGN §2b), written once: the signature schemes, a source's settings as the program
// hands them to the ingest (SLUICE_SOURCES), the CloudEvent `source` its events carry, and the
// variable that gives a source's secrets to the local stack and to `sluice verify`. The checks
// of `sluice:sources` and `sluice:sourceSecrets` are in runtime/sources/source-config.ts.

/** How a source's requests are verified. */
export const SOURCE_SCHEMES = ["none", "standard-webhooks", "github", "stripe", "hmac-sha256"] as const;
export type SourceScheme = (typeof SOURCE_SCHEMES)[number];

/** How an hmac-sha256 signature is written in its header. */
export const SIGNATURE_ENCODINGS = ["hex", "base64"] as const;
export type SignatureEncoding = (typeof SIGNATURE_ENCODINGS)[number];

/** A source's settings, every default applied. */
export interface SourceSettings {
  /** The path segment of `POST /sources/{name}`: lower-case letters, digits and inner hyphens. */
  name: string;
  verify: SourceScheme;
  /** The event's id: `header:NAME` (NAME lower-cased), `json:/POINTER` (RFC 6901) or `sha256` (of the raw body). */
  id: string;
  /** The event's type: text with `{header:NAME}` and `{json:/POINTER}` placeholders. */
  type: string;
  /** How far a signed timestamp may be from now, in seconds (Standard Webhooks, Stripe). */
  toleranceSeconds: number;
  /** Refuse (415) a body that is not JSON, instead of keeping it as text or base64. */
  jsonOnly: boolean;
  /** Origins granted the CloudEvents webhook handshake (`OPTIONS`); `*` grants any; empty answers 405. */
  webhookOrigins: string[];
  /** Requests per second API Gateway admits on this source's route (route-level throttle). */
  rateLimit?: number;
  /** Requests the route absorbs in a burst above its rate. */
  burstLimit?: number;
  /** hmac-sha256: the header holding the signature (lower-cased), the text before it, and its encoding. */
  signatureHeader?: string;
  signaturePrefix?: string;
  signatureEncoding?: SignatureEncoding;
  /** A Secrets Manager secret made outside the program (its name or full ARN); else the program makes one. */
  secretName?: string;
}

/** What SLUICE_SOURCES holds per source: its settings, the secret to read, and the rate its handshake grants. */
export interface SourceRuntime extends SourceSettings {
  /** The secret's ARN or name, for GetSecretValue; absent when the source verifies nothing. */
  secretId?: string;
  /** Requests per minute the route admits, as the webhook handshake's WebHook-Allowed-Rate says. */
  allowedRatePerMinute: number;
}

/** The CloudEvent `source` of every event made from a source; `/events` refuses it. */
export const SOURCE_EVENT_PREFIX = "/sources/";

export function sourceEventSource(name: string): string {
  return SOURCE_EVENT_PREFIX + name;
}

/** A source's name from a CloudEvent `source`, or undefined when the event did not come from one. */
export function sourceNameOf(eventSource: string): string | undefined {
  return eventSource.startsWith(SOURCE_EVENT_PREFIX) ? eventSource.slice(SOURCE_EVENT_PREFIX.length) : undefined;
}

/**
 * The variable holding a source's secrets for `npm start` and `sluice verify`: this prefix and
 * the name in upper case, hyphens as underscores (`SLUICE_SOURCE_SECRET_MY_HOOK`). Its value is
 * one secret, or a JSON array of them (the first is the current one).
 */
export const SOURCE_SECRET_VARIABLE_PREFIX = "SLUICE_SOURCE_SECRET_";

export function sourceSecretVariable(name: string): string {
  return SOURCE_SECRET_VARIABLE_PREFIX + name.toUpperCase().replace(/-/g, "_");
}

/** How long an ingest instance keeps a source's secrets before reading them again. */
export const SECRET_CACHE_SECONDS = 300;

/** The default of `toleranceSeconds`. */
export const DEFAULT_TOLERANCE_SECONDS = 300;
