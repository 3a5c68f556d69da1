// A local Secrets Manager on loopback, speaking the service's JSON 1.1 protocol (X-Amz-Target
// `secretsmanager.<Action>`) for what Sluice and its operators call: GetSecretValue (the ingest),
// PutSecretValue and CreateSecret (a rotation tried locally with the AWS CLI or SDK), DescribeSecret
// and ListSecrets (to find a secret's name).
// The request gates (IAM) run first, as on AWS a denied call never reaches the service.
import * as http from "node:http";
import { randomUUID } from "node:crypto";
import { listen, localServer, type LocalServer } from "../aws/loopback-server";
import type { GateAnswer, RequestGate } from "../aws/request-gate";
import { actionOf, gatedRequest } from "../aws/request-observer";
import type { SecretsRegistry } from "./secrets-registry";

const AMZ_JSON = "application/x-amz-json-1.1";

type Answer = { status: number; body: Record<string, unknown> };

function error(type: string, message: string): Answer {
  return { status: 400, body: { __type: type, message } };
}

const NOT_FOUND = () => error("ResourceNotFoundException", "Secrets Manager can't find the specified secret.");

function epochSeconds(ms: number): number {
  return Math.round(ms) / 1000;
}

/** The service's answer to one call; the registry is its whole state. */
export function secretsManagerAnswer(registry: SecretsRegistry, action: string, req: Record<string, unknown>): Answer {
  const secretId = typeof req.SecretId === "string" ? req.SecretId : undefined;
  switch (action) {
    case "GetSecretValue": {
      const s = secretId ? registry.find(secretId) : undefined;
      if (!s) return NOT_FOUND();
      const v = registry.version(s, { versionId: req.VersionId as string | undefined, stage: req.VersionStage as string | undefined });
      if (!v) return error("ResourceNotFoundException", "Secrets Manager can't find the specified secret value for staging label: " + String(req.VersionStage ?? "AWSCURRENT"));
      return { status: 200, body: { ARN: s.arn, Name: s.name, VersionId: v.versionId, SecretString: v.value, VersionStages: v.stages, CreatedDate: epochSeconds(v.createdAt) } };
    }
    case "PutSecretValue": {
      const s = secretId ? registry.find(secretId) : undefined;
      if (!s) return NOT_FOUND();
      if (typeof req.SecretString !== "string") return error("InvalidRequestException", "You must provide either SecretString or SecretBinary.");
      const v = registry.put(s.name, req.SecretString, typeof req.ClientRequestToken === "string" ? req.ClientRequestToken : randomUUID());
      return { status: 200, body: { ARN: s.arn, Name: s.name, VersionId: v.versionId, VersionStages: v.stages } };
    }
    case "CreateSecret": {
      const name = typeof req.Name === "string" ? req.Name : "";
      if (!name) return error("InvalidParameterException", "You must provide a Name.");
      if (registry.find(name)) return error("ResourceExistsException", `The operation failed because the secret ${name} already exists.`);
      const s = registry.ensure(name);
      const v = typeof req.SecretString === "string" ? registry.put(name, req.SecretString) : undefined;
      return { status: 200, body: { ARN: s.arn, Name: s.name, ...(v ? { VersionId: v.versionId } : {}) } };
    }
    case "DescribeSecret": {
      const s = secretId ? registry.find(secretId) : undefined;
      if (!s) return NOT_FOUND();
      return { status: 200, body: { ARN: s.arn, Name: s.name, VersionIdsToStages: Object.fromEntries(s.versions.filter((v) => v.stages.length > 0).map((v) => [v.versionId, v.stages])) } };
    }
    case "ListSecrets":
      return { status: 200, body: { SecretList: registry.names().map((name) => ({ ARN: registry.ensure(name).arn, Name: name })) } };
    default:
      return error("UnknownOperationException", `${action} is not emulated by the local Secrets Manager`);
  }
}

export interface SecretsManagerOptions {
  registry: SecretsRegistry;
  /** The gates in front of the service (IAM), asked per request; the first answer wins. */
  gates?: () => readonly RequestGate[];
  /** Counts each answered request. */
  onRequest?: (action: string, status: number) => void;
  port?: number;
}

function send(res: http.ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  const bytes = Buffer.from(body, "utf8");
  res.writeHead(status, { ...headers, "content-length": String(bytes.length) });
  res.end(bytes);
}

export async function startSecretsManager(opts: SecretsManagerOptions): Promise<LocalServer> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks);
      const action = actionOf(req.headers, body);
      let gated: GateAnswer | undefined;
      try {
        for (const gate of opts.gates?.() ?? []) {
          gated = await gate(gatedRequest("secretsmanager", req, action, body));
          if (gated) break;
        }
      } catch (err) {
        gated = { status: 500, headers: { "content-type": AMZ_JSON }, body: JSON.stringify({ __type: "InternalServiceError", message: (err as Error).message }) };
      }
      const requestId = randomUUID();
      if (gated) {
        opts.onRequest?.(action, gated.status);
        return send(res, gated.status, gated.headers, gated.body);
      }
      let parsed: Record<string, unknown> = {};
      try {
        const v = JSON.parse(body.toString("utf8") || "{}");
        if (v && typeof v === "object" && !Array.isArray(v)) parsed = v;
      } catch {
        opts.onRequest?.(action, 400);
        return send(res, 400, { "content-type": AMZ_JSON, "x-amzn-requestid": requestId }, JSON.stringify({ __type: "SerializationException", message: "the body is not JSON" }));
      }
      const answer = secretsManagerAnswer(opts.registry, action, parsed);
      opts.onRequest?.(action, answer.status);
      send(res, answer.status, { "content-type": AMZ_JSON, "x-amzn-requestid": requestId }, JSON.stringify(answer.body));
    });
  });
  server.keepAliveTimeout = 5_000;
  await listen(server, opts.port ?? 0, "127.0.0.1");
  return localServer(server, "127.0.0.1");
}
