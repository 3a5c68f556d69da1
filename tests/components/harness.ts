// Runs the program once per stack (and config variant) for all component suites, and records the
// resource options the mock monitor sees (protect, retainOnDelete, parent, dependsOn), which the recorded
// resources do not carry.
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

/**
 * Runs index.ts for `stack` (memoized per stack + config). Runs take turns with every other
 * program run of the process, local stacks included (local/program/program-turn.ts).
 */
export function runStack(stack: string, config: Record<string, string> = {}): Promise<StackRun> {
  const id = `${stack} ${JSON.stringify(config)}`;
  let run = cache.get(id);
  if (!run) {
    const options = new Map<string, RecordedOptions>();
    const onTurn = () => {
      patchMonitor();
      optionsByRun.push(options);
    };
    run = runProgram({ stack, config, onTurn }).then((result) => ({ ...result, options }));
    cache.set(id, run);
  }
  return run;
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
} as const;
