// Encryption at rest with an optional customer KMS key: what "no key" means.
import * as pulumi from "@pulumi/pulumi";

/** A key ARN, or undefined for "no customer key": an empty string (an unset config value) is none. */
export function kmsKeyOf(key: pulumi.Input<string | undefined> | undefined): pulumi.Output<string | undefined> {
  return pulumi.output(key).apply((k) => (k ? k : undefined));
}
