// Producer auth through a local stack, end to end: a stack with sluice:auth=jwt (keys from a
// loopback issuer's discovery document, tokens signed by jose, a required scope) and one with
// sluice:auth=iam (requests signed by the AWS SDK's signer), each started with config overrides
// on a free port and a temp data dir. Refused requests get API Gateway's answers and store
// nothing; accepted ones are stored and read back with the same credential; `sluice send` and
// `sluice status` (and `sluice verify`) carry a token or a SigV4 signature and exit 3 when refused. Local only.
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from "jose";
import { SignatureV4 } from "@smithy/signature-v4";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../local/aws/local-account";
import { startLocalStack, type LocalStack } from "../../local/stack";
import { runCli, summaryOf } from "../cli/run-cli";
import { NodeSha256 } from "./sdk-signer";
import { cloudEvent, httpClient, TARGET_ENV } from "./target";

const deployed = (process.env[TARGET_ENV] ?? "").startsWith("deployed");
const AUDIENCE = "sluice-it";
const SCOPE = "sluice/events.write";

if (deployed) {
  test.skip("producer auth — skipped: it starts local stacks of its own with sluice:auth set", () => {});
} else {
  let tmp: string;
  let issuerServer: http.Server;
  let issuer: string;
  let key: { privateKey: KeyLike; jwk: JWK };
  let jwtStack: LocalStack;
  let iamStack: LocalStack;
  let iamOutputs: string;

  const token = (claims: Record<string, unknown> = { scope: SCOPE }, expiresIn = 600) =>
    new SignJWT({ aud: AUDIENCE, ...claims }).setProtectedHeader({ alg: "RS256", kid: "it-1" }).setIssuer(issuer).setIssuedAt().setExpirationTime(Math.floor(Date.now() / 1000) + expiresIn).sign(key.privateKey);
  const ce = { "content-type": "application/cloudevents+json" };

  test.before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-auth-"));
    const pair = await generateKeyPair("RS256");
    key = { privateKey: pair.privateKey, jwk: { ...(await exportJWK(pair.publicKey)), kid: "it-1", alg: "RS256", use: "sig" } };
    issuerServer = http.createServer((req, res) => {
      res.setHeader("content-type", "application/json");
      if (req.url === "/.well-known/openid-configuration") res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks.json` }));
      else if (req.url === "/jwks.json") res.end(JSON.stringify({ keys: [key.jwk] }));
      else res.writeHead(404).end("{}");
    });
    await new Promise<void>((r) => issuerServer.listen(0, "127.0.0.1", r));
    issuer = `http://127.0.0.1:${(issuerServer.address() as AddressInfo).port}`;
    const quiet = () => undefined;
    iamOutputs = path.join(tmp, "iam-outputs.json");
    [jwtStack, iamStack] = await Promise.all([
      startLocalStack({
        port: 0,
        dataDir: path.join(tmp, "jwt"),
        log: quiet,
        config: { "sluice:auth": "jwt", "sluice:authIssuer": issuer, "sluice:authAudiences": JSON.stringify([AUDIENCE]), "sluice:authScopes": JSON.stringify([SCOPE]) },
      }),
      startLocalStack({ port: 0, dataDir: path.join(tmp, "iam"), log: quiet, outputsFile: iamOutputs, config: { "sluice:auth": "iam" } }),
    ]);
  });

  test.after(async () => {
    await Promise.all([jwtStack?.stop(), iamStack?.stop()]);
    issuerServer?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test("jwt: no token, an expired one, the wrong audience → 401 Unauthorized; no scope → 403 Forbidden; nothing stored", async () => {
    const api = httpClient(jwtStack.apiUrl);
    const event = cloudEvent();
    const body = JSON.stringify(event);
    const refused = [
      [{}, 401],
      [{ authorization: `Bearer ${await token(undefined, -10)}` }, 401],
      [{ authorization: `Bearer ${await token({ scope: SCOPE, aud: "someone-else" })}` }, 401],
      [{ authorization: `Bearer ${await token({ scope: "other" })}` }, 403],
    ] as const;
    for (const [headers, status] of refused) {
      const res = await api.post("events", { body, headers: { ...ce, ...headers } });
      assert.is(res.statusCode, status, res.body);
      assert.equal(JSON.parse(res.body), { message: status === 401 ? "Unauthorized" : "Forbidden" });
      assert.match(String(res.headers["www-authenticate"]), /^Bearer scope="sluice\/events\.write"/);
    }
    const first = await api.post("events", { body, headers: { ...ce, authorization: `Bearer ${await token()}` } });
    assert.is(first.statusCode, 202, first.body);
    assert.is(first.headers["idempotent-replayed"], undefined, "the refused attempts stored nothing");
    const { id } = JSON.parse(first.body);
    const read = await api.get(`events/${id}`, { headers: { authorization: `Bearer ${await token()}` } });
    assert.is(read.statusCode, 200, read.body);
    assert.is((await api.get(`events/${id}`)).statusCode, 401, "reads need the token too");
    assert.is((await api.get("events?status=failed", { headers: { authorization: `Bearer ${await token()}` } })).statusCode, 403, "the listing is IAM only: a bearer token is no signature");
    const batch = await api.post("events/batch", { body: JSON.stringify([cloudEvent(), cloudEvent()]), headers: { "content-type": "application/cloudevents-batch+json", authorization: `Bearer ${await token()}` } });
    assert.is(batch.statusCode, 202, batch.body);
    assert.is((await api.get("health")).statusCode, 200, "health stays open");
    const admin = await api.get("admin/dlq", { headers: { authorization: `Bearer ${await token()}` } });
    assert.is(admin.statusCode, 403, "a bearer token is no IAM signature");
  });

  test("iam: unsigned → 403 Missing Authentication Token, a wrong secret → 403; the local credentials, signed by the SDK, → 202", async () => {
    const api = httpClient(iamStack.apiUrl);
    const body = JSON.stringify(cloudEvent());
    const unsigned = await api.post("events", { body, headers: ce });
    assert.is(unsigned.statusCode, 403);
    assert.equal(JSON.parse(unsigned.body), { message: "Missing Authentication Token" });
    const sign = async (secretAccessKey: string) => {
      const url = new URL(`${iamStack.apiUrl}/events`);
      const signer = new SignatureV4({ service: "execute-api", region: LOCAL_REGION, credentials: { ...LOCAL_CREDENTIALS, secretAccessKey }, sha256: NodeSha256 });
      return (await signer.sign({ method: "POST", protocol: url.protocol, hostname: url.hostname, port: Number(url.port), path: url.pathname, query: {}, headers: { host: url.host, ...ce }, body })).headers;
    };
    const wrong = await api.post("events", { body, headers: await sign("not-the-secret") });
    assert.is(wrong.statusCode, 403);
    assert.is(wrong.headers["x-amzn-errortype"], "InvalidSignatureException");
    const signed = await api.post("events", { body, headers: await sign(LOCAL_CREDENTIALS.secretAccessKey) });
    assert.is(signed.statusCode, 202, signed.body);
  });

  test("sluice send/status/verify: --token and --sigv4 are accepted; without them the credentials are refused (exit 3)", async () => {
    const input = JSON.stringify(cloudEvent()) + "\n";
    const noToken = await runCli(["send", "--url", jwtStack.apiUrl, "--json", "-"], { input });
    assert.is(noToken.code, 3, noToken.stderr);
    assert.match(summaryOf(noToken).items[0].reason, /^HTTP 401: Unauthorized/);
    const t = await token();
    const sent = await runCli(["send", "--url", jwtStack.apiUrl, "--token", t, "--json", "-"], { input });
    assert.is(sent.code, 0, sent.stdout + sent.stderr);
    const id = summaryOf(sent).items[0].id;
    const viaEnv = await runCli(["status", id, "--url", jwtStack.apiUrl], { env: { SLUICE_TOKEN: t } });
    assert.is(viaEnv.code, 0, viaEnv.stderr);
    assert.match(viaEnv.stdout, new RegExp(id));
    const unsignedStatus = await runCli(["status", id, "--url", jwtStack.apiUrl]);
    assert.is(unsignedStatus.code, 3);
    // verify reads GET /events/{id}, a producer route: refused without the token (3); with it, an
    // event posted to /events has nothing to verify (4).
    const unsignedVerify = await runCli(["verify", id, "--url", jwtStack.apiUrl]);
    assert.is(unsignedVerify.code, 3, unsignedVerify.stderr);
    const verified = await runCli(["verify", id, "--url", jwtStack.apiUrl, "--token", t]);
    assert.is(verified.code, 4, verified.stdout + verified.stderr);
    assert.match(verified.stdout + verified.stderr, /did not come from a source/);

    const unsigned = await runCli(["send", "--stack", "local", "--outputs", iamOutputs, "--batch", "--json", "-"], { input });
    assert.is(unsigned.code, 3, unsigned.stderr);
    const signed = await runCli(["send", "--stack", "local", "--outputs", iamOutputs, "--sigv4", "--batch", "--json", "-"], { input });
    assert.is(signed.code, 0, signed.stdout + signed.stderr);
    assert.is(summaryOf(signed).accepted, 1);
  });

  test.run();
}
