// Builds components on their own (not the whole program) under Pulumi mocks, for any project and
// stack name, and returns what they registered. Pulumi's mock monitor is process-wide, so builds
// take their turn with every program run of this process (local/program/program-turn.ts).
import * as pulumi from "@pulumi/pulumi";
import { inProgramTurn } from "../../local/program/program-turn";
import { defaultState, invokeResult } from "../../local/program/provider-state";
import type { NewResourceArgs, ResourceRecord } from "../../local/program/resource-record";

export const ACCOUNT = "210987654321";
export const REGION = "eu-west-1";

/** Runs `build` under mocks as project/stack (default "sluice"/"dev") and returns every resource it registered. */
export function buildAlone(build: () => void, where: { project?: string; stack?: string } = {}): Promise<ResourceRecord[]> {
  return inProgramTurn(async () => {
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
          return invokeResult(args.token, REGION, ACCOUNT);
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
}

/** The one resource of `type` named `name` in a build. */
export function named(resources: ResourceRecord[], type: string, name: string): ResourceRecord {
  const found = resources.filter((r) => r.type === type && r.name === name);
  if (found.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${found.length}: ${resources.map((r) => r.name).join(", ")}`);
  return found[0];
}
