// A local secret's ARN. Secrets Manager ends an ARN with a hyphen and six random characters; here
// they come from a hash of the name, so the ARN of a name is known without asking (the IAM gate
// resolves a SecretId given by name, the provider's mock state computes the same ARN).
import { createHash } from "node:crypto";

export function secretArnFor(name: string, where: { region: string; accountId: string }): string {
  const suffix = createHash("sha256").update(`secret/${name}`).digest("base64url").replace(/[^A-Za-z0-9]/g, "").slice(0, 6).padEnd(6, "x");
  return `arn:aws:secretsmanager:${where.region}:${where.accountId}:secret:${name}-${suffix}`;
}

/** The secret's name inside its ARN (the part before the six-character suffix), or the id itself. */
export function secretNameOf(secretId: string): string {
  const m = /^arn:[^:]+:secretsmanager:[^:]*:\d*:secret:(.+)$/.exec(secretId);
  if (!m) return secretId;
  return /-[A-Za-z0-9]{6}$/.test(m[1]) ? m[1].slice(0, -7) : m[1];
}

/** The ARN IAM checks a GetSecretValue (or any call naming a SecretId) against. */
export function secretResourceArn(secretId: string, where: { region: string; accountId: string }): string {
  if (secretId.startsWith("arn:")) return /-[A-Za-z0-9]{6}$/.test(secretId) ? secretId : secretArnFor(secretNameOf(secretId), where);
  return secretArnFor(secretId, where);
}
