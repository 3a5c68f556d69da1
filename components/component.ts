// SluiceComponent: what every component shares, so each component file holds only its own
// resources: tags, the customer KMS key, physical names, the transform escape hatch, grants.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { kmsKeyOf } from "./encryption";
import { physicalName, type NameKind } from "./naming";
import { grantPolicy, type GrantSpec } from "./policy";
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

export abstract class SluiceComponent extends pulumi.ComponentResource {
  /** The logical name this component was given; children are named after it. */
  protected readonly baseName: string;
  protected readonly tags: pulumi.Output<Record<string, string>>;
  /** The customer key, or undefined when there is none. */
  protected readonly kmsKeyArn: pulumi.Output<string | undefined>;

  /** `kind` is the class name; the Pulumi type is `sluice:components:<kind>`. */
  constructor(kind: string, name: string, args: CommonArgs, opts?: pulumi.ComponentResourceOptions) {
    super(`sluice:components:${kind}`, name, {}, opts);
    this.baseName = name;
    this.tags = componentTags(args.tags, kind);
    this.kmsKeyArn = kmsKeyOf(args.kmsKeyArn);
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
    return grantPolicy({ ...rest, kms: kmsActions ? { key: this.kmsKeyArn, actions: kmsActions } : undefined, opts: { parent: this, ...opts } });
  }
}
