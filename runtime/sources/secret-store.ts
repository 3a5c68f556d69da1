// A source's secrets, behind a small interface: read from Secrets Manager (one secret per source,
// its value a JSON list, the current secret first, or one plain secret), and kept per cold start
// for SECRET_CACHE_SECONDS, so a rotated value reaches every instance within that time. A failed
// read is a failed dependency (503); while a stale value is still held, it is used instead.
// The client is built here, not in aws-clients.ts: Pulumi captures a module's whole exports, so
// the worker and query archives would load the Secrets Manager SDK at every cold start for nothing.
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { clientOptions, withCallDeadline } from "../aws-clients";
import { dependencyFailure } from "../failure-classes";
import type { Logger } from "../log";
import { parseSecretValue } from "./secret-value";

export { parseSecretValue };

/** After a failed refresh, how long the stale value is used before the next read is tried. */
const STALE_RETRY_MS = 30_000;

export interface SourceSecretValues {
  /** The secrets, the current one first. */
  values: string[];
  /** The Secrets Manager version they were read from. */
  version?: string;
}

export interface SecretReader {
  read(secretId: string): Promise<SourceSecretValues>;
}

export function createSecretsManagerClient(): SecretsManagerClient {
  return withCallDeadline(new SecretsManagerClient(clientOptions()), "SecretsManager");
}

export function createSecretsManagerReader(client: SecretsManagerClient): SecretReader {
  return {
    async read(secretId) {
      let out;
      try {
        out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
      } catch (err) {
        throw dependencyFailure(err, "secretsmanager");
      }
      const values = typeof out.SecretString === "string" ? parseSecretValue(out.SecretString) : undefined;
      // A secret that holds no usable list is our wiring, not the caller's: retry once it is fixed.
      if (!values) throw dependencyFailure(new Error(`secret ${secretId} holds no secret string or an empty list`), "secretsmanager");
      return { values, version: out.VersionId };
    },
  };
}

/** `reader` with each secret kept `ttlMs` after it was read; concurrent reads of one secret share one call. */
export function cachedSecrets(reader: SecretReader, opts: { ttlMs: number; now?: () => number; log?: Logger }): SecretReader {
  const now = opts.now ?? Date.now;
  const held = new Map<string, { value: SourceSecretValues; readAt: number }>();
  const pending = new Map<string, Promise<SourceSecretValues>>();
  const refresh = (secretId: string): Promise<SourceSecretValues> => {
    let p = pending.get(secretId);
    if (!p) {
      p = reader
        .read(secretId)
        .then((value) => {
          held.set(secretId, { value, readAt: now() });
          return value;
        })
        .finally(() => pending.delete(secretId));
      pending.set(secretId, p);
    }
    return p;
  };
  return {
    async read(secretId) {
      const entry = held.get(secretId);
      if (entry && now() - entry.readAt < opts.ttlMs) return entry.value;
      try {
        return await refresh(secretId);
      } catch (err) {
        if (!entry) throw err;
        opts.log?.warn("secret read failed: using the value read before", { secretId, ageSeconds: Math.round((now() - entry.readAt) / 1000) });
        // Try again soon, not on every request: each failed read waits for its deadline.
        held.set(secretId, { value: entry.value, readAt: now() - opts.ttlMs + STALE_RETRY_MS });
        return entry.value;
      }
    },
  };
}
