// SluiceComponent: what every component shares, so each component file holds only its own
// resources: tags, the customer KMS key, physical names, the transform escape hatch, grants.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { kmsKeyOf } from "./encryption";
import type { KeyNeed, KeyUser } from "./key-policy";
import { physicalName, type NameKind } from "./naming";
import { checkActions, grantPolicy, type GrantSpec } from "./policy";
import { applyTransform, type Transform } from "./transform";

/** The args every component takes. */
export interface CommonArgs {
  /** Tags for every child; `component` is added. Default {}. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Customer KMS key ARN for what the component encrypts; "" means none. Default: none (AWS-managed encryption). */
  kmsKeyArn?: pulumi.Input<string>;
}

/** The tags each child carries: the caller's, plus which component made it. */
export function componentTags(
  tags: pulumi.Input<Record<string, pulumi.Input<string>>> | undefined,
  component: string,
): pulumi.Output<Record<string, string>> {
  return pulumi.output(tags ?? {}).apply((t): Record<string, string> => ({ ...(t as Record<string, string>), component }));
}

export abstract class SluiceComponent extends pulumi.ComponentResource implements KeyUser {
  /** The logical name this component was given; children are named after it. */
  protected readonly baseName: string;
  protected readonly tags: pulumi.Output<Record<string, string>>;
  /** The customer key, or undefined when there is none. */
  protected readonly kmsKeyArn: pulumi.Output<string | undefined>;
  /** What the customer key's policy must allow for this component's resources (key-policy.ts). */
  public readonly keyNeeds: KeyNeed[] = [];

  /** `kind` is the class name; the Pulumi type is `sluice:components:<kind>`. */
  constructor(kind: string, name: string, args: CommonArgs, opts?: pulumi.ComponentResourceOptions) {
    super(`sluice:components:${kind}`, name, {}, opts);
    this.baseName = name;
    this.tags = componentTags(args.tags, kind);
    this.kmsKeyArn = kmsKeyOf(args.kmsKeyArn);
  }

  /** The customer key this component encrypts with, or undefined. */
  public get customerKey(): pulumi.Output<string | undefined> {
    return this.kmsKeyArn;
  }

  /** Declares a key policy need; it only matters when there is a customer key. */
  protected needsKey(need: KeyNeed): void {
    this.keyNeeds.push(need);
  }

  /**
   * The physical name for a child of this kind, unique per project and stack and within AWS's
   * limit (naming.ts). `name` defaults to the component's own name.
   */
  protected physicalName(kind: NameKind, opts: { name?: string; suffix?: string } = {}): string {
    return physicalName(kind, { project: pulumi.getProject(), stack: pulumi.getStack(), name: opts.name ?? this.baseName, suffix: opts.suffix });
  }

  /** A child's name, args and options after the caller's transform, parented to this component. */
  protected child<Args extends object>(
    name: string,
    transform: Transform<Args> | undefined,
    args: Args,
    opts: pulumi.CustomResourceOptions = {},
  ): [string, Args, pulumi.CustomResourceOptions] {
    return applyTransform(transform, name, args, { parent: this, ...opts });
  }

  /** An inline policy on the grantee's role (policy.ts), parented here, with this component's key. */
  protected grantPolicy(
    spec: Omit<GrantSpec, "opts" | "kms"> & { kmsActions?: (actions: string[]) => string[]; opts?: pulumi.CustomResourceOptions },
  ): aws.iam.RolePolicy {
    const { kmsActions, opts, ...rest } = spec;
    const keyActions = kmsActions ? kmsActions(checkActions(spec.service, spec.actions)) : [];
    // The role's own policy grants the key; the key's policy must let it (key-policy.ts).
    if (keyActions.length > 0) this.needsKey({ kind: "role", via: spec.service, roleArn: spec.grantee.role.arn, actions: keyActions });
    return grantPolicy({ ...rest, kms: kmsActions ? { key: this.kmsKeyArn, actions: kmsActions } : undefined, opts: { parent: this, ...opts } });
  }
}
