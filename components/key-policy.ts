// A customer KMS key belongs to its owner, not to this program: the program cannot edit its policy,
// so it says exactly which statements the policy must hold for everything that uses the key to
// work. Components declare what they need (SluiceComponent.needsKey); this turns those needs into
// key policy statements, exported by index.ts as `kmsKeyPolicyStatements`.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** An AWS service principal that calls KMS itself (CloudWatch publishing to an encrypted topic). */
export interface ServiceKeyNeed {
  kind: "service";
  /** Short, stable statement name: the Sid is `<project>-<stack>-<name>`. */
  name: string;
  principal: string;
  actions: string[];
}

/** A function role that uses the key through one service (sqs, dynamodb), as its inline policy grants. */
export interface RoleKeyNeed {
  kind: "role";
  /** The service prefix the role's calls go through; the statement is limited to it (kms:ViaService). */
  via: string;
  roleArn: pulumi.Output<string>;
  actions: string[];
}

export type KeyNeed = ServiceKeyNeed | RoleKeyNeed;

export interface KeyPolicyStatement {
  Sid: string;
  Effect: "Allow";
  Principal: { Service: string } | { AWS: string };
  Action: string[];
  Resource: "*";
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** Anything that declares key needs: every SluiceComponent. */
export interface KeyUser {
  readonly keyNeeds: readonly KeyNeed[];
  readonly customerKey: pulumi.Output<string | undefined>;
}

/**
 * The statements a key's policy needs for `users` (those without a customer key need none):
 * - each service principal as declared. CloudWatch must `kms:Decrypt` and `kms:GenerateDataKey*`
 *   to publish alarms to a topic encrypted with the key, or the notifications are dropped
 *   (Amazon SNS Developer Guide, "Enable compatibility between event sources from AWS services and
 *   encrypted topics"); DynamoDB reads the key's metadata (`kms:Describe*`, `kms:Get*`,
 *   `kms:List*`; DynamoDB Developer Guide, "How Amazon DynamoDB uses AWS KMS", key policy).
 * - per service, one statement for the roles that use the key through it: the account as principal
 *   (so the roles' own inline policies decide, as they do for any IAM grant; AWS KMS Developer
 *   Guide, "Allows access to the AWS account and enables IAM policies"), limited to those role ARNs
 *   (`aws:PrincipalArn`, known before the roles exist) and to calls made through that service
 *   (`kms:ViaService`). Actions are exactly what the inline policies grant.
 */
export function keyPolicyStatements(users: readonly KeyUser[], opts?: pulumi.InvokeOptions): pulumi.Output<KeyPolicyStatement[]> {
  const project = pulumi.getProject();
  const stack = pulumi.getStack();
  const identity = aws.getCallerIdentityOutput({}, opts);
  const region = aws.getRegionOutput({}, opts);
  const partition = aws.getPartitionOutput({}, opts);
  const needs = pulumi.all(
    users.map((u) => u.customerKey.apply((key) => (key ? pulumi.all(u.keyNeeds.map(resolveNeed)) : []))),
  ) as unknown as pulumi.Output<ResolvedNeed[][]>;
  return pulumi.all([needs, identity.accountId, region.region, partition.partition]).apply(([all, account, reg, part]) =>
    buildStatements(all.flat(), { project, stack, account, region: reg, partition: part }),
  );
}

type ResolvedNeed = ServiceKeyNeed | (Omit<RoleKeyNeed, "roleArn"> & { roleArn: string });

function resolveNeed(need: KeyNeed): pulumi.Output<ResolvedNeed> {
  return need.kind === "service" ? pulumi.output(need) : need.roleArn.apply((roleArn) => ({ ...need, roleArn }));
}

/** Pure: the statements for resolved needs, merged per service principal and per `via` service. */
export function buildStatements(
  needs: ResolvedNeed[],
  where: { project: string; stack: string; account: string; region: string; partition: string },
): KeyPolicyStatement[] {
  const sid = (name: string) => `${where.project}-${where.stack}-${name}`.replace(/[^A-Za-z0-9-]/g, "-");
  const out: KeyPolicyStatement[] = [];
  const services = new Map<string, ServiceKeyNeed & { actions: string[] }>();
  const roles = new Map<string, { arns: Set<string>; actions: Set<string> }>();
  for (const need of needs) {
    if (need.kind === "service") {
      const seen = services.get(need.name);
      services.set(need.name, { ...need, actions: [...new Set([...(seen?.actions ?? []), ...need.actions])] });
    } else {
      const entry = roles.get(need.via) ?? { arns: new Set(), actions: new Set() };
      entry.arns.add(need.roleArn);
      need.actions.forEach((a) => entry.actions.add(a));
      roles.set(need.via, entry);
    }
  }
  for (const s of [...services.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    out.push({ Sid: sid(s.name), Effect: "Allow", Principal: { Service: s.principal }, Action: [...s.actions].sort(), Resource: "*" });
  }
  for (const [via, entry] of [...roles.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    out.push({
      Sid: sid(`functions-via-${via}`),
      Effect: "Allow",
      Principal: { AWS: `arn:${where.partition}:iam::${where.account}:root` },
      Action: [...entry.actions].sort(),
      Resource: "*",
      Condition: {
        StringEquals: { "kms:ViaService": `${via}.${where.region}.amazonaws.com` },
        ArnEquals: { "aws:PrincipalArn": [...entry.arns].sort() },
      },
    });
  }
  return out;
}
