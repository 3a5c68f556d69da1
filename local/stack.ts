// The local stack: runs the Pulumi program (index.ts) under mocks and gives each resource a local
// twin — queues in local-aws-sqs, tables in dynalite, each function's serialized archive in its own
// processes, event source mappings as pollers, the HTTP API as an HTTP server. Nothing about the
// pipeline is declared here: what the program says is what runs.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { materializeArchive } from "./archive";
import { startHttpApi, type ApiServer, type ApiSpec, type RouteTarget } from "./http-api";
import type { RouteDef } from "./http-routes";
import { LambdaHost } from "./lambda-host";
import { askForCapacity, emptyMetrics, recordDynamoDb, recordSqs, snapshot, type FunctionMetrics, type LocalMetrics } from "./metrics";
import { PROJECT_DIR, runProgram, type ResourceRecord } from "./program";
import { createQueueTwin, queueAttributes, queueName, restoreQueuedMessages, saveQueuedMessages, sendMessages, type LocalQueue, type QueueInputs } from "./queue-twin";
import { SqsJournal, type JournaledMessage } from "./sqs-journal";
import { buildSdkLayer } from "./sdk-layer";
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS, LOCAL_REGION, localAwsEnv, startDynalite, startSqs, type LocalServer } from "./servers";
import { SqsPoller } from "./sqs-poller";
import { ensureTable, type TableInputs } from "./table-twin";

export type { LocalMetrics } from "./metrics";

/** The fixed default port of `npm start`. */
export const DEFAULT_PORT = 3210;
export const DEFAULT_DATA_DIR = ".sluice/local/data";
export const DEFAULT_OUTPUTS_FILE = ".sluice/local/outputs.json";
/** Instances per function when the program sets no reserved concurrency. */
const LOCAL_MAX_INSTANCES = 8;

export interface LocalStackOptions {
  /** Stack whose config to use (Pulumi.<stack>.yaml over the Pulumi.yaml defaults). Default "dev". */
  stack?: string;
  /** HTTP API port; 0 picks a free one. Default 3210. */
  port?: number;
  /** Where dynalite keeps tables and undelivered messages are saved. Default .sluice/local/data. */
  dataDir?: string;
  /** Where to write the stack outputs once the stack takes requests. Default: not written. */
  outputsFile?: string;
  /** Config overrides, keyed like `sluice:batchSize`. Default none. */
  config?: Record<string, string>;
  /** Receives every log line (JSON). Default: printed to stdout. */
  log?: (line: string) => void;
  /** The project to run (a folder with index.ts, Pulumi.yaml, package.json). Default this repo. */
  projectDir?: string;
}

export interface ResourceSummary {
  type: string;
  name: string;
  /** What stands in for it locally, or "recorded" when nothing needs to run. */
  local: string;
}

export interface LocalStack {
  apiUrl: string;
  outputs: Record<string, unknown>;
  metrics(): LocalMetrics;
  resetMetrics(): void;
  stop(): Promise<void>;
  /** Every resource the program declared and how it is handled locally. */
  resources: ResourceSummary[];
  /** Process ids of the running function instances. */
  functionPids(): number[];
  /** The local AWS endpoints, for tools and tests that look inside. */
  endpoints: { dynamodb: string; sqs: string };
}

const EMULATED: Record<string, string> = {
  "aws:sqs/queue:Queue": "local-aws-sqs queue",
  "aws:dynamodb/table:Table": "dynalite table",
  "aws:lambda/function:Function": "function processes",
  "aws:lambda/eventSourceMapping:EventSourceMapping": "SQS poller",
  "aws:apigatewayv2/api:Api": "HTTP server",
  "aws:apigatewayv2/route:Route": "HTTP route",
  "aws:apigatewayv2/integration:Integration": "Lambda proxy integration",
  "aws:apigatewayv2/stage:Stage": "throttling and access log",
  "aws:lambda/permission:Permission": "checked: API may invoke",
};

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) out.set(key(item), [...(out.get(key(item)) ?? []), item]);
  return out;
}

/** Every SQS ARN is mapped to the local queue of the same name. */
function localQueueArn(arn: string): string {
  return `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:${arn.slice(arn.lastIndexOf(":") + 1)}`;
}

