// What the runtime sources suites share: dynalite, local-aws-sqs and the local Secrets Manager with
// one source per scheme and plain shape, the handlers built by their factories from that
// environment (the operator too, on a table with the indexes), and the calls and checks the suites make.
import { randomBytes, randomUUID } from "node:crypto";
import * as assert from "uvu/assert";
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from "../../local/aws/local-account";
import type { LocalServer } from "../../local/aws/loopback-server";
import { startSecretsManager } from "../../local/secretsmanager/secretsmanager-server";
import { SecretsRegistry } from "../../local/secretsmanager/secrets-registry";
import { ENV_NAMES } from "../../runtime/contract/environment";
import { ingestFactory } from "../../runtime/ingest-handler";
import { operatorFactory } from "../../runtime/operator-handler";
import { queryFactory } from "../../runtime/query-handler";
import { workerFactory } from "../../runtime/worker-handler";
import { parseSources } from "../../runtime/sources/source-config";
import { sourcesEnvironment } from "../../runtime/sources/sources-environment";
import { apiEvent, applyEnv, createQueues, createTable, drain, functionEnv, getEvent, json, lambdaContext, receiveAll, startBackends } from "./harness";
import type { Backends } from "./harness";

export type Octokit = { sign(secret: string, payload: string): Promise<string> };
const OCTOKIT = "@octokit/webhooks-methods";

export const SW = ["whsec_" + randomBytes(24).toString("base64"), "whsec_" + randomBytes(24).toString("base64")];
export const GH = ["gh-new-" + randomUUID(), "gh-old-" + randomUUID()];
export const ST = ["whsec_" + randomBytes(16).toString("hex")];
export const HOOK = ["hook-" + randomUUID()];

export const SOURCES = parseSources({
  sw: { verify: "standard-webhooks" },
  github: { verify: "github" },
  stripe: { verify: "stripe", webhookOrigins: ["events.stripe.example"] },
  hook: { verify: "hmac-sha256", type: "com.example.hook", signatureHeader: "x-sig", signatureEncoding: "base64" },
  orders: { verify: "none", id: "sha256", type: "com.example.order" },
  telemetry: { verify: "none", type: "com.example.telemetry.{json:/type}" },
  legacy: { verify: "none", id: "json:/metadata/message_id", type: "com.example.legacy" },
  crm: { verify: "none", id: "json:/id", type: "sluice.demo.user" },
});

export interface SourcesCtx {
  b: Backends;
  sm: LocalServer;
  registry: SecretsRegistry;
  table: string;
  queueUrl: string;
  restore(): void;
  ingest: ReturnType<typeof ingestFactory>;
  worker: ReturnType<typeof workerFactory>;
  query: ReturnType<typeof queryFactory>;
  operator: ReturnType<typeof operatorFactory>;
  octokit: Octokit;
}

export async function startSources(ctx: SourcesCtx): Promise<void> {
  ctx.b = await startBackends();
  ctx.registry = new SecretsRegistry({ region: LOCAL_REGION, accountId: LOCAL_ACCOUNT_ID });
  ctx.sm = await startSecretsManager({ registry: ctx.registry });
  const ids: Record<string, string> = {};
  for (const [name, values] of [["sw", SW], ["github", GH], ["stripe", ST], ["hook", HOOK]] as const) {
    ids[name] = ctx.registry.ensure(`test/${name}`).arn;
    ctx.registry.put(`test/${name}`, JSON.stringify(values));
  }
  ctx.table = await createTable(ctx.b, undefined, { indexes: true });
  const { queueUrl, dlqUrl } = await createQueues(ctx.b);
  ctx.queueUrl = queueUrl;
  ctx.restore = applyEnv({
    ...functionEnv(ctx.b, ctx.table, ctx.queueUrl, { [ENV_NAMES.unknownTypes]: "accept", [ENV_NAMES.maxBodyBytes]: "65536", [ENV_NAMES.dlqUrl]: dlqUrl, [ENV_NAMES.listIndex]: "on" }),
    AWS_ENDPOINT_URL_SECRETS_MANAGER: ctx.sm.endpoint,
    [ENV_NAMES.sources]: sourcesEnvironment(SOURCES, ids, 50),
  });
  ctx.ingest = ingestFactory();
  ctx.worker = workerFactory();
  ctx.query = queryFactory();
  ctx.operator = operatorFactory();
  ctx.octokit = (await import(OCTOKIT)) as Octokit;
}

export async function stopSources(ctx: SourcesCtx): Promise<void> {
  ctx.restore();
  await ctx.sm.close();
  await ctx.b.close();
}

/** A Buffer body arrives base64-encoded, as API Gateway passes a body it does not take for text. */
export function post(ctx: SourcesCtx, name: string, body: string | Buffer, headers: Record<string, string>) {
  const event = apiEvent({ method: "POST", path: `/sources/${name}`, headers, body: typeof body === "string" ? body : "" });
  if (Buffer.isBuffer(body)) Object.assign(event, { body: body.toString("base64"), isBase64Encoded: true });
  return ctx.ingest(event, lambdaContext());
}

/** The stored view once the worker has run, with the raw body when asked. */
export async function view(ctx: SourcesCtx, id: string, raw = false) {
  await drain(ctx.b, ctx.queueUrl, ctx.worker);
  const ev = getEvent(id);
  if (raw) ev.queryStringParameters = { include: "raw" };
  const res = await ctx.query(ev, lambdaContext());
  assert.is(res.statusCode, 200, res.body);
  return json(res);
}

export async function assertRefused(ctx: SourcesCtx, res: { statusCode: number; body: string; headers: Record<string, string> }, what: string) {
  assert.is(res.statusCode, 401, `${what}: ${res.body}`);
  assert.is(res.headers["content-type"], "application/problem+json");
  const p = json(res);
  assert.is(p.type, "urn:sluice:problem:signature-invalid", what);
  assert.is(p.detail, "the request's signature could not be verified", `${what}: the same words whatever failed`);
  assert.equal(await receiveAll(ctx.b, ctx.queueUrl), [], `${what}: nothing queued`);
}

export const now = () => Math.floor(Date.now() / 1000);
export const payload = (extra: Record<string, unknown> = {}) => JSON.stringify({ type: "invoice.paid", id: `evt_${randomUUID()}`, data: { amount: 4200 }, ...extra });
