// Least-privilege inline policies. Every grant goes through here, so the rules live in one place:
// actions are named one by one (no wildcards), within the service they are meant for, and always
// on named resources.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { applyTransform, Transform } from "./transform";

export interface PolicyStatement {
  Effect: "Allow";
  Action: string[];
  Resource: string[];
}

/** What a component needs to grant access to a function: its name and its execution role. */
export interface Grantee {
  /** The grantee's logical name; grant resources are named after it. */
  readonly name: string;
  readonly role: aws.iam.Role;
}

/** Rejects wildcards and actions outside `service`, so a typo cannot widen a grant. */
export function checkActions(service: string, actions: readonly string[]): string[] {
  if (actions.length === 0) throw new Error(`no ${service} actions to grant`);
  for (const action of actions) {
    if (action.includes("*")) throw new Error(`wildcard action ${action} refused: name each ${service} action`);
    if (!action.startsWith(`${service}:`)) throw new Error(`action ${action} is not a ${service} action`);
  }
  return [...new Set(actions)].sort();
}

/** A policy document JSON string from statements whose resources may still be Outputs. */
export function policyDocument(
  statements: { actions: readonly string[]; resources: pulumi.Input<pulumi.Input<string>[]> }[],
): pulumi.Output<string> {
  return pulumi.output(statements.map((s) => pulumi.output(s.resources))).apply((resolved) =>
    JSON.stringify({
      Version: "2012-10-17",
      Statement: statements.map((s, i): PolicyStatement => ({ Effect: "Allow", Action: [...s.actions], Resource: resolved[i] })),
    }),
  );
}

export interface GrantSpec {
  /** Who gets the access. */
  grantee: Grantee;
  /** What is granted on (`queue`, `table`, `logs`) and why (`access`, `poll`); the policy is `<grantee>-<target>-<label>`. */
  target: string;
  label: string;
  /** The only service prefix `actions` may use ("sqs"). */
  service: string;
  actions: readonly string[];
  /** The resources the (checked, sorted) actions apply to. */
  resources: (actions: string[]) => pulumi.Input<string>[];
  /** The customer key, if any, and the KMS actions the granted actions imply with it. */
  kms?: { key: pulumi.Output<string | undefined>; actions: (actions: string[]) => string[] };
  transform?: Transform<aws.iam.RolePolicyArgs>;
  /** Options of the policy resource; `parent` is the component that grants. */
  opts: pulumi.CustomResourceOptions;
}

/**
 * The one way a component grants: checked actions on named resources, plus the KMS use they imply
 * when there is a customer key, as an inline policy on the grantee's role.
 */
export function grantPolicy(spec: GrantSpec): aws.iam.RolePolicy {
  const actions = checkActions(spec.service, spec.actions);
  const resources = spec.resources(actions);
  const kmsActions = spec.kms ? spec.kms.actions(actions) : [];
  const document = pulumi.output(spec.kms?.key).apply((key) =>
    policyDocument([{ actions, resources }, ...(key && kmsActions.length > 0 ? [{ actions: kmsActions, resources: [key] }] : [])]),
  );
  const [name, args, opts] = applyTransform<aws.iam.RolePolicyArgs>(
    spec.transform,
    `${spec.grantee.name}-${spec.target}-${spec.label}`,
    { role: spec.grantee.role.name, policy: document },
    spec.opts,
  );
  return new aws.iam.RolePolicy(name, args, opts);
}

/** The trust policy that lets only the Lambda service assume a function role. */
export const LAMBDA_ASSUME_ROLE_POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
});