function num(v: unknown, fallback: number): number {
  const n = Number(v);
  return v === undefined || v === null || v === "" || Number.isNaN(n) ? fallback : n;
}

function zeroFunctionMetrics(m: FunctionMetrics): void {
  Object.assign(m, { invocations: 0, errors: 0, timeouts: 0, coldStarts: 0, durationMs: 0, initMs: 0, billedMs: 0, gbSeconds: 0 });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
  // A killed process whose parent has not reaped it yet still answers signal 0 (Linux: state Z).
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true;
  }
}

/**
 * One stack per data dir: dynalite's LevelDB cannot be opened twice, and fails late and loudly if
 * it is. The lock names its holder; a lock whose process is gone is taken over.
 */
function lockDataDir(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, "LOCK.local-stack");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: "wx" });
      return () => fs.rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = Number(fs.readFileSync(file, "utf8"));
      if (holder && holder !== process.pid && processAlive(holder)) {
        throw new Error(`the data dir ${dataDir} is in use by process ${holder} (another local stack?): stop it, or pick another --data-dir`);
      }
      if (holder === process.pid) throw new Error(`the data dir ${dataDir} is already in use by a local stack in this process: give each its own data dir`);
      fs.rmSync(file, { force: true });
    }
  }
  throw new Error(`could not lock the data dir ${dataDir}`);
}

function writeJsonAtomic(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(value, null, 4) + "\n");
  fs.renameSync(`${file}.tmp`, file);
}

/** Pulumi's mock monitor is process-wide: program runs of concurrent starts take turns. */
let programTurn: Promise<unknown> = Promise.resolve();

/**
 * Starts the local stack of `opts.stack` and resolves once it takes requests. Several stacks may
 * run in one process (their program runs take turns); each needs its own data dir.
 */
