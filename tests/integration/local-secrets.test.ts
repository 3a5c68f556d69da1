// The local Secrets Manager as the AWS SDK sees it: GetSecretValue, PutSecretValue (versions move
// AWSCURRENT → AWSPREVIOUS) and CreateSecret through the real client, behind the same IAM gate as
// the other twins (unknown keys refused, a role allowed exactly its secrets, AWS's AccessDenied
// sentence), and the SLUICE_SOURCE_SECRET_<NAME> seeds of a local stack. No stack needed.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { CreateSecretCommand, GetSecretValueCommand, ListSecretsCommand, PutSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS, LOCAL_REGION } from "../../local/aws/local-account";
import type { LocalServer } from "../../local/aws/loopback-server";
import { createIamGate } from "../../local/iam/iam-gate";
import { secretSeeds } from "../../local/program/source-secret-seeds";
import { secretArnFor } from "../../local/secretsmanager/secret-arn";
import { startSecretsManager } from "../../local/secretsmanager/secretsmanager-server";
import { SecretsRegistry } from "../../local/secretsmanager/secrets-registry";
import { roleGateConfig } from "./role-gate-config";
import { TARGET_ENV } from "./target";

if ((process.env[TARGET_ENV] ?? "").startsWith("deployed")) {
  test.skip("the local Secrets Manager — skipped: a deployed stack uses AWS's", () => {});
} else {
  const where = { region: LOCAL_REGION, accountId: LOCAL_ACCOUNT_ID };
  const registry = new SecretsRegistry(where);
  const allowed = secretArnFor("sources/allowed", where);
  const { iam, role } = roleGateConfig("sluice-test-ingest", [{ Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [allowed] }]);
  const lines: string[] = [];
  const gate = createIamGate(iam, { log: (l) => lines.push(l) });
  let server: LocalServer;
  const client = (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) =>
    new SecretsManagerClient({ region: LOCAL_REGION, endpoint: server.endpoint, credentials, maxAttempts: 1 });

  test.before(async () => {
    server = await startSecretsManager({ registry, gates: () => [gate] });
  });
  test.after(() => server.close());

  test("the tool credentials create, rotate and read secrets; versions move as on AWS", async () => {
    const tool = client(LOCAL_CREDENTIALS);
    const made = await tool.send(new CreateSecretCommand({ Name: "sources/allowed", SecretString: '["one"]' }));
    assert.is(made.ARN, allowed, "the ARN a name has, with its six-character suffix");
    await tool.send(new PutSecretValueCommand({ SecretId: "sources/allowed", SecretString: '["two","one"]' }));
    const current = await tool.send(new GetSecretValueCommand({ SecretId: allowed }));
    assert.equal([current.SecretString, current.VersionStages], ['["two","one"]', ["AWSCURRENT"]]);
    const previous = await tool.send(new GetSecretValueCommand({ SecretId: "sources/allowed", VersionStage: "AWSPREVIOUS" }));
    assert.is(previous.SecretString, '["one"]');
    assert.ok((await tool.send(new ListSecretsCommand({}))).SecretList?.some((x) => x.Name === "sources/allowed" && x.ARN === allowed), "listed by name");
    const missing = await tool.send(new GetSecretValueCommand({ SecretId: "nope" })).catch((e: Error) => e);
    assert.is((missing as Error).name, "ResourceNotFoundException");
    tool.destroy();
  });

  test("a role reads exactly the secrets its policy names; another is AccessDenied with IAM's sentence; unknown keys are refused", async () => {
    registry.put("sources/other", '["x"]');
    const fn = client(role);
    const ok = await fn.send(new GetSecretValueCommand({ SecretId: "sources/allowed" }));
    assert.ok(ok.SecretString);
    const denied = (await fn.send(new GetSecretValueCommand({ SecretId: "sources/other" })).catch((e: Error) => e)) as Error;
    assert.is(denied.name, "AccessDeniedException");
    assert.match(denied.message, new RegExp(`assumed-role/sluice-test-ingest/sluice-test-ingest-fn is not authorized to perform: secretsmanager:GetSecretValue on resource: ${secretArnFor("sources/other", where)} because no identity-based policy allows`));
    const refused = lines.map((l) => JSON.parse(l)).find((l) => l.iamAction === "secretsmanager:GetSecretValue");
    assert.ok(refused, "the refusal is logged");
    const stranger = (await client({ accessKeyId: "AKIASTRANGER", secretAccessKey: "x" }).send(new GetSecretValueCommand({ SecretId: "sources/allowed" })).catch((e: Error) => e)) as Error;
    assert.is(stranger.name, "UnrecognizedClientException");
    fn.destroy();
  });

  test("SLUICE_SOURCE_SECRET_<NAME>: replaces a program-made source's secrets for the run, seeds one made out of band", () => {
    const config = {
      "sluice:sources": JSON.stringify({ demo: { verify: "github" }, ext: { verify: "stripe", secretName: "prod/stripe" }, plain: { verify: "none", type: "t" } }),
      "sluice:sourceSecrets": JSON.stringify({ demo: [{ secure: "v1:abc" }] }),
    };
    const seeds = secretSeeds(config, { SLUICE_SOURCE_SECRET_DEMO: '["a","b"]', SLUICE_SOURCE_SECRET_EXT: "whsec_plain", SLUICE_SOURCE_SECRET_PLAIN: "ignored" });
    assert.equal(JSON.parse(seeds.config["sluice:sourceSecrets"]), { demo: ["a", "b"] }, "the encrypted value is replaced");
    assert.equal(seeds.outOfBand, { "prod/stripe": ["whsec_plain"] });
    assert.equal(secretSeeds(config, {}), { config: {}, outOfBand: {} });
    assert.equal(secretSeeds({ "sluice:sources": "not json" }, { SLUICE_SOURCE_SECRET_DEMO: "x" }), { config: {}, outOfBand: {} }, "a bad config is the program's to report");
  });

  test.run();
}
