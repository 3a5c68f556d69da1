// Least-privilege inline policies. Every grant goes through here, so the rules live in one place:
// actions are named one by one (no wildcards), within the service they are meant for, and always
// on named resources.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

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

/** The trust policy that lets only the Lambda service assume a function role. */
export const LAMBDA_ASSUME_ROLE_POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
});
