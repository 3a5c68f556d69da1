// Producer auth on the program's graph: sluice:auth none, jwt (with and without scopes) and iam
// give the event routes the authorization API Gateway will enforce, the admin routes stay IAM and
// the rest stays open; a bad setting is refused with the key's name, before anything is created.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { checkJwtAuthorizer, checkRouteArgs, routeAuthorizationArgs } from "../../components/route-authorization";
import { localStackConfigEntry, readProducerAuth } from "../../runtime/contract/producer-auth";
import { API_ROUTES, routeKey, sourceRouteKey } from "../../runtime/contract/routes";
import { ofType, runStack, TYPES } from "./harness";
import { runRefused } from "./refused";

const AUTHORIZER = "aws:apigatewayv2/authorizer:Authorizer";
const ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123";
const JWT = { "sluice:auth": "jwt", "sluice:authIssuer": ISSUER, "sluice:authAudiences": JSON.stringify(["producers", "batch-client"]) };
const PRODUCER_ROUTES: string[] = API_ROUTES.filter((r) => r.authorization === "producer").map((r) => r.key);
// dev configures the demo and orders sources (Pulumi.dev.yaml).
const SOURCE_ROUTES = [routeKey("postSource"), routeKey("sourceHandshake"), sourceRouteKey("demo"), sourceRouteKey("orders")];

async function routesOf(config: Record<string, string>) {
  const run = await runStack("dev", config);
  const routes = new Map(ofType(run, TYPES.route).map((r) => [String(r.inputs.routeKey), r.inputs]));
  return { run, routes, authorizers: ofType(run, AUTHORIZER) };
}

const graph = suite("producer auth on the graph");

graph("the producer routes are the event routes but the listing, which is IAM only in every mode", () => {
  assert.equal(PRODUCER_ROUTES, ["POST /events", "POST /events/batch", "GET /events/{id}"]);
  assert.equal(API_ROUTES.find((r) => r.key === "GET /events")?.authorization, "iam");
});

graph("none (the default): no authorizer, the event routes open, the admin routes IAM", async () => {
  const { routes, authorizers } = await routesOf({});
  assert.is(authorizers.length, 0);
  for (const key of PRODUCER_ROUTES) assert.equal([routes.get(key)?.authorizationType, routes.get(key)?.authorizerId], ["NONE", undefined], key);
  assert.is(routes.get("GET /admin/dlq")?.authorizationType, "AWS_IAM");
});

graph("jwt: one JWT authorizer on the Authorization header with the issuer and audiences; the event routes use it, nothing else does", async () => {
  const { routes, authorizers } = await routesOf(JWT);
  assert.is(authorizers.length, 1);
  const a = authorizers[0];
  assert.equal(
    [a.inputs.authorizerType, a.inputs.identitySources, a.inputs.jwtConfiguration],
    ["JWT", ["$request.header.Authorization"], { issuer: ISSUER, audiences: ["producers", "batch-client"] }],
  );
  for (const key of PRODUCER_ROUTES) {
    const r = routes.get(key)!;
    assert.equal([r.authorizationType, r.authorizerId, r.authorizationScopes], ["JWT", a.id, undefined], key);
  }
  // A source's routes (the template, dev's literal ones) are no producer routes: its signature scheme checks it.
  for (const key of SOURCE_ROUTES) assert.equal([routes.get(key)?.authorizationType, routes.get(key)?.authorizerId], ["NONE", undefined], key);
  for (const [key, r] of routes) {
    if (PRODUCER_ROUTES.includes(key)) continue;
    assert.is(r.authorizationType, key.includes(" /admin") || key === "GET /events" ? "AWS_IAM" : "NONE", key);
    assert.is(r.authorizerId, undefined, key);
  }
});

graph("jwt with scopes: every event route requires them (one of them, as API Gateway reads authorizationScopes)", async () => {
  const { routes } = await routesOf({ ...JWT, "sluice:authScopes": JSON.stringify(["sluice/events.write", "sluice/admin"]) });
  for (const key of PRODUCER_ROUTES) assert.equal(routes.get(key)?.authorizationScopes, ["sluice/events.write", "sluice/admin"], key);
  assert.is(routes.get("GET /health")?.authorizationScopes, undefined);
});

graph("iam: the event routes are AWS_IAM, with no authorizer", async () => {
  const { routes, authorizers } = await routesOf({ "sluice:auth": "iam" });
  assert.is(authorizers.length, 0);
  for (const key of PRODUCER_ROUTES) assert.equal([routes.get(key)?.authorizationType, routes.get(key)?.authorizerId], ["AWS_IAM", undefined], key);
  for (const key of SOURCE_ROUTES) assert.is(routes.get(key)?.authorizationType, "NONE", key);
  assert.is(routes.get("GET /health")?.authorizationType, "NONE");
  assert.is(routes.get("$default")?.authorizationType, "NONE");
});

const rules = suite("producer auth refusals");

