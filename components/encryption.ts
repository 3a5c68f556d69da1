// Encryption at rest with an optional customer KMS key: what "no key" means, and the queue
// settings for each case, checked against the combination the provider refuses.
import * as pulumi from "@pulumi/pulumi";

/** A key ARN, or undefined for "no customer key": an empty string (an unset config value) is none. */
export function kmsKeyOf(key: pulumi.Input<string | undefined> | undefined): pulumi.Output<string | undefined> {
  return pulumi.output(key).apply((k) => (k ? k : undefined));
}

export interface QueueEncryption {
  kmsMasterKeyId?: string;
  sqsManagedSseEnabled?: boolean;
  kmsDataKeyReusePeriodSeconds?: number;
}

/**
 * SSE for a queue: with a customer key, `kmsMasterKeyId` alone; without, SQS-managed SSE. The
 * other field is left out, not set to false (see `checkQueueEncryption`).
 */
export function queueEncryption(key: string | undefined): QueueEncryption {
  return key ? { kmsMasterKeyId: key } : { sqsManagedSseEnabled: true };
}

/**
 * Refuses what `pulumi up` would: the provider's `aws.sqs.Queue` declares `sqsManagedSseEnabled`
 * as conflicting with `kmsMasterKeyId` and `kmsDataKeyReusePeriodSeconds` (Terraform's
 * `aws_sqs_queue`, "Server-side encryption (SSE)"; the plan fails with `"sqs_managed_sse_enabled":
 * conflicts with "kms_master_key_id"`), and a conflict counts whenever both are set, even to false.
 * Mocks never run that validation, so the components run this one.
 */
export function checkQueueEncryption<T extends QueueEncryption>(queue: string, settings: T): T {
  const kmsFields = (["kmsMasterKeyId", "kmsDataKeyReusePeriodSeconds"] as const).filter((f) => settings[f] !== undefined && settings[f] !== null);
  if (settings.sqsManagedSseEnabled !== undefined && settings.sqsManagedSseEnabled !== null && kmsFields.length > 0) {
    throw new Error(
      `queue ${queue}: sqsManagedSseEnabled (${settings.sqsManagedSseEnabled}) conflicts with ${kmsFields.join(" and ")}; ` +
        `leave sqsManagedSseEnabled unset when a KMS key is given (aws.sqs.Queue / Terraform aws_sqs_queue docs, "Server-side encryption (SSE)")`,
    );
  }
  return settings;
}
