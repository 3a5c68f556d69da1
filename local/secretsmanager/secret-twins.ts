// The registry entry for Secrets Manager: a local Secrets Manager (secretsmanager-server.ts) on
// loopback, behind the IAM gate like DynamoDB and SQS, holding one secret per
// aws.secretsmanager.Secret of the program with the value of its SecretVersion, plus the secrets
// made out of band that SLUICE_SOURCE_SECRET_<NAME> seeds. The functions reach it through
// AWS_ENDPOINT_URL_SECRETS_MANAGER, so the deployed code path runs unchanged.
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from "../aws/local-account";
import type { LocalServer } from "../aws/loopback-server";
import type { RequestGate } from "../aws/request-gate";
import type { GateConfig } from "../aws/twin-protocol";
import { createIamGate } from "../iam/iam-gate";
import type { TwinContext, TwinModule } from "../twin-module";
import { sourceSecretVariable } from "../../runtime/contract/sources";
import { parseSources, SOURCES_KEY } from "../../runtime/sources/source-config";
import { secretNameOf } from "./secret-arn";
import { startSecretsManager } from "./secretsmanager-server";
import { SecretsRegistry } from "./secrets-registry";

export interface SecretTwins extends TwinModule {
  /** The local Secrets Manager endpoint (once open). */
  endpoint(): string;
  /** The secrets, for tests that rotate one. */
  registry: SecretsRegistry;
}

/** A secret Output as the mocks hand it over: Pulumi's wrapper around the value. */
function plainValue(input: unknown): unknown {
  if (input && typeof input === "object" && "value" in input && Object.keys(input).length === 2) return (input as { value: unknown }).value;
  return input;
}

/**
 * The gates in front of the local Secrets Manager: IAM's, from the stack's gate config (the same
 * the twin processes get), rebuilt when it changes. Chaos rules do not apply here (--chaos names
 * DynamoDB and SQS only).
 */
function iamGates(ctx: TwinContext): () => readonly RequestGate[] {
  let built: { config?: GateConfig["iam"]; gates: RequestGate[] } = { gates: [] };
  return () => {
    const iam = ctx.gates.current().iam;
    if (iam !== built.config) built = { config: iam, gates: iam ? [createIamGate(iam, { log: ctx.log })] : [] };
    return built.gates;
  };
}

export function secretTwins(ctx: TwinContext, deps: { outOfBand: () => Record<string, string[]> }): SecretTwins {
  const registry = new SecretsRegistry({ region: LOCAL_REGION, accountId: LOCAL_ACCOUNT_ID });
  const names = new Map<string, string>();
  const gates = iamGates(ctx);
  let server: LocalServer | undefined;
  return {
    emulates: {
      "aws:secretsmanager/secret:Secret": "local Secrets Manager secret",
      "aws:secretsmanager/secretVersion:SecretVersion": "its value, from config",
    },
    registry,
    endpoint: () => server?.endpoint ?? "",
    async open() {
      server = await startSecretsManager({ registry, gates });
    },
    async declare(args, state) {
      if (args.type === "aws:secretsmanager/secret:Secret") {
        const secret = registry.ensure(String(state.name));
        names.set(secret.arn, secret.name);
        return { arn: secret.arn, id: secret.arn };
      }
      const secretId = String(args.inputs.secretId ?? "");
      const value = plainValue(args.inputs.secretString);
      if (typeof value !== "string") {
        ctx.log(JSON.stringify({ level: "warn", source: "local", msg: "a secret version without a string value: not emulated", secretId }));
        return {};
      }
      const version = registry.put(names.get(secretId) ?? secretNameOf(secretId), value);
      return { versionId: version.versionId };
    },
    async create(run) {
      const seeds = deps.outOfBand();
      for (const [secretName, values] of Object.entries(seeds)) {
        registry.put(secretNameOf(secretName), JSON.stringify(values));
        ctx.log(JSON.stringify({ level: "info", source: "local", msg: "secret made out of band seeded from the environment", secretName }));
      }
      // The program ran, so its sources parse.
      const sources = run.config[SOURCES_KEY] ? parseSources(JSON.parse(run.config[SOURCES_KEY])) : [];
      for (const s of sources.filter((x) => x.secretName && !seeds[x.secretName])) {
        ctx.log(JSON.stringify({ level: "warn", source: "local", msg: `source ${s.name}'s secret is made out of band: set ${sourceSecretVariable(s.name)} to give it a value here; until then its requests are answered 503`, secretName: s.secretName }));
      }
    },
    async stop() {
      await server?.close();
    },
  };
}