export async function startLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  const stack = opts.stack ?? "dev";
  const log = opts.log ?? ((line: string) => process.stdout.write(line + "\n"));
  const projectDir = path.resolve(opts.projectDir ?? PROJECT_DIR);
  const dataDir = path.resolve(opts.dataDir ?? path.join(projectDir, DEFAULT_DATA_DIR));
  const outputsFile = opts.outputsFile ? path.resolve(opts.outputsFile) : undefined;
  // The file's existence means "ready": a stale one from an earlier run must not say so.
  if (outputsFile) fs.rmSync(outputsFile, { force: true });
  const unlock = lockDataDir(dataDir);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-local-"));
  const metrics = emptyMetrics();
  const cleanups: Array<() => Promise<void> | void> = [unlock, () => fs.rmSync(workDir, { recursive: true, force: true })];
  const cleanup = async () => {
    for (const c of cleanups.splice(0).reverse()) {
      try {
        await c();
      } catch {
        /* best effort: the rest must still be closed */
      }
    }
  };

  try {
    // Counted inside the servers: every AWS request of the pipeline, as AWS would bill it.
    const dynalite = await startDynalite({
      dataDir: path.join(dataDir, "dynamodb"),
      observer: { rewrite: askForCapacity, onExchange: (x) => recordDynamoDb(metrics.dynamodb, x.action, x.status, x.requestBody, x.responseBody) },
    });
    cleanups.push(() => dynalite.close());
    // A journal left behind means the last run did not stop cleanly: what it holds is replayed
    // below. It is moved aside (not deleted) until that replay is done.
    const journalFile = SqsJournal.fileIn(dataDir);
    const replayFile = `${journalFile}.replay`;
    const unclean = new Map<string, JournaledMessage>();
    for (const m of [...SqsJournal.pending(path.dirname(replayFile), replayFile), ...SqsJournal.pending(dataDir)]) unclean.set(m.id, m);
    if (fs.existsSync(journalFile)) fs.renameSync(journalFile, replayFile);
    const journal = new SqsJournal(journalFile);
    let stoppedCleanly = false;
    cleanups.push(() => journal.close(stoppedCleanly));
    const sqsServer = await startSqs({
      observer: {
        onExchange: (x) => {
          recordSqs(metrics.sqs, x.action, x.status, x.requestBody, x.responseBody);
          journal.record(x);
        },
      },
    });
    cleanups.push(() => sqsServer.close());
    const awsEnv = localAwsEnv({ dynamodb: dynalite.endpoint, sqs: sqsServer.endpoint });
    const clientConfig = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 2 };
    const ddb = new DynamoDBClient({ ...clientConfig, endpoint: dynalite.endpoint });
    const sqs = new SQSClient({ ...clientConfig, endpoint: sqsServer.endpoint });
    cleanups.push(() => {
      ddb.destroy();
      sqs.destroy();
    });

    // The first API's server listens before the program runs, so that a taken port fails fast and
    // the API's endpoint (hence the `apiUrl` output) is the local URL.
    const apiServers: Array<{ server: ApiServer; spec: ApiSpec }> = [];
    const newApiServer = async (port: number) => {
      const spec: ApiSpec = { apiId: "", stage: "$default", accountId: LOCAL_ACCOUNT_ID, routes: [] };
      const server = await startHttpApi(spec, { port, metrics: metrics.api, log });
      apiServers.push({ server, spec });
      cleanups.push(() => server.close());
      return { server, spec };
    };
    const port = opts.port ?? DEFAULT_PORT;
    const firstApi = await newApiServer(port).catch((err: NodeJS.ErrnoException) => {
      throw err.code === "EADDRINUSE" ? new Error(`port ${port} is in use: stop what holds it, or pass --port 0 (a free port) or another one`) : err;
    });
    const apiByName = new Map<string, { server: ApiServer; spec: ApiSpec }>();

    const queues: LocalQueue[] = [];
    const tables: string[] = [];
    let run;
    const previousTurn = programTurn;
    let endTurn!: () => void;
    programTurn = new Promise<void>((resolve) => (endTurn = resolve));
    await previousTurn;
    const previousCwd = process.cwd();
    try {
      // Pulumi's closure serializer finds the packages to zip from ./package.json.
      if (previousCwd !== projectDir) process.chdir(projectDir);
      run = await runProgram({
        stack,
        config: opts.config,
        projectDir,
        async onResource(args, state) {
          const inputs = args.inputs ?? {};
          switch (args.type) {
            case "aws:sqs/queue:Queue": {
              const name = queueName(String(state.name), inputs as QueueInputs);
              const q = await createQueueTwin(sqs, name, queueAttributes(inputs as QueueInputs, localQueueArn), sqsServer.endpoint);
              queues.push(q);
              return { name: q.name, url: q.url, arn: q.arn, id: q.url };
            }
            case "aws:dynamodb/table:Table": {
              const how = await ensureTable(ddb, String(state.name), inputs as TableInputs);
              tables.push(String(state.name));
              log(JSON.stringify({ level: "info", source: "local", msg: how === "created" ? "table created" : "table kept from the data dir", table: state.name }));
              return {};
            }
            case "aws:apigatewayv2/api:Api": {
              const entry = apiByName.size === 0 ? firstApi : await newApiServer(0);
              apiByName.set(args.name, entry);
              return { apiEndpoint: entry.server.url };
            }
            default:
              return {};
          }
        },
      });
    } finally {
      if (process.cwd() !== previousCwd) process.chdir(previousCwd);
      endTurn();
    }
    if (apiByName.size === 0) apiServers.splice(0).forEach(({ server }) => void server.close());

    const byType = (type: string) => run.resources.filter((r) => r.type === type);
    const fnRecords = byType("aws:lambda/function:Function");
    const mappings = byType("aws:lambda/eventSourceMapping:EventSourceMapping");
    const integrations = byType("aws:apigatewayv2/integration:Integration");
    const routes = byType("aws:apigatewayv2/route:Route");
    const permissions = byType("aws:lambda/permission:Permission");

    // Queued messages saved by the previous run go back before anything polls.
    const restored = await restoreQueuedMessages(sqs, queues, dataDir, log);
    if (restored > 0) log(JSON.stringify({ level: "info", source: "local", msg: "re-sent the messages saved at the last stop", count: restored }));
    if (unclean.size > 0) {
      for (const [name, messages] of groupBy([...unclean.values()], (m) => m.queue)) {
        const q = queues.find((x) => x.name === name);
        if (!q) continue;
        await sendMessages(sqs, q, messages.map((m) => ({ body: m.body, messageAttributes: m.attributes as never, groupId: m.groupId, deduplicationId: m.deduplicationId })));
      }
      log(JSON.stringify({ level: "warn", source: "local", msg: "the last run did not stop cleanly: re-sent the messages it had accepted and not yet deleted", count: unclean.size }));
    }
    fs.rmSync(replayFile, { force: true });

    const nodePath = buildSdkLayer(path.join(workDir, "sdk-layer"), projectDir);
    const hosts = new Map<ResourceRecord, LambdaHost>();
    for (const r of fnRecords) {
      const codeDir = path.join(workDir, "functions", r.name);
      await materializeArchive(r.inputs.code, codeDir, projectDir);
      const variables = (r.inputs.environment?.variables ?? {}) as Record<string, unknown>;
      const reserved = num(r.inputs.reservedConcurrentExecutions, -1);
      const fm: FunctionMetrics = {
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
      metrics.lambda[r.name] = fm;
      const host = new LambdaHost(
        {
          logicalName: r.name,
          physicalName: String(r.state.name),
          arn: String(r.state.arn),
          codeDir,
          handler: String(r.inputs.handler ?? "index.handler"),
          environment: Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, String(v)])),
          timeoutSeconds: fm.timeoutSeconds,
          memoryMb: fm.memoryMb,
          maxInstances: reserved >= 0 ? reserved : LOCAL_MAX_INSTANCES,
        },
        { nodePath, awsEnv, metrics: fm, log },
      );
      hosts.set(r, host);
      cleanups.push(() => host.stop());
    }
    const findFunction = (ref: unknown): ResourceRecord | undefined => {
      const s = String(ref ?? "");
      return fnRecords.find((f) => s === f.state.name || s === f.state.arn || s === f.state.invokeArn || s === f.id || s.endsWith(`:function:${f.state.name}`) || s.includes(`${f.state.arn}/invocations`));
    };

    // Event source mappings: one poller each, on the local queue of the mapping's ARN.
    const pollers: SqsPoller[] = [];
    for (const m of mappings) {
      const fn = findFunction(m.inputs.functionName);
      const arn = localQueueArn(String(m.inputs.eventSourceArn ?? ""));
      const q = queues.find((x) => x.arn === arn);
      if (!fn || !q) {
        log(JSON.stringify({ level: "warn", source: "local", msg: "event source mapping not emulated (not an SQS queue of this program, or unknown function)", mapping: m.name }));
        continue;
      }
      const host = hosts.get(fn)!;
      metrics.lambda[fn.name].triggers.push(`sqs:${q.name}`);
      const batchSize = num(m.inputs.batchSize, 10);
      const poller = new SqsPoller(
        {
          logicalName: m.name,
          functionName: fn.name,
          queueUrl: q.url,
          queueArn: q.arn,
          region: LOCAL_REGION,
          batchSize,
          batchingWindowSeconds: num(m.inputs.maximumBatchingWindowInSeconds, batchSize > 10 ? 1 : 0),
          reportBatchItemFailures: ((m.inputs.functionResponseTypes ?? []) as string[]).includes("ReportBatchItemFailures"),
          maxConcurrency: Math.min(num(m.inputs.scalingConfig?.maximumConcurrency, 5), host.spec.maxInstances),
          enabled: m.inputs.enabled !== false,
        },
        { sqs, invoke: (event) => host.invoke(event), log },
        num(q.attributes.VisibilityTimeout, 30),
      );
      pollers.push(poller);
    }

    // Routes → integrations → functions, on the server of their API.
    for (const [apiName, entry] of apiByName) {
      const api = run.resources.find((r) => r.type === "aws:apigatewayv2/api:Api" && r.name === apiName)!;
      entry.spec.apiId = api.id;
      const cors = api.inputs.corsConfiguration;
      if (cors) entry.spec.cors = cors;
      const stage = byType("aws:apigatewayv2/stage:Stage").find((s) => s.inputs.apiId === api.id);
      if (stage) {
        entry.spec.stage = String(stage.inputs.name ?? "$default");
        const d = stage.inputs.defaultRouteSettings;
        if (d && (d.throttlingRateLimit !== undefined || d.throttlingBurstLimit !== undefined)) {
          entry.spec.defaultThrottle = { rate: num(d.throttlingRateLimit, 10_000), burst: num(d.throttlingBurstLimit, 5_000) };
        }
        entry.spec.routeThrottles = {};
        for (const rs of (stage.inputs.routeSettings ?? []) as Array<Record<string, unknown>>) {
          entry.spec.routeThrottles[String(rs.routeKey)] = { rate: num(rs.throttlingRateLimit, 10_000), burst: num(rs.throttlingBurstLimit, 5_000) };
        }
        if (stage.inputs.accessLogSettings?.format) entry.spec.accessLogFormat = String(stage.inputs.accessLogSettings.format);
      }
      const defs: RouteDef<RouteTarget>[] = [];
      for (const route of routes.filter((r) => r.inputs.apiId === api.id)) {
        const integrationId = String(route.inputs.target ?? "").replace(/^integrations\//, "");
        const integration = integrations.find((i) => i.id === integrationId);
        const fn = integration && findFunction(integration.inputs.integrationUri);
        if (!fn) {
          log(JSON.stringify({ level: "warn", source: "local", msg: "route has no Lambda integration of this program: not served", routeKey: route.inputs.routeKey }));
          continue;
        }
        const host = hosts.get(fn)!;
        metrics.lambda[fn.name].triggers.push(`http:${route.inputs.routeKey}`);
        // As on AWS: without a permission for API Gateway, the API cannot invoke the function.
        const allowed = permissions.some((p) => p.inputs.principal === "apigateway.amazonaws.com" && findFunction(p.inputs.function) === fn);
        defs.push({
          routeKey: String(route.inputs.routeKey),
          target: {
            functionName: fn.name,
            invoke: allowed
              ? (event, requestId) => host.invoke(event, requestId)
              : async (_event, requestId) => ({ ok: false, errorType: "AccessDeniedException", errorMessage: `API Gateway has no permission to invoke ${fn.name}`, timedOut: false, requestId, durationMs: 0, coldStart: false }),
          },
        });
        if (!allowed) log(JSON.stringify({ level: "warn", source: "local", msg: "no lambda:InvokeFunction permission for API Gateway: the route will answer 500, as on AWS", routeKey: route.inputs.routeKey, fn: fn.name }));
      }
      entry.spec.routes = defs;
    }

    for (const p of pollers) p.start();
    let stopped = false;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      // Order matters: no new requests, then no new batches, then no instances; what is still
      // queued is saved before the in-memory queue server goes away.
      await Promise.all(apiServers.map(({ server }) => server.close()));
      await Promise.all(pollers.map((p) => p.stop()));
      await Promise.all([...hosts.values()].map((h) => h.stop()));
      if (outputsFile) fs.rmSync(outputsFile, { force: true });
      try {
        const sources = queues.filter((q) => q.attributes.RedrivePolicy !== undefined);
        const saved = await saveQueuedMessages(sqs, [...sources, ...queues.filter((q) => !sources.includes(q))], dataDir);
        if (saved > 0) log(JSON.stringify({ level: "info", source: "local", msg: "saved the messages still queued; the next start sends them again", count: saved }));
        stoppedCleanly = true;
      } catch (err) {
        log(JSON.stringify({ level: "error", source: "local", msg: "could not save the queued messages", error: (err as Error).message }));
      }
      await cleanup();
    };

    const fresh = emptyMetrics();
    const resetMetrics = () => {
      Object.assign(metrics.api, JSON.parse(JSON.stringify(fresh.api)));
      Object.assign(metrics.dynamodb, JSON.parse(JSON.stringify(fresh.dynamodb)));
      Object.assign(metrics.sqs, JSON.parse(JSON.stringify(fresh.sqs)));
      for (const fm of Object.values(metrics.lambda)) zeroFunctionMetrics(fm);
    };
    resetMetrics();

    const resources: ResourceSummary[] = run.resources.map((r) => ({ type: r.type, name: r.name, local: EMULATED[r.type] ?? "recorded" }));
    const apiUrl = String(run.outputs.apiUrl ?? apiServers[0]?.server.url ?? "");
    if (outputsFile) writeJsonAtomic(outputsFile, run.outputs);
    return {
      apiUrl,
      outputs: run.outputs,
      metrics: () => snapshot(metrics),
      resetMetrics,
      stop,
      resources,
      functionPids: () => [...hosts.values()].flatMap((h) => h.pids()),
      endpoints: { dynamodb: dynalite.endpoint, sqs: sqsServer.endpoint },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** Servers are exported for tests that need to reach the local AWS endpoints directly. */
export type { LocalServer };
