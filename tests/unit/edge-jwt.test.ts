// The local edge's JWT authorization of JWT routes, against tokens signed by an independent
// library (jose) with keys it made: every check API Gateway's JWT authorizer makes, its 401/403
// answers, the keys from a JWKS or from the issuer's discovery document (served on loopback).
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type JWK, type KeyLike } from "jose";
import { configuredJwks, discoveredJwks } from "../../local/http/jwks-source";
import { createJwtRouteAuthorizer, type JwtDecision, type JwtRoute } from "../../local/http/jwt-authorizer";
import { keySetOf, SUPPORTED_JWT_ALGORITHMS, verifyJwt } from "../../local/http/jwt-verifier";

const ISSUER = "https://issuer.example.com/pool-1";
const AUDIENCE = "sluice-producers";
const NOW = Date.UTC(2030, 0, 1) / 1000;

interface Signer {
  kid: string;
  alg: string;
  privateKey: KeyLike;
  jwk: JWK;
}

async function signer(alg: string, kid: string): Promise<Signer> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, use: "sig", alg } };
}

let rsa: Signer, rsaOther: Signer, ec: Signer;

async function token(s: Signer, claims: Record<string, unknown> = {}, opts: { kid?: string; expiresIn?: number; issuer?: string } = {}): Promise<string> {
  return new SignJWT({ aud: AUDIENCE, iat: NOW - 60, ...claims })
    .setProtectedHeader({ alg: s.alg, kid: opts.kid ?? s.kid, typ: "JWT" })
    .setIssuer(opts.issuer ?? ISSUER)
    .setExpirationTime(NOW + (opts.expiresIn ?? 600))
    .sign(s.privateKey);
}

const route = (scopes: string[] = []): JwtRoute => ({ issuer: ISSUER, audiences: [AUDIENCE, "other-app"], identitySource: "$request.header.Authorization", scopes });

function edge(jwks: unknown) {
  const source = configuredJwks(JSON.stringify(jwks), "/");
  return createJwtRouteAuthorizer({ jwks: () => source, log: () => undefined, now: () => NOW * 1000 });
}

function answer(d: JwtDecision): string {
  if (d.ok) return "ok";
  return `${d.answer.statusCode} ${JSON.parse(d.answer.body.toString()).message} | ${d.answer.headers["www-authenticate"]}`;
}

test.before(async () => {
  rsa = await signer("RS256", "rsa-1");
  rsaOther = await signer("RS256", "rsa-1");
  ec = await signer("ES256", "ec-1");
});

test("a valid RS256 token passes, bare or after Bearer, and its claims and scopes reach the integration", async () => {
  const authorize = edge({ keys: [rsa.jwk, ec.jwk] });
  const t = await token(rsa, { sub: "producer-7", scope: "events/write events/read" });
  for (const header of [`Bearer ${t}`, t, `bearer  ${t}`]) {
    const d = await authorize({ authorization: header }, route(["events/write"]));
    assert.ok(d.ok, answer(d));
    if (d.ok) {
      assert.is(d.authorizer.jwt.claims.sub, "producer-7");
      assert.is(d.authorizer.jwt.claims.iss, ISSUER);
      assert.equal(d.authorizer.jwt.scopes, ["events/write", "events/read"]);
    }
  }
});

test("expired, not yet valid, issued in the future: 401 invalid_token", async () => {
  const authorize = edge({ keys: [rsa.jwk] });
  assert.is(answer(await authorize({ authorization: `Bearer ${await token(rsa, {}, { expiresIn: -1 })}` }, route())), '401 Unauthorized | Bearer scope="" error="invalid_token" error_description="the token has expired"');
  assert.match(answer(await authorize({ authorization: await token(rsa, { nbf: NOW + 60 }) }, route())), /^401 Unauthorized .*error="invalid_token" error_description="the token is not valid yet"/);
  assert.match(answer(await authorize({ authorization: await token(rsa, { iat: NOW + 60 }) }, route())), /^401 .*issued in the future/);
  const noExp = await new SignJWT({ aud: AUDIENCE }).setProtectedHeader({ alg: "RS256", kid: rsa.kid }).setIssuer(ISSUER).sign(rsa.privateKey);
  assert.match(answer(await authorize({ authorization: noExp }, route())), /^401 .*no valid exp/);
});

test("wrong issuer, wrong audience (AWS's own wording); client_id counts only without aud", async () => {
  const authorize = edge({ keys: [rsa.jwk] });
  assert.match(answer(await authorize({ authorization: await token(rsa, {}, { issuer: "https://evil.example.com/pool-1" }) }, route())), /^401 .*the token does not have a valid issuer/);
  assert.is(answer(await authorize({ authorization: await token(rsa, { aud: "someone-else" }) }, route())), '401 Unauthorized | Bearer scope="" error="invalid_token" error_description="the token does not have a valid audience"');
  assert.is(answer(await authorize({ authorization: await token(rsa, { aud: ["x", "other-app"] }) }, route())), "ok");
  assert.is(answer(await authorize({ authorization: await token(rsa, { aud: undefined, client_id: AUDIENCE }) }, route())), "ok");
  assert.match(answer(await authorize({ authorization: await token(rsa, { aud: "someone-else", client_id: AUDIENCE }) }, route())), /valid audience/);
});

