// Cold init: a fresh Node process requires a function's archive (which runs its factory: settings,
// schemas, SDK clients) and reports the time since its own start. The baseline is a fresh process
// that only requires the same AWS SDK packages the archive requires and constructs the same clients.
// Both see only the SDK on NODE_PATH, as on the nodejs22.x runtime. Runs alternate, and the median
// of each is compared.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ATTEMPT_TIMEOUT_MS, CONNECTION_TIMEOUT_MS } from "../runtime/aws-clients";
import { ENV_NAMES } from "../runtime/contract/environment";
import type { FunctionPackage } from "./packages";
import { median } from "./stats";

const ARCHIVE_PROBE = `
require(process.argv[1]);
process.stdout.write("__INIT__" + performance.now() + "\\n");
`;

/**
 * Requires the SDK packages the archive requires and constructs the clients its factory builds (as
 * runtime/aws-clients.ts does): a table client where the function is given a table, an SQS client
 * where it is given a queue, an EventBridge client where a worker publishes, a Secrets Manager
 * client where a source has secrets to read (docs/architecture.md, environment variables).
 */
function baselineProbe(packages: string[], env: Record<string, string>): string {
  const lines = packages.map((p, i) => `const m${i} = require(${JSON.stringify(p)});`);
  const has = (p: string) => packages.findIndex((spec) => packageOf(spec) === p);
  const dynamo = env[ENV_NAMES.tableName] ? has("@aws-sdk/client-dynamodb") : -1;
  const docs = has("@aws-sdk/lib-dynamodb");
  const sqs = env[ENV_NAMES.queueUrl] ? has("@aws-sdk/client-sqs") : -1;
  // A worker that publishes builds the bus's client too.
  const publish = env[ENV_NAMES.publish];
  const events = publish && publish !== "none" ? has("@aws-sdk/client-eventbridge") : -1;
  // An ingest with a source that has secrets builds the Secrets Manager client.
  const secrets = (env[ENV_NAMES.sources] ?? "").includes('"secretId"') ? has("@aws-sdk/client-secrets-manager") : -1;
  const opts = `{ maxAttempts: 3, requestHandler: { connectionTimeout: ${CONNECTION_TIMEOUT_MS}, requestTimeout: ${ATTEMPT_TIMEOUT_MS}, throwOnRequestTimeout: true } }`;
  if (dynamo >= 0) lines.push(`const ddb = new m${dynamo}.DynamoDBClient(${opts});`);
  if (dynamo >= 0 && docs >= 0) lines.push(`m${docs}.DynamoDBDocumentClient.from(ddb, { marshallOptions: { removeUndefinedValues: true } });`);
  if (sqs >= 0) lines.push(`new m${sqs}.SQSClient(${opts});`);
  if (events >= 0) lines.push(`new m${events}.EventBridgeClient(${opts});`);
  if (secrets >= 0) lines.push(`new m${secrets}.SecretsManagerClient(${opts});`);
  lines.push(`process.stdout.write("__INIT__" + performance.now() + "\\n");`);
  return lines.join("\n");
}

/** The SDK entry points an archive requires (deep paths as Pulumi wrote them). */
export function sdkRequires(source: string): string[] {
  const found = new Set<string>();
  for (const m of source.matchAll(/require\("(@aws-sdk\/[^"]+)"\)/g)) found.add(m[1]);
  return [...found].sort();
}

function packageOf(spec: string): string {
  return spec.split("/").slice(0, 2).join("/");
}

function timeProcess(args: string[], cwd: string, env: NodeJS.ProcessEnv): number {
  const child = spawnSync(process.execPath, args, { cwd, env, encoding: "utf8", timeout: 60_000 });
  const line = child.stdout.split("\n").find((l) => l.startsWith("__INIT__"));
  if (child.status !== 0 || !line) throw new Error(`init probe failed (exit ${child.status}): ${child.stderr.slice(0, 2000)}`);
  return Number(line.slice("__INIT__".length));
}

export interface InitResult {
  /** Median ms from process start to factory done, per function. */
  archiveMs: number;
  /** Median ms from process start to the same SDK clients constructed. */
  baselineMs: number;
  ratio: number;
  runs: number;
  sdkPackages: string[];
  /** Clients the baseline constructs. */
  baselineClients: string[];
}

export function measureColdInit(pkg: FunctionPackage, nodePath: string, runs: number): InitResult {
  const indexFile = path.join(pkg.dir, "__index.js");
  const requires = sdkRequires(fs.readFileSync(indexFile, "utf8"));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    NODE_PATH: nodePath,
    ...pkg.environment,
    [ENV_NAMES.logLevel]: "silent",
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    // Nothing listens here; neither probe makes a request.
    AWS_ENDPOINT_URL_DYNAMODB: "http://127.0.0.1:9",
    AWS_ENDPOINT_URL_SQS: "http://127.0.0.1:9",
    AWS_ENDPOINT_URL_EVENTBRIDGE: "http://127.0.0.1:9",
    AWS_ENDPOINT_URL_SECRETS_MANAGER: "http://127.0.0.1:9",
  };
  const baselineScript = baselineProbe(requires, pkg.environment);
  const archive: number[] = [];
  const baseline: number[] = [];
  for (let i = 0; i < runs; i++) {
    archive.push(timeProcess(["-e", ARCHIVE_PROBE, indexFile], pkg.dir, env));
    baseline.push(timeProcess(["-e", baselineScript], pkg.dir, env));
  }
  const archiveMs = median(archive);
  const baselineMs = median(baseline);
  return { archiveMs, baselineMs, ratio: archiveMs / baselineMs, runs, sdkPackages: [...new Set(requires.map(packageOf))], baselineClients: [...baselineScript.matchAll(/(DynamoDBClient|DynamoDBDocumentClient|SQSClient|EventBridgeClient|SecretsManagerClient)/g)].map((m) => m[1]).filter((c, i, all) => all.indexOf(c) === i) };
}
