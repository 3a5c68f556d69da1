// Runs the Pulumi program (`index.ts`) in-process under `pulumi.runtime.setMocks`, with the
// config a stack would get from the CLI (Pulumi.yaml defaults, then Pulumi.<stack>.yaml), and
// returns every registered resource and the stack outputs. The component tests, the local stack and
// the bench all go through here, so the program is declared once and read the same way everywhere.
import * as fs from "node:fs";
import * as path from "node:path";
import * as crypto from "node:crypto";
import { load as loadYaml } from "js-yaml";
import type * as pulumiTypes from "@pulumi/pulumi";

export const PROJECT_DIR = path.resolve(__dirname, "..");
export const PROJECT_NAME = "sluice";

export interface ResourceRecord {
  type: string;
  /** The logical name given to the resource in the program. */
  name: string;
  inputs: Record<string, any>;
  /** The state the mock returned: inputs plus the provider-computed fields. */
  state: Record<string, any>;
  id: string;
  custom: boolean;
}

export interface NewResourceArgs {
  type: string;
  name: string;
  inputs: Record<string, any>;
  custom?: boolean;
  id?: string;
}

export interface CallArgs {
  token: string;
  inputs: Record<string, any>;
}

export interface RunOptions {
  stack: string;
  /** Extra or replaced config, keyed like `sluice:batchSize` or `aws:region`. */
  config?: Record<string, string>;
  /**
   * Called for each resource after its default state is computed; what it returns is merged into
   * the state (the local stack creates twins here and returns their real URLs and names).
   */
  onResource?: (args: NewResourceArgs, state: Record<string, any>) => Promise<Record<string, any> | void> | Record<string, any> | void;
  projectDir?: string;
}

export interface ProgramRun {
  stack: string;
  config: Record<string, string>;
  resources: ResourceRecord[];
  outputs: Record<string, unknown>;
}

type YamlConfigEntry = { type?: string; default?: unknown; description?: string; items?: unknown; secret?: boolean };

