// One instance of a local function: its own process running bootstrap.cjs, with only the
// environment Lambda would give it, its output turned into JSON log lines, and its init phase
// bounded as Lambda bounds it.
import { fork, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { forwardLines } from "../child-output";
import { credentialsEnv, type RoleCredentials } from "../iam/role-credentials";

export interface FunctionSpec {
  logicalName: string;
  physicalName: string;
  arn: string;
  /** The unpacked archive (what Lambda calls the task root). */
  codeDir: string;
  /** `file.export`, e.g. `__index.handler`. */
  handler: string;
  /** The function's own configured environment, nothing else. */
  environment: Record<string, string>;
  timeoutSeconds: number;
  memoryMb: number;
  /** Most instances at once (Lambda's reserved concurrency, or a local cap). */
  maxInstances: number;
  /**
   * Whether `maxInstances` is the function's reserved concurrency: past it Lambda throttles at once
   * (TooManyRequestsException) where the local cap only makes the invocation wait. Default false.
   */
  reserved?: boolean;
  /** The execution role's session credentials, set as Lambda sets them. Default: awsEnv's. */
  credentials?: RoleCredentials;
}

export interface InstanceOptions {
  /** The SDK layer folder (see sdk-layer.ts), the instance's whole NODE_PATH. */
  nodePath: string;
  /** AWS_ENDPOINT_URL_* to the local servers, region and the local stack's tool credentials. */
  awsEnv: Record<string, string>;
  log(line: string): void;
}

export type InitResult = { initMs: number } | { error: { errorType: string; errorMessage: string } };

export interface Instance {
  child: ChildProcess;
  ready: Promise<InitResult>;
  alive: boolean;
}

/** Lambda gives a function's init phase 10 s, apart from its timeout. */
const INIT_LIMIT_MS = 10_000;
const BOOTSTRAP = path.join(__dirname, "bootstrap.cjs");

/** The process environment an instance gets: its own variables plus what Lambda itself sets. */
export function instanceEnv(s: FunctionSpec, opts: InstanceOptions): Record<string, string> {
  return {
    ...s.environment,
    ...opts.awsEnv,
    ...(s.credentials ? credentialsEnv(s.credentials) : {}),
    AWS_DEFAULT_REGION: opts.awsEnv.AWS_REGION ?? "us-east-1",
    AWS_LAMBDA_FUNCTION_NAME: s.physicalName,
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(s.memoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${s.physicalName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: `local/${s.physicalName}`,
    AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x",
    LAMBDA_TASK_ROOT: s.codeDir,
    _HANDLER: s.handler,
    NODE_PATH: opts.nodePath,
    TZ: ":UTC",
    LANG: "en_US.UTF-8",
  };
}

/** Starts an instance; `ready` settles when its init phase ends (or fails, or runs out of time). */
export function spawnInstance(spec: FunctionSpec, opts: InstanceOptions): Instance {
  const child = fork(BOOTSTRAP, [], {
    cwd: spec.codeDir,
    env: instanceEnv(spec, opts),
    // Not the host's loaders (tsx): an instance sees plain node, like the Lambda runtime. Its heap
    // is capped at the configured memory (Lambda caps the whole process; this is the part that grows).
    execArgv: [`--max-old-space-size=${spec.memoryMb}`],
    // Own process group: a terminal's Ctrl-C reaches the host, which then stops its instances
    // after in-flight invocations end, instead of killing them mid-batch.
    detached: true,
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  const instance: Instance = { child, alive: true, ready: undefined as never };
  // A failed send or spawn surfaces as the invocation's error or as 'exit'; without a listener
  // an 'error' event would bring the whole local stack down.
  child.on("error", (err) => opts.log(JSON.stringify({ level: "error", source: "local", fn: spec.logicalName, pid: child.pid, msg: "instance process error", error: err.message })));
  // Handlers log structured JSON already; anything else (a stray console.log, a crash) is wrapped.
  forwardLines(child.stdout, opts.log, (msg) => ({ level: "info", source: "lambda", fn: spec.logicalName, pid: child.pid, msg }));
  forwardLines(child.stderr, opts.log, (msg) => ({ level: "error", source: "lambda", fn: spec.logicalName, pid: child.pid, msg }));
  instance.ready = new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ error: { errorType: "Runtime.InitTimeout", errorMessage: `init exceeded ${INIT_LIMIT_MS} ms` } }), INIT_LIMIT_MS);
    const onMessage = (msg: { type?: string; initMs?: number; error?: { errorType: string; errorMessage: string } }) => {
      if (msg.type === "ready") resolve({ initMs: msg.initMs ?? 0 });
      else if (msg.type === "init-error") resolve({ error: msg.error! });
      else return;
      clearTimeout(timer);
      child.off("message", onMessage);
    };
    child.on("message", onMessage);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ error: { errorType: "Runtime.ExitError", errorMessage: `instance exited during init (${signal ?? code})` } });
    });
  });
  return instance;
}

export function killInstance(instance: Instance): void {
  if (!instance.alive) return;
  instance.alive = false;
  try {
    instance.child.kill("SIGKILL");
  } catch {
    /* already gone */
  }
}
