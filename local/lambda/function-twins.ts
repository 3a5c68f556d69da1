// The registry entry for Lambda functions, and the registry of functions the triggers (HTTP
// routes, event source mappings) invoke: each aws.lambda.Function's serialized archive unpacked
// into the work dir and run by its own pool of instances, with the SDK layer on NODE_PATH.
import * as path from "node:path";
import type { FunctionIdentity } from "../iam/iam-twins";
import { issueRoleCredentials, type RoleCredentials } from "../iam/role-credentials";
import type { FunctionMetrics } from "../metrics";
import { numberInput as num, type ResourceRecord } from "../program/resource-record";
import type { TwinContext, TwinModule } from "../twin-module";
import { materializeArchive } from "./archive";
import { LambdaHost } from "./function-host";
import { buildSdkLayer } from "./sdk-layer";

/** Instances per function when the program sets no reserved concurrency. */
const LOCAL_MAX_INSTANCES = 8;

export interface LocalFunction {
  record: ResourceRecord;
  host: LambdaHost;
  metrics: FunctionMetrics;
  /** Its execution role's session credentials, which every instance (and its poller) signs with. */
  credentials: RoleCredentials;
}

export interface FunctionTwins extends TwinModule {
  /**
   * The function a reference of the program names: its name, ARN, invoke ARN or id, as
   * integrations, permissions and mappings spell it.
   */
  find(ref: unknown): LocalFunction | undefined;
  /** Process ids of the running function instances. */
  pids(): number[];
  /** Who each function runs as (once created): its name, role and credentials. */
  identities(): FunctionIdentity[];
  /** The same, per function (its logical name in the program). */
  instances(): Record<string, number[]>;
}

function functionMetrics(r: ResourceRecord): FunctionMetrics {
  return {
    physicalName: String(r.state.name),
    triggers: [],
    memoryMb: num(r.inputs.memorySize, 128),
    timeoutSeconds: num(r.inputs.timeout, 3),
    invocations: 0,
    errors: 0,
    timeouts: 0,
    coldStarts: 0,
    durationMs: 0,
    initMs: 0,
    billedMs: 0,
    gbSeconds: 0,
  };
}

function refersTo(ref: unknown, f: ResourceRecord): boolean {
  const s = String(ref ?? "");
  return s === f.state.name || s === f.state.arn || s === f.state.invokeArn || s === f.id || s.endsWith(`:function:${f.state.name}`) || s.includes(`${f.state.arn}/invocations`);
}

/** `awsEnv` gives the local endpoints the instances reach, once the services are open. */
export function functionTwins(ctx: TwinContext, deps: { awsEnv(): Record<string, string> }): FunctionTwins {
  const functions: LocalFunction[] = [];
  return {
    emulates: { "aws:lambda/function:Function": "function processes" },
    find: (ref) => functions.find((f) => refersTo(ref, f.record)),
    pids: () => functions.flatMap((f) => f.host.pids()),
    identities: () => functions.map((f) => ({ functionName: f.host.spec.physicalName, roleArn: String(f.record.inputs.role ?? ""), credentials: f.credentials })),
    instances: () => Object.fromEntries(functions.map((f) => [f.record.name, f.host.pids()])),
    async create(run) {
      const records = run.resources.filter((r) => r.type === "aws:lambda/function:Function");
      if (records.length === 0) return;
      const nodePath = buildSdkLayer(path.join(ctx.workDir, "sdk-layer"), ctx.projectDir);
      for (const r of records) {
        const codeDir = path.join(ctx.workDir, "functions", r.name);
        await materializeArchive(r.inputs.code, codeDir, ctx.projectDir);
        const variables = (r.inputs.environment?.variables ?? {}) as Record<string, unknown>;
        const reserved = num(r.inputs.reservedConcurrentExecutions, -1);
        const metrics = functionMetrics(r);
        ctx.metrics.lambda[r.name] = metrics;
        // One role session per function, as Lambda gives each function its execution role's.
        const credentials = issueRoleCredentials();
        const host = new LambdaHost(
          {
            logicalName: r.name,
            physicalName: String(r.state.name),
            arn: String(r.state.arn),
            codeDir,
            handler: String(r.inputs.handler ?? "index.handler"),
            environment: Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, String(v)])),
            timeoutSeconds: metrics.timeoutSeconds,
            memoryMb: metrics.memoryMb,
            maxInstances: reserved >= 0 ? reserved : LOCAL_MAX_INSTANCES,
            reserved: reserved >= 0,
            credentials,
          },
          { nodePath, awsEnv: deps.awsEnv(), metrics, log: ctx.log },
        );
        functions.push({ record: r, host, metrics, credentials });
      }
    },
    async stop() {
      // Each waits for its in-flight invocations (bounded by the function's timeout).
      await Promise.all(functions.map((f) => f.host.stop()));
    },
  };
}
