// Runs the program once per stack (and config variant) for all component suites, and records the
// resource options the mock monitor sees (protect, retainOnDelete, parent, dependsOn), which the recorded
// resources do not carry.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROJECT_DIR } from "../../local/program/project";
import type { ProgramRun, ResourceRecord } from "../../local/program/resource-record";
import { runProgram } from "../../local/program/run-program";

export interface RecordedOptions {
  protect: boolean;
  retainOnDelete: boolean;
  parent: string;
  /** URNs of the resources it waits for (`dependsOn`). */
  dependencies: string[];
}

export interface StackRun extends ProgramRun {
  options: Map<string, RecordedOptions>;
}

const optionsByRun: Map<string, RecordedOptions>[] = [];
let patched = false;

type MockMonitorModule = { MockMonitor: { prototype: { registerResource(req: any, cb: any): Promise<void> } } };

/**
 * Wraps the mock monitor's registerResource (once per process) to note each resource's options;
 * it changes nothing the program or the mocks see.
 */
function patchMonitor(): void {
  if (patched) return;
  patched = true;
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const mocks = require("@pulumi/pulumi/runtime/mocks") as MockMonitorModule;
  const original = mocks.MockMonitor.prototype.registerResource;
  mocks.MockMonitor.prototype.registerResource = function (req: any, cb: any) {
    optionsByRun[optionsByRun.length - 1]?.set(key(req.getType(), req.getName()), {
      protect: Boolean(req.getProtect()),
      retainOnDelete: Boolean(req.getRetainondelete()),
      parent: String(req.getParent() ?? ""),
      dependencies: (req.getDependenciesList?.() ?? []).map(String),
    });
    return original.call(this, req, cb);
  };
}

export function key(type: string, name: string): string {
  return `${type}::${name}`;
}

const cache = new Map<string, Promise<StackRun>>();

export interface RunStackOptions {
  /**
   * The stack name the program sees (`pulumi.getStack()`), when it is not `stack`: the stack file
   * is then `Pulumi.<stack>.yaml`, as if `pulumi stack init <stackName>` had been given a copy of it.
   */
  stackName?: string;
}

/**
 * Runs index.ts for `stack` (memoized per stack name + config). Runs take turns with every other
 * program run of the process, local stacks included (local/program/program-turn.ts).
 */
export function runStack(stack: string, config: Record<string, string> = {}, opts: RunStackOptions = {}): Promise<StackRun> {
  const stackName = opts.stackName ?? stack;
  const id = `${stack} ${stackName} ${JSON.stringify(config)}`;
  let run = cache.get(id);
  if (!run) {
    const options = new Map<string, RecordedOptions>();
    const projectDir = stackName === stack ? undefined : projectWithStack(stack, stackName);
    const onTurn = () => {
      patchMonitor();
      optionsByRun.push(options);
      // index.ts is required through the copy's shim: the program's own modules must load afresh.
      if (projectDir) forgetProjectModules();
    };
    run = runProgram({ stack: stackName, config, onTurn, projectDir }).then((result) => ({ ...result, options }));
    cache.set(id, run);
  }
  return run;
}

const shimProjects = new Map<string, string>();

/**
 * A project folder whose only stack file is `Pulumi.<stackName>.yaml`, a copy of `Pulumi.<base>.yaml`,
 * beside this project's Pulumi.yaml and package.json; its index.ts loads this project's index.ts.
 * Removed when the process exits.
 */
function projectWithStack(base: string, stackName: string): string {
  const key = `${base}\n${stackName}`;
  const existing = shimProjects.get(key);
  if (existing) return existing;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-stack-"));
  for (const file of ["Pulumi.yaml", "package.json"]) fs.copyFileSync(path.join(PROJECT_DIR, file), path.join(dir, file));
  fs.copyFileSync(path.join(PROJECT_DIR, `Pulumi.${base}.yaml`), path.join(dir, `Pulumi.${stackName}.yaml`));
  // Pulumi's closure serializer resolves the zip's packages from the working directory.
  fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(dir, "node_modules"), "dir");
  fs.writeFileSync(path.join(dir, "index.ts"), `module.exports = require(${JSON.stringify(path.join(PROJECT_DIR, "index.ts"))});\n`);
  shimProjects.set(key, dir);
  if (shimProjects.size === 1) process.once("exit", () => shimProjects.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  return dir;
}

/** Drops this project's own modules (not node_modules, not local/) from the require cache. */
function forgetProjectModules(): void {
  const keep = [path.join(PROJECT_DIR, "node_modules") + path.sep, path.join(PROJECT_DIR, "local") + path.sep];
  for (const k of Object.keys(require.cache)) {
    if (k.startsWith(PROJECT_DIR + path.sep) && !keep.some((p) => k.startsWith(p))) delete require.cache[k];
  }
}

export function ofType(run: ProgramRun, type: string): ResourceRecord[] {
  return run.resources.filter((r) => r.type === type);
}

export function one(run: ProgramRun, type: string, name?: string): ResourceRecord {
  const found = run.resources.filter((r) => r.type === type && (name === undefined || r.name === name));
  if (found.length !== 1) throw new Error(`expected one ${type}${name ? ` named ${name}` : ""}, found ${found.length}`);
  return found[0];
}

export const TYPES = {
  queue: "aws:sqs/queue:Queue",
  table: "aws:dynamodb/table:Table",
  fn: "aws:lambda/function:Function",
  esm: "aws:lambda/eventSourceMapping:EventSourceMapping",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  topic: "aws:sns/topic:Topic",
  subscription: "aws:sns/topicSubscription:TopicSubscription",
  api: "aws:apigatewayv2/api:Api",
  integration: "aws:apigatewayv2/integration:Integration",
  route: "aws:apigatewayv2/route:Route",
  stage: "aws:apigatewayv2/stage:Stage",
  permission: "aws:lambda/permission:Permission",
  dashboard: "aws:cloudwatch/dashboard:Dashboard",
  bus: "aws:cloudwatch/eventBus:EventBus",
  queryDefinition: "aws:cloudwatch/queryDefinition:QueryDefinition",
  secret: "aws:secretsmanager/secret:Secret",
  secretVersion: "aws:secretsmanager/secretVersion:SecretVersion",
} as const;