function stringifyConfigValue(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Reads the `config:` schema of Pulumi.yaml: key (without namespace) → entry. */
export function readProjectConfigSchema(projectDir = PROJECT_DIR): Record<string, YamlConfigEntry> {
  const doc = loadYaml(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as { config?: Record<string, YamlConfigEntry | unknown> };
  const out: Record<string, YamlConfigEntry> = {};
  for (const [key, entry] of Object.entries(doc.config ?? {})) {
    out[key] = entry !== null && typeof entry === "object" && !Array.isArray(entry) ? (entry as YamlConfigEntry) : { default: entry };
  }
  return out;
}

/**
 * The config map the Pulumi CLI would hand the program for `stack`: project defaults from
 * Pulumi.yaml under the project namespace, overlaid with Pulumi.<stack>.yaml.
 */
export function loadStackConfig(stack: string, projectDir = PROJECT_DIR): Record<string, string> {
  const config: Record<string, string> = {};
  for (const [key, entry] of Object.entries(readProjectConfigSchema(projectDir))) {
    if (entry.default === undefined) continue;
    const fullKey = key.includes(":") ? key : `${PROJECT_NAME}:${key}`;
    config[fullKey] = stringifyConfigValue(entry.default);
  }
  const stackFile = path.join(projectDir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(stackFile)) throw new Error(`no stack file ${path.basename(stackFile)} (known stacks: ${knownStacks(projectDir).join(", ")})`);
  const doc = loadYaml(fs.readFileSync(stackFile, "utf8")) as { config?: Record<string, unknown> };
  for (const [key, value] of Object.entries(doc.config ?? {})) {
    const fullKey = key.includes(":") ? key : `${PROJECT_NAME}:${key}`;
    config[fullKey] = stringifyConfigValue(value);
  }
  return config;
}

export function knownStacks(projectDir = PROJECT_DIR): string[] {
  return fs
    .readdirSync(projectDir)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => Boolean(s))
    .sort();
}

function shortHash(s: string): string {
  return crypto.createHash("sha256").update(s).digest("hex").slice(0, 7);
}

/**
 * What a provider would compute for a new resource, enough for the program's outputs and
 * cross-references (ARNs, URLs, names) to resolve under mocks.
 */
export function defaultState(args: NewResourceArgs, region: string, accountId: string, stack: string): Record<string, any> {
  const inputs = args.inputs ?? {};
  const physical = inputs.name ?? `${args.name}-${shortHash(`${stack}/${args.type}/${args.name}`)}`;
  const state: Record<string, any> = { ...inputs };
  const [pkg, mod] = args.type.split(":");
  if (pkg !== "aws") return state;
  const service = mod.split("/")[0];
  state.name = physical;
  state.arn = `arn:aws:${service}:${region}:${accountId}:${physical}`;
  state.tagsAll = inputs.tags ?? {};
  switch (args.type) {
    case "aws:sqs/queue:Queue":
      state.arn = `arn:aws:sqs:${region}:${accountId}:${physical}`;
      state.url = `https://sqs.${region}.amazonaws.com/${accountId}/${physical}`;
      break;
    case "aws:dynamodb/table:Table":
      state.arn = `arn:aws:dynamodb:${region}:${accountId}:table/${physical}`;
      break;
    case "aws:lambda/function:Function":
      state.arn = `arn:aws:lambda:${region}:${accountId}:function:${physical}`;
      state.invokeArn = `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${state.arn}/invocations`;
      break;
    case "aws:iam/role:Role":
      state.arn = `arn:aws:iam::${accountId}:role/${physical}`;
      break;
    case "aws:cloudwatch/logGroup:LogGroup":
      state.arn = `arn:aws:logs:${region}:${accountId}:log-group:${physical}`;
      break;
    case "aws:sns/topic:Topic":
      state.arn = `arn:aws:sns:${region}:${accountId}:${physical}`;
      break;
    case "aws:apigatewayv2/api:Api": {
      const apiId = shortHash(`${stack}/${args.name}`).slice(0, 7) + "abc";
      state.apiEndpoint = `https://${apiId}.execute-api.${region}.amazonaws.com`;
      state.executionArn = `arn:aws:execute-api:${region}:${accountId}:${apiId}`;
      state.arn = `arn:aws:apigateway:${region}::/apis/${apiId}`;
      break;
    }
    case "aws:cloudwatch/dashboard:Dashboard":
      state.dashboardName = inputs.dashboardName ?? physical;
      break;
  }
  return state;
}

/** Resolves a value that may hold Outputs into plain data. */
export function settle<T>(pulumi: typeof pulumiTypes, value: T): Promise<unknown> {
  return new Promise((resolve) => {
    pulumi.output(value as any).apply((v: unknown) => {
      resolve(v);
      return v;
    });
  });
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
 * Runs index.ts under mocks for `stack` and returns its resources and outputs. Runs are
 * sequential within a process: Pulumi's mock monitor is process-wide.
 */
export async function runProgram(opts: RunOptions): Promise<ProgramRun> {
  const projectDir = opts.projectDir ?? PROJECT_DIR;
  const config = { ...loadStackConfig(opts.stack, projectDir), ...(opts.config ?? {}) };
  const region = config["aws:region"] ?? "us-east-1";
  const accountId = "123456789012";
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const pulumi = require("@pulumi/pulumi") as typeof pulumiTypes;
  const resources: ResourceRecord[] = [];

  pulumi.runtime.setAllConfig(config);
  await pulumi.runtime.setMocks(
    {
      async newResource(args) {
        const base = defaultState(args as NewResourceArgs, region, accountId, opts.stack);
        const extra = (await opts.onResource?.(args as NewResourceArgs, base)) ?? {};
        const state = { ...base, ...extra };
        // A new resource arrives with an empty id: the mock is the provider and must make one up.
        const id = args.id || state.id || `${state.name ?? args.name}`;
        resources.push({ type: args.type, name: args.name, inputs: args.inputs, state, id, custom: args.custom ?? true });
        return { id, state };
      },
      call(args) {
        switch (args.token) {
          case "aws:index/getRegion:getRegion":
            return { name: region, region, id: region, description: region };
          case "aws:index/getCallerIdentity:getCallerIdentity":
            return { accountId, arn: `arn:aws:iam::${accountId}:user/local`, userId: "local", id: accountId };
          case "aws:index/getPartition:getPartition":
            return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
          default:
            throw new Error(`unmocked invoke ${args.token}: add it to local/program.ts`);
        }
      },
    },
    PROJECT_NAME,
    opts.stack,
    false,
  );

  clearProjectModules(projectDir);
  const program = require(path.join(projectDir, "index.ts")) as Record<string, unknown>;
  const outputs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(program)) {
    if (key === "__esModule") continue;
    outputs[key] = await settle(pulumi, value);
  }
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  await (require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> }).waitForRPCs();
  return { stack: opts.stack, config, resources, outputs };
}
