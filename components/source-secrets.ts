// SourceSecrets: one Secrets Manager secret per source that verifies signatures, its value the
// source's list of secrets from `sluice:sourceSecrets` (JSON, the current one first), encrypted
// with the stack's customer key when there is one; or, for a source whose secret is made out of
// band (`secretName`), only the reference to it. `grant` lets a function read exactly these.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { SluiceComponent, type CommonArgs } from "./component";
import type { Grantee } from "./policy";
import type { Transform } from "./transform";

/** What Secrets Manager calls on the caller's behalf with a customer key when a secret is read. */
export const SECRET_READ_KMS_ACTIONS = ["kms:Decrypt"];

/** A source whose requests carry signatures. */
export interface SecretSource {
  name: string;
  /** The name or full ARN of a secret made outside the program; unset: the component makes it. */
  secretName?: string;
}

export interface SourceSecretsArgs extends CommonArgs {
  /** The sources that verify signatures. Required. */
  sources: SecretSource[];
  /** The secrets of each source the component makes, the current one first; keep it a secret Output. Default {}. */
  values?: pulumi.Input<Record<string, string[]>>;
  /**
   * Keep a deleted secret recoverable for 30 days, as a protected stack should; false deletes it at
   * once, so a stack torn down can be made again under the same names. Default true.
   */
  protect?: boolean;
  /** Per-child escape hatch for what these args do not cover. Default none. */
  transform?: {
    secret?: Transform<aws.secretsmanager.SecretArgs>;
    version?: Transform<aws.secretsmanager.SecretVersionArgs>;
    grant?: Transform<aws.iam.RolePolicyArgs>;
  };
}

/** The ARN a policy names for an out-of-band secret: a full ARN as given, a name with its six-character suffix as `??????`. */
export function outOfBandSecretArn(secretName: string, where: { partition: string; region: string; accountId: string }): string {
  if (secretName.startsWith("arn:")) return secretName;
  return `arn:${where.partition}:secretsmanager:${where.region}:${where.accountId}:secret:${secretName}-??????`;
}

export class SourceSecrets extends SluiceComponent {
  /** Per source: the SecretId the ingest reads (the ARN of a secret made here, or the configured name or ARN). */
  public readonly secretIds: Record<string, pulumi.Output<string>> = {};
  /** Every secret IAM must let a reader read: ARNs, and patterns for out-of-band names. */
  public readonly resourceArns: pulumi.Output<string>[] = [];
  public readonly secrets: aws.secretsmanager.Secret[] = [];
  private readonly grantTransform?: Transform<aws.iam.RolePolicyArgs>;

  constructor(name: string, args: SourceSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("SourceSecrets", name, args, opts);
    const t = args.transform ?? {};
    this.grantTransform = t.grant;
    const values = pulumi.secret(pulumi.output(args.values ?? {}));
    const invoke = { parent: this };
    const where = pulumi.all([aws.getPartitionOutput({}, invoke).partition, aws.getRegionOutput({}, invoke).region, aws.getCallerIdentityOutput({}, invoke).accountId]);

    for (const source of args.sources) {
      if (source.secretName) {
        this.secretIds[source.name] = pulumi.output(source.secretName);
        this.resourceArns.push(where.apply(([partition, region, accountId]) => outOfBandSecretArn(source.secretName!, { partition, region, accountId })));
        continue;
      }
      const [secretName, secretArgs, secretOpts] = this.child<aws.secretsmanager.SecretArgs>(`${name}-${source.name}`, t.secret, {
        name: this.physicalName("secret", { name: `${name}-${source.name}` }),
        description: `Signing secrets of Sluice source ${source.name} (${pulumi.getStack()}): a JSON list, the current one first`,
        kmsKeyId: this.kmsKeyArn,
        recoveryWindowInDays: (args.protect ?? true) ? 30 : 0,
        tags: this.tags,
      });
      const secret = new aws.secretsmanager.Secret(secretName, secretArgs, secretOpts);
      this.secrets.push(secret);
      const [versionName, versionArgs, versionOpts] = this.child<aws.secretsmanager.SecretVersionArgs>(`${name}-${source.name}-value`, t.version, {
        secretId: secret.id,
        secretString: values.apply((v) => {
          const list = v[source.name];
          if (!list || list.length === 0) throw new Error(`source ${source.name} has no secrets to store`);
          return JSON.stringify(list);
        }),
      });
      new aws.secretsmanager.SecretVersion(versionName, versionArgs, versionOpts);
      this.secretIds[source.name] = secret.arn;
      this.resourceArns.push(secret.arn);
    }
    this.registerOutputs({ secretIds: this.secretIds });
  }

  /** Lets `grantee` read these secrets and nothing else (and decrypt them with the stack's key); none when there are none. */
  grant(grantee: Grantee, actions: readonly string[]): aws.iam.RolePolicy | undefined {
    if (this.resourceArns.length === 0 || actions.length === 0) return undefined;
    return this.grantPolicy({
      grantee,
      target: "secrets",
      label: "read",
      service: "secretsmanager",
      actions,
      resources: () => this.resourceArns,
      kmsActions: () => SECRET_READ_KMS_ACTIONS,
      transform: this.grantTransform,
    });
  }
}
