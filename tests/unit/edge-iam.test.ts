// The local edge's IAM authorization of AWS_IAM routes, against requests the AWS SDK's own signer
// signed (@smithy/signature-v4 through cli/aws-signing.ts): the tool credentials pass, a role
// passes only with execute-api:Invoke on the route, and every refusal is API Gateway's 403 answer.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { signedHeaders, staticCredentials } from "../../cli/aws-signing";
import type { IamGateConfig } from "../../local/iam/iam-gate";
import { createIamRouteAuthorizer } from "../../local/http/iam-authorizer";

const ACCOUNT = "123456789012";
const TOOL = { accessKeyId: "local", secretAccessKey: "local" };
const ROLE = { accessKeyId: "ASIAROLE0001", secretAccessKey: "role-secret", sessionToken: "role-token" };
const roleArn = `arn:aws:iam::${ACCOUNT}:role/operator-role`;

function config(policies: unknown[]): IamGateConfig {
  return {
    accountId: ACCOUNT,
    region: "us-east-1",
    principals: [
      { kind: "tool", ...TOOL },
      { kind: "role", ...ROLE, roleArn, sessionArn: `arn:aws:sts::${ACCOUNT}:assumed-role/operator-role/fn`, policies: policies as never },
    ],
  };
}

const URL_ = "http://127.0.0.1:4321/admin/dlq?category=TRANSIENT";
const route = { apiId: "api1", stage: "$default", method: "GET", path: "/admin/dlq" };

async function request(creds: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }, opts: { url?: string; region?: string } = {}) {
  const headers = await signedHeaders({ method: "GET", url: opts.url ?? URL_ }, { region: opts.region ?? "us-east-1", credentials: staticCredentials(creds), origin: "test" });
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { method: "GET", url: "/admin/dlq?category=TRANSIENT", headers: lower, body: Buffer.alloc(0) };
}

const answerOf = (d: ReturnType<ReturnType<typeof createIamRouteAuthorizer>>) => (d.ok ? "ok" : `${d.answer.statusCode} ${d.answer.headers["x-amzn-errortype"]} ${JSON.parse(d.answer.body.toString()).message}`);

test("the local operator (tool) credentials pass, and the caller's identity comes along", async () => {
  const d = createIamRouteAuthorizer(() => config([]))(await request(TOOL), route);
  assert.ok(d.ok);
  if (d.ok) assert.equal([d.identity.userArn, d.identity.accountId, d.identity.accessKey], [`arn:aws:iam::${ACCOUNT}:user/local`, ACCOUNT, "local"]);
});

test("a role passes only with execute-api:Invoke on this route", async () => {
  const invoke = (resource: string) => ({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "execute-api:Invoke", Resource: resource }] });
  const none = createIamRouteAuthorizer(() => config([]))(await request(ROLE), route);
  assert.match(answerOf(none), /^403 AccessDeniedException User: arn:aws:sts::123456789012:assumed-role\/operator-role\/fn is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:123456789012:api1\/\$default\/GET\/admin\/dlq because no identity-based policy allows/);
  assert.is(answerOf(createIamRouteAuthorizer(() => config([invoke("arn:aws:execute-api:us-east-1:123456789012:api1/*/GET/admin/*")]))(await request(ROLE), route)), "ok");
  assert.match(answerOf(createIamRouteAuthorizer(() => config([invoke("arn:aws:execute-api:us-east-1:123456789012:api1/*/POST/admin/*")]))(await request(ROLE), route)), /^403 AccessDeniedException/);
});

test("refusals are API Gateway's 403s: missing, unknown key, wrong secret, wrong region", async () => {
  const authorize = createIamRouteAuthorizer(() => config([]));
  assert.is(answerOf(authorize({ method: "GET", url: "/admin/dlq", headers: { host: "127.0.0.1:4321" }, body: Buffer.alloc(0) }, route)), "403 MissingAuthenticationTokenException Missing Authentication Token");
  assert.is(answerOf(authorize(await request({ accessKeyId: "AKIAUNKNOWN", secretAccessKey: "x" }), route)), "403 AccessDeniedException The security token included in the request is invalid.");
  assert.match(answerOf(authorize(await request({ ...TOOL, secretAccessKey: "wrong" }), route)), /^403 InvalidSignatureException The request signature we calculated does not match/);
  assert.match(answerOf(authorize(await request(TOOL, { region: "eu-west-1" }), route)), /^403 InvalidSignatureException Credential should be scoped to a valid region/);
  // Signed for another query string than the one sent.
  const other = await request(TOOL, { url: "http://127.0.0.1:4321/admin/dlq?category=TIMEOUT" });
  assert.match(answerOf(authorize(other, route)), /^403 InvalidSignatureException/);
});

test.run();
