// Builds components on their own (not the whole program) under Pulumi mocks, for any project and
// stack name, and returns what they registered. Pulumi's mock monitor is process-wide, so builds
// run one after another, and never while a program run of harness.ts is under way (uvu runs
// suites one at a time).
import * as pulumi from "@pulumi/pulumi";
import { defaultState, type NewResourceArgs, type ResourceRecord } from "../../local/program";

export const ACCOUNT = "210987654321";
export const REGION = "eu-west-1";

const INVOKES: Record<string, Record<string, string>> = {
  "aws:index/getRegion:getRegion": { name: REGION, region: REGION, id: REGION },
  "aws:index/getCallerIdentity:getCallerIdentity": { accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/test`, userId: "test", id: ACCOUNT },
  "aws:index/getPartition:getPartition": { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" },
};

let chain: Promise<unknown> = Promise.resolve();

/** Runs `build` under mocks as project/stack (default "sluice"/"dev") and returns every resource it registered. */
export function buildAlone(build: () => void, where: { project?: string; stack?: string } = {}): Promise<ResourceRecord[]> {
  const run = chain.then(async () => {
    const stack = where.stack ?? "dev";
    const resources: ResourceRecord[] = [];
    await pulumi.runtime.setMocks(
      {
        newResource(args) {
          const state = defaultState(args as NewResourceArgs, REGION, ACCOUNT, stack);
          const id = args.id || String(state.name ?? args.name);
          resources.push({ type: args.type, name: args.name, inputs: args.inputs, state, id, custom: args.custom ?? true });
          return { id, state };
        },
        call(args) {
          const result = INVOKES[args.token];
          if (!result) throw new Error(`unmocked invoke ${args.token}`);
          return result;
        },
      },
      where.project ?? "sluice",
      stack,
      false,
    );
    build();
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    await (require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> }).waitForRPCs();
    return resources;
  });
  chain = run.catch(() => undefined);
  return run;
}

/** The one resource of `type` named `name` in a build. */
export function named(resources: ResourceRecord[], type: string, name: string): ResourceRecord {
  const found = resources.filter((r) => r.type === type && r.name === name);
  if (found.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${found.length}: ${resources.map((r) => r.name).join(", ")}`);
  return found[0];
}
