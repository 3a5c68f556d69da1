// The stacks the component suites deploy under mocks: dev and prod as committed, prod with a
// customer KMS key, and a 60-character stack name (which has no stack file of its own: it runs on a
// copy of dev's). Each is what `pulumi up` would be handed after the setup the README asks for.
import type { StackRun } from "./harness";
import { runStack } from "./harness";

export const KMS_KEY = "arn:aws:kms:us-east-1:123456789012:key/0b8f5c2e-1111-2222-3333-444455556666";
export const LONG_STACK = "feature-" + "x".repeat(52);
/** What `pulumi config set sluice:alarmEmail …` adds before prod's first deploy (README, Deploy). */
export const PROD_SETUP = { "sluice:alarmEmail": "sluice-oncall@acme-corp.com" };

export interface DeployStack {
  label: string;
  /** The committed stack file it runs on. */
  base: "dev" | "prod";
  config: Record<string, string>;
  /** The stack name, when it is not `base`. */
  stackName?: string;
}

export const DEPLOY_STACKS: DeployStack[] = [
  { label: "dev", base: "dev", config: {} },
  { label: "prod", base: "prod", config: PROD_SETUP },
  { label: "prod with a customer KMS key", base: "prod", config: { ...PROD_SETUP, "sluice:kmsKeyArn": KMS_KEY } },
  { label: `a ${LONG_STACK.length}-character stack name (dev's config)`, base: "dev", config: {}, stackName: LONG_STACK },
];

export function deploy(stack: DeployStack): Promise<StackRun> {
  return runStack(stack.base, stack.config, { stackName: stack.stackName });
}

/** The stack name the program saw. */
export function stackNameOf(stack: DeployStack): string {
  return stack.stackName ?? stack.base;
}