rules("the config reader names the bad key", () => {
  const read = (raw: Record<string, unknown>, local = false) => () => readProducerAuth(raw as never, { local });
  assert.equal(readProducerAuth({}, { local: false }), { mode: "none" });
  assert.throws(read({ auth: "oauth" }), /sluice:auth must be one of none, jwt, iam, got "oauth"/);
  assert.throws(read({ auth: "jwt", authAudiences: ["a"] }), /sluice:authIssuer is required when sluice:auth is jwt/);
  assert.throws(read({ auth: "jwt", authIssuer: ISSUER }), /sluice:authAudiences needs at least one audience/);
  assert.throws(read({ auth: "jwt", authIssuer: ISSUER, authAudiences: "a" }), /sluice:authAudiences must be a list of non-empty strings/);
  assert.throws(read({ auth: "jwt", authIssuer: ISSUER, authAudiences: ["a", "a"] }), /sluice:authAudiences lists "a" twice/);
  assert.throws(read({ auth: "jwt", authIssuer: ISSUER, authAudiences: Array.from({ length: 51 }, (_, i) => `a${i}`) }), /more than API Gateway's 50/);
  assert.throws(read({ auth: "jwt", authIssuer: "http://issuer.example.com", authAudiences: ["a"] }), /sluice:authIssuer must be an https URL, as API Gateway requires/);
  assert.throws(read({ auth: "jwt", authIssuer: "cognito", authAudiences: ["a"] }), /sluice:authIssuer must be an absolute https URL/);
  assert.throws(read({ auth: "jwt", authIssuer: `${ISSUER}?x=1`, authAudiences: ["a"] }), /no query/);
  assert.throws(read({ auth: "jwt", authIssuer: "http://127.0.0.1:9000", authAudiences: ["a"] }), /works only on the local stack/);
  assert.equal(readProducerAuth({ auth: "jwt", authIssuer: "http://127.0.0.1:9000", authAudiences: ["a"] }, { local: true }), { mode: "jwt", issuer: "http://127.0.0.1:9000", audiences: ["a"], scopes: [] });
  assert.throws(read({ auth: "jwt", authIssuer: "http://issuer.example.com", authAudiences: ["a"] }, true), /https/);
  assert.throws(read({ auth: "jwt", authIssuer: ISSUER, authAudiences: ["a"], authScopes: ["two words"] }), /sluice:authScopes: "two words" is not a scope/);
  assert.throws(read({ auth: "iam", authScopes: ["x"] }), /sluice:authScopes applies only when sluice:auth is jwt, but sluice:auth is iam/);
  assert.throws(read({ auth: "none", authIssuer: ISSUER }), /sluice:authIssuer applies only when sluice:auth is jwt/);
  assert.throws(read({ auth: "iam", authLocalJwks: "jwks.json" }), /sluice:authLocalJwks applies only/);
  assert.equal(Object.keys(localStackConfigEntry()), ["sluice-local:stack"]);
});

rules("the authorizer takes an https issuer, or plain http only to a loopback host (the local stack)", () => {
  assert.not.throws(() => checkJwtAuthorizer({ issuer: ISSUER, audiences: ["a"] }));
  for (const ok of ["http://127.0.0.1:4000", "http://localhost", "http://localhost/realms/x", "http://[::1]:8080"]) assert.not.throws(() => checkJwtAuthorizer({ issuer: ok, audiences: ["a"] }), ok);
  for (const bad of ["http://localhost.evil.example", "http://127.0.0.1.evil.example/x", "http://issuer.example.com"]) assert.throws(() => checkJwtAuthorizer({ issuer: bad, audiences: ["a"] }), /must be an https URL/, bad);
});

rules("route arguments API Gateway refuses are refused here", () => {
  assert.throws(() => routeAuthorizationArgs({ type: "jwt" }), /needs the API's jwtAuthorizer/);
  assert.throws(() => routeAuthorizationArgs({ type: "jwt", scopes: ["a b"] }, "auth1"), /not a scope/);
  assert.equal(routeAuthorizationArgs({ type: "jwt", scopes: [] }, "auth1"), { authorizationType: "JWT", authorizerId: "auth1" });
  assert.throws(() => checkRouteArgs("POST /events", { apiId: "a", routeKey: "POST /events", authorizationType: "AWS_IAM", authorizationScopes: ["x"] }), /authorizationScopes apply only to JWT authorization/);
  assert.throws(() => checkRouteArgs("POST /events", { apiId: "a", routeKey: "POST /events", authorizationType: "NONE", authorizerId: "auth1" }), /authorizerId applies only to JWT or CUSTOM/);
  assert.throws(() => checkRouteArgs("POST /events", { apiId: "a", routeKey: "POST /events", authorizationType: "JWT" }), /needs an authorizerId/);
});

rules("the program refuses a jwt stack without audiences, and a JWT key on an iam stack, naming the key", async () => {
  const [noAudience, stray] = await Promise.all([
    runRefused("dev", { "sluice:auth": "jwt", "sluice:authIssuer": ISSUER }),
    runRefused("dev", { "sluice:auth": "iam", "sluice:authIssuer": ISSUER }),
  ]);
  assert.is(noAudience.status, 1, noAudience.output);
  assert.match(noAudience.output, /REFUSED: .*sluice:authAudiences needs at least one audience/);
  assert.is(stray.status, 1, stray.output);
  assert.match(stray.output, /REFUSED: .*sluice:authIssuer applies only when sluice:auth is jwt/);
});

graph.run();
rules.run();