test("a valid token without one of the route's scopes: 403 Forbidden, insufficient_scope; scp works as scope", async () => {
  const authorize = edge({ keys: [rsa.jwk] });
  assert.is(answer(await authorize({ authorization: await token(rsa, { scope: "events/read" }) }, route(["events/write", "admin"]))), '403 Forbidden | Bearer scope="events/write admin" error="insufficient_scope" error_description="the token does not have the required scope"');
  assert.is(answer(await authorize({ authorization: await token(rsa, {}) }, route(["events/write"]))).slice(0, 13), "403 Forbidden");
  assert.is(answer(await authorize({ authorization: await token(rsa, { scp: ["admin"] }) }, route(["events/write", "admin"]))), "ok");
});

test("bad signature, unknown kid, alg none, HS256, a malformed token: 401; a missing header: 401 with a bare challenge", async () => {
  const authorize = edge({ keys: [rsa.jwk] });
  assert.match(answer(await authorize({ authorization: await token(rsaOther) }, route())), /^401 .*invalid signature/);
  const [h, p] = (await token(rsa)).split(".");
  const tampered = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, "base64url").toString()), sub: "admin" })).toString("base64url")}.${(await token(rsa)).split(".")[2]}`;
  assert.match(answer(await authorize({ authorization: tampered }, route())), /^401 .*invalid signature/);
  assert.match(answer(await authorize({ authorization: await token(rsa, {}, { kid: "nope" }) }, route())), /^401 .*kid/);
  const none = new UnsecuredJWT({ aud: AUDIENCE }).setIssuer(ISSUER).setExpirationTime(NOW + 600).encode();
  assert.match(answer(await authorize({ authorization: none }, route())), /^401 .*signing method none is invalid/);
  const hs = await new SignJWT({ aud: AUDIENCE }).setProtectedHeader({ alg: "HS256", kid: rsa.kid }).setIssuer(ISSUER).setExpirationTime(NOW + 600).sign(new TextEncoder().encode("a-shared-secret-of-32-bytes-long!"));
  assert.match(answer(await authorize({ authorization: hs }, route())), /^401 .*signing method HS256 is invalid/);
  for (const bad of ["abc", "a.b", "a.b.c.d", "!!.??.**"]) assert.match(answer(await authorize({ authorization: bad }, route())), /^401 Unauthorized/);
  assert.is(answer(await authorize({}, route(["events/write"]))), '401 Unauthorized | Bearer scope="events/write"');
  assert.is(answer(await authorize({ authorization: "Bearer " }, route())), '401 Unauthorized | Bearer scope=""');
});

test("ES256: the verifier checks it, the edge refuses it as API Gateway does (RSA only)", async () => {
  const t = await token(ec);
  const keys = keySetOf({ keys: [ec.jwk] });
  const check = { issuer: ISSUER, audiences: [AUDIENCE], scopes: [], now: NOW * 1000 };
  assert.ok(verifyJwt(t, keys, { ...check, algorithms: SUPPORTED_JWT_ALGORITHMS }).ok);
  const forged = `${t.slice(0, t.lastIndexOf(".") + 1)}${Buffer.alloc(64, 1).toString("base64url")}`;
  assert.not.ok(verifyJwt(forged, keys, { ...check, algorithms: SUPPORTED_JWT_ALGORITHMS }).ok);
  assert.match(answer(await edge({ keys: [ec.jwk] })({ authorization: t }, route())), /^401 .*signing method ES256 is invalid/);
});

test("keys from the issuer's discovery document; a rotated key is found; an unreachable issuer is a 401", async () => {
  let served = [rsa.jwk];
  const fetched: string[] = [];
  const server = http.createServer((req, res) => {
    fetched.push(req.url ?? "");
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    res.setHeader("content-type", "application/json");
    if (req.url === "/pool-1/.well-known/openid-configuration") res.end(JSON.stringify({ issuer: `${base}/pool-1`, jwks_uri: `${base}/pool-1/keys` }));
    else if (req.url === "/pool-1/keys") res.end(JSON.stringify({ keys: served }));
    else res.writeHead(404).end("{}");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/pool-1`;
    let clock = NOW * 1000;
    const source = discoveredJwks(issuer, () => clock);
    const authorize = createJwtRouteAuthorizer({ jwks: () => source, log: () => undefined, now: () => clock });
    const r = { ...route(), issuer };
    assert.is(answer(await authorize({ authorization: await token(rsa, {}, { issuer }) }, r)), "ok");
    assert.is(answer(await authorize({ authorization: await token(rsa, {}, { issuer }) }, r)), "ok");
    assert.equal(fetched, ["/pool-1/.well-known/openid-configuration", "/pool-1/keys"], "cached");
    const rotated = await signer("RS256", "rsa-2");
    served = [rsa.jwk, rotated.jwk];
    clock += 10_000;
    assert.is(answer(await authorize({ authorization: await token(rotated, {}, { issuer }) }, r)), "ok");
    assert.is(fetched.length, 4, "an unknown kid fetched the keys again");
    const dead = createJwtRouteAuthorizer({ jwks: () => discoveredJwks("http://127.0.0.1:1/nothing"), log: () => undefined, now: () => clock });
    assert.match(answer(await dead({ authorization: await token(rsa) }, route())), /^401 .*keys could not be fetched/);
  } finally {
    server.close();
  }
});

test("a JWKS that is not one is refused when read", () => {
  assert.throws(() => configuredJwks('{"nokeys":1}', "/"), /keys array/);
  assert.throws(() => configuredJwks("/no/such/jwks.json", "/"), /ENOENT/);
});

test.run();
