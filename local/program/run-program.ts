// Runs the Pulumi program (`index.ts`) in-process under `pulumi.runtime.setMocks`, with the
// config a stack would get from the CLI, and returns every registered resource and the stack
// outputs. The local stack, the component tests and the bench all go through here, so the program
// is declared once and read the same way everywhere.
import * as path from "node:path";
import type * as pulumiTypes from "@pulumi/pulumi";
import { LOCAL_ACCOUNT_ID } from "../aws/local-account";
import { ProgramError, watchUnhandledRejections, type RejectionWatch } from "./program-error";
import { inProgramTurn } from "./program-turn";
import { Registrations } from "./registrations";
import { PROJECT_DIR, PROJECT_NAME } from "./project";
import { defaultState, invokeResult } from "./provider-state";
import type { NewResourceArgs, ProgramRun, ResourceRecord } from "./resource-record";
import { loadStackConfig } from "./stack-config";

/** How long a failed program's registrations must stay idle before its run ends (see registrations.ts). */
const FAILED_QUIET_MS = 100;

export interface RunOptions {
  stack: string;
  /** Extra or replaced config, keyed like `sluice:batchSize` or `aws:region`. Default none. */
  config?: Record<string, string>;
  /**
   * Called for each resource after its default state is computed; what it returns is merged into
   * the state (the local stack creates twins here and returns their real URLs and names).
   */
  onResource?: (args: NewResourceArgs, state: Record<string, any>) => Promise<Record<string, any> | void> | Record<string, any> | void;
  /** Called once this run has its turn, right before index.ts loads. Default none. */
  onTurn?: () => void;
  /** The project folder (index.ts, Pulumi.yaml, package.json). Default this repository. */
  projectDir?: string;
}

/** Resolves a value that may hold Outputs into plain data; fails if the program has failed. */
export function settle<T>(pulumi: typeof pulumiTypes, value: T, failure?: Promise<never>): Promise<unknown> {
  const resolved = new Promise((resolve) => {
    pulumi.output(value as any).apply((v: unknown) => {
      resolve(v);
      return v;
    });
  });
  return failure ? Promise.race([resolved, failure]) : resolved;
}

function clearProjectModules(projectDir: string): void {
  const nodeModules = path.join(projectDir, "node_modules") + path.sep;
  for (const key of Object.keys(require.cache)) {
    if (key.startsWith(projectDir + path.sep) && !key.startsWith(nodeModules) && !key.startsWith(path.join(projectDir, "local") + path.sep)) {
      delete require.cache[key];
    }
  }
}

/**
 * Runs index.ts under mocks for `stack` and returns its resources and outputs. Runs take turns
 * (see program-turn.ts). A program that throws, or whose resources fail to register, rejects with
 * a ProgramError carrying its own message, once every registration it started has settled.
 */
export function runProgram(opts: RunOptions): Promise<ProgramRun> {
  return inProgramTurn(async () => {
    opts.onTurn?.();
    const projectDir = path.resolve(opts.projectDir ?? PROJECT_DIR);
    const previousCwd = process.cwd();
    const rejections = watchUnhandledRejections();
    try {
      // Pulumi's closure serializer finds the packages to zip from ./package.json.
      if (previousCwd !== projectDir) process.chdir(projectDir);
      return await runUnderMocks(opts, projectDir, rejections);
    } finally {
      rejections.stop();
      if (process.cwd() !== previousCwd) process.chdir(previousCwd);
    }
  });
}

async function runUnderMocks(opts: RunOptions, projectDir: string, rejections: RejectionWatch): Promise<ProgramRun> {
  const config = { ...loadStackConfig(opts.stack, projectDir), ...(opts.config ?? {}) };
  const region = config["aws:region"] ?? "us-east-1";
  const accountId = LOCAL_ACCOUNT_ID;
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const pulumi = require("@pulumi/pulumi") as typeof pulumiTypes;
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
  const resources: ResourceRecord[] = [];
  const registrations = new Registrations();

  pulumi.runtime.setAllConfig(config);
  await pulumi.runtime.setMocks(
    {
      newResource: (args) =>
        registrations.track(
          (async () => {
            const base = defaultState(args as NewResourceArgs, region, accountId, opts.stack);
            const extra = (await opts.onResource?.(args as NewResourceArgs, base)) ?? {};
            const state = { ...base, ...extra };
            // A new resource arrives with an empty id: the mock is the provider and must make one up.
            const id = args.id || state.id || `${state.name ?? args.name}`;
            resources.push({ type: args.type, name: args.name, inputs: args.inputs, state, id, custom: args.custom ?? true });
            return { id, state };
          })(),
        ),
      call: (args) => invokeResult(args.token, region, accountId),
    },
    PROJECT_NAME,
    opts.stack,
    false,
  );

  clearProjectModules(projectDir);
  const outputs: Record<string, unknown> = {};
  let thrown: { error: unknown } | undefined;
  try {
    const program = require(path.join(projectDir, "index.ts")) as Record<string, unknown>;
    for (const [key, value] of Object.entries(program)) {
      if (key === "__esModule") continue;
      outputs[key] = await settle(pulumi, value, rejections.failure);
    }
  } catch (error) {
    thrown = { error };
  }
  // Even when the program failed: the registrations it started (and the twins they create) must
  // finish before the caller tears anything down, or they fail later with an unrelated error. Once
  // it has failed, some may never finish (they wait on a resource that could not register): then
  // the twins being made are what is waited for.
  const failed = thrown ? Promise.resolve() : rejections.failure.catch(() => undefined);
  await Promise.race([settings.waitForRPCs(), failed.then(() => registrations.quiet(FAILED_QUIET_MS))]);
  // Rejections nobody handled are reported after the microtasks drain.
  await new Promise((resolve) => setImmediate(resolve));
  if (thrown || rejections.failed) {
    // What the failed program left pending never settles; Pulumi would count it as leaked at
    // process exit and fail the exit code, long after this failure was reported.
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    (require("@pulumi/pulumi/runtime/debuggable") as { leakedPromises(): unknown }).leakedPromises();
    throw new ProgramError(opts.stack, thrown ? thrown.error : rejections.first);
  }
  return { stack: opts.stack, config, resources, outputs };
}
