// Sources on the program graph: one Secrets Manager secret per source that verifies, its value a
// secret from config, recoverable only on a protected stack, encrypted with the stack's key; the
// ingest allowed to read exactly those (a named out-of-band secret by its ARN pattern); a literal
// route per source with its own throttle; the URLs exported.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { sourceRouteKey } from "../../runtime/contract/routes";
import { ofType, one, runStack, TYPES, type StackRun } from "./harness";
import { KMS_KEY, PROD_SETUP } from "./stacks";

const PROD_SOURCES = {
  ...PROD_SETUP,
  "sluice:kmsKeyArn": KMS_KEY,
  "sluice:sources": JSON.stringify({
    github: { verify: "github", rateLimit: 5, burstLimit: 8, webhookOrigins: ["hooks.example.com"] },
    stripe: { verify: "stripe", secretName: "prod/stripe-webhook" },
    partner: { verify: "hmac-sha256", type: "com.partner.event", signatureHeader: "x-partner-signature", secretName: "arn:aws:secretsmanager:us-east-1:123456789012:secret:partner-AbCdEf" },
    orders: { verify: "none", id: "sha256", type: "com.example.order" },
  }),
  "sluice:sourceSecrets": JSON.stringify({ github: ["gh-current", "gh-previous"] }),
};

const test = suite<{ dev: StackRun; prod: StackRun }>("sources on the program graph");

test.before(async (ctx) => {
  [ctx.dev, ctx.prod] = await Promise.all([runStack("dev"), runStack("prod", PROD_SOURCES)]);
});

function ingestStatements(run: StackRun): { Action: string[]; Resource: string[] }[] {
  const role = one(run, TYPES.role, "sluice-ingest-role");
  return ofType(run, TYPES.rolePolicy)
    .filter((p) => p.inputs.role === role.state.name)
    .flatMap((p) => JSON.parse(p.inputs.policy).Statement);
}

/** A secret Output as the mocks receive it: Pulumi's secret wrapper, or undefined when it is plain. */
function secretValue(input: unknown): unknown {
  const wrapped = input as Record<string, unknown> | undefined;
  return wrapped && typeof wrapped === "object" && "value" in wrapped && Object.keys(wrapped).length === 2 ? wrapped.value : undefined;
}

test("dev: the demo source's secret, its value kept secret, deleted at once on destroy; no secret anywhere else", (ctx) => {
  const secret = one(ctx.dev, TYPES.secret);
  assert.is(secret.inputs.recoveryWindowInDays, 0, "a dev stack can be made again under the same names");
  assert.match(secret.inputs.name, /^sluice-dev-sources-demo-[0-9a-f]{8}$/);
  assert.is(secret.inputs.kmsKeyId, undefined, "AWS-managed encryption without a customer key");
  assert.equal(secret.inputs.tags.component, "SourceSecrets");
  const version = one(ctx.dev, TYPES.secretVersion);
  assert.is(version.inputs.secretId, secret.state.arn);
  assert.is(secretValue(version.inputs.secretString), JSON.stringify(["dev-only-demo-secret"]), "a secret Output holding the list");
  const elsewhere = ctx.dev.resources.filter((r) => r !== version && JSON.stringify(r.inputs).includes("dev-only-demo-secret"));
  assert.equal(elsewhere.map((r) => r.name), [], "the value is in no other resource (environment, policy, outputs)");
  assert.not.ok(JSON.stringify(ctx.dev.outputs).includes("dev-only-demo-secret"));
});

test("prod: secrets with the customer key, kept 30 days after deletion; out-of-band secrets only referenced", (ctx) => {
  const secrets = ofType(ctx.prod, TYPES.secret);
  assert.equal(secrets.map((s) => s.name), ["sluice-sources-github"], "only the source whose secret the program makes");
  assert.is(secrets[0].inputs.kmsKeyId, KMS_KEY);
  assert.is(secrets[0].inputs.recoveryWindowInDays, 30);
  assert.is(secretValue(one(ctx.prod, TYPES.secretVersion).inputs.secretString), JSON.stringify(["gh-current", "gh-previous"]));
});

test("the ingest reads exactly the sources' secrets (a name by its ARN with any six-character suffix) and decrypts with the key", (ctx) => {
  const reads = ingestStatements(ctx.prod).filter((s) => s.Action.includes("secretsmanager:GetSecretValue"));
  assert.is(reads.length, 1);
  assert.equal(reads[0].Action, ["secretsmanager:GetSecretValue"]);
  assert.equal(reads[0].Resource.sort(), [
    one(ctx.prod, TYPES.secret).state.arn,
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:partner-AbCdEf",
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/stripe-webhook-??????",
  ].sort());
  const key = ingestStatements(ctx.prod).find((s) => s.Resource.includes(KMS_KEY) && s.Action.includes("kms:Decrypt"));
  assert.ok(key, "kms:Decrypt on the stack's key");
  for (const fn of ["worker", "query"]) {
    const role = one(ctx.prod, TYPES.role, `sluice-${fn}-role`);
    const text = ofType(ctx.prod, TYPES.rolePolicy).filter((p) => p.inputs.role === role.state.name).map((p) => p.inputs.policy).join();
    assert.not.match(text, /secretsmanager/, `${fn} reads no secret`);
  }
  const statements = ctx.prod.outputs.kmsKeyPolicyStatements as { Sid: string; Action: string[]; Condition: Record<string, Record<string, unknown>> }[];
  const viaSecrets = statements.find((s) => s.Sid.endsWith("functions-via-secretsmanager"));
  assert.ok(viaSecrets, "the key policy statement for reading the secrets");
  assert.equal(viaSecrets!.Action, ["kms:Decrypt"]);
  assert.is(viaSecrets!.Condition.StringEquals["kms:ViaService"], "secretsmanager.us-east-1.amazonaws.com");
  assert.equal(viaSecrets!.Condition.ArnEquals["aws:PrincipalArn"], [one(ctx.prod, TYPES.role, "sluice-ingest-role").state.arn]);
});

test("routes: one literal route per source; a source's rate limit is its route's own throttle", (ctx) => {
  const keys = ofType(ctx.prod, TYPES.route).map((r) => r.inputs.routeKey);
  for (const name of ["github", "stripe", "partner", "orders"]) assert.ok(keys.includes(sourceRouteKey(name)), name);
  const stage = one(ctx.prod, TYPES.stage);
  assert.equal(stage.inputs.routeSettings, [{ routeKey: sourceRouteKey("github"), throttlingRateLimit: 5, throttlingBurstLimit: 8 }]);
  const env = JSON.parse(one(ctx.prod, TYPES.fn, "sluice-ingest-function").inputs.environment.variables.SLUICE_SOURCES);
  assert.is(env.github.allowedRatePerMinute, 300, "the handshake grants the route's rate");
  assert.is(env.orders.allowedRatePerMinute, 500 * 60, "else the stage's");
  assert.is(env.stripe.secretId, "prod/stripe-webhook");
  assert.equal(ctx.prod.outputs.sourceUrls, Object.fromEntries(["github", "orders", "partner", "stripe"].map((n) => [n, `${ctx.prod.outputs.apiUrl}/sources/${n}`])));
});

test.run();
