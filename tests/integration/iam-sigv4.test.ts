// The SigV4 verifier against the AWS SDK's own signer (@smithy/signature-v4, what every SDK v3
// client signs with): what it signs is accepted, for DynamoDB, SQS and execute-api requests alike;
// any change to what was signed, a wrong secret or token, a wrong scope or a stale date is refused
// with AWS's reason.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createHash } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";
import { createSigV4Verifier, type SignedRequest } from "../../local/iam/sigv4-verifier";
import { NodeSha256 } from "./sdk-signer";

const KEY = { accessKeyId: "ASIAEXAMPLEKEY000001", secretAccessKey: "s3cr3t/s3cr3t+s3cr3t", sessionToken: "token-of-the-session" };
const NOW = Date.UTC(2025, 2, 4, 10, 0, 0);
const HOST = "127.0.0.1:4567";

interface Unsigned {
  method?: string;
  path?: string;
  query?: Record<string, string | string[]>;
  headers?: Record<string, string>;
  body?: string;
}

/** Signs like an SDK client and returns the request as the server receives it. */
async function signed(u: Unsigned, o: { service?: string; region?: string; key?: typeof KEY; at?: number } = {}): Promise<SignedRequest> {
  const signer = new SignatureV4({ service: o.service ?? "dynamodb", region: o.region ?? "us-east-1", credentials: o.key ?? KEY, sha256: NodeSha256 });
  const body = u.body ?? "";
  const req = await signer.sign(
    { method: u.method ?? "POST", protocol: "http:", hostname: "127.0.0.1", port: 4567, path: u.path ?? "/", query: u.query ?? {}, headers: { host: HOST, ...(u.headers ?? {}) }, body },
    { signingDate: new Date(o.at ?? NOW) },
  );
  // The wire query, as the SDK's HTTP handler writes it (any order: the server sorts).
  const query = Object.entries(req.query ?? {})
    .flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => `${encodeURIComponent(k)}=${encodeURIComponent(String(x))}`))
    .join("&");
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = String(v);
  return { method: req.method, url: `${req.path}${query ? `?${query}` : ""}`, headers, body: Buffer.from(body) };
}

function verifier(service = "dynamodb", known: Record<string, { secretAccessKey: string; sessionToken?: string }> = { [KEY.accessKeyId]: KEY }) {
  return createSigV4Verifier({ service, region: "us-east-1", now: () => NOW, lookup: (id) => (known[id] ? { ...known[id], principal: id } : undefined) });
}

const putItem: Unsigned = {
  headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": "DynamoDB_20120810.PutItem" },
  body: JSON.stringify({ TableName: "t", Item: { pk: { S: "a" } } }),
};

function refused(result: ReturnType<ReturnType<typeof verifier>>) {
  assert.is(result.ok, false);
  return (result as { ok: false; failure: { kind: string; message: string } }).failure;
}

test("a request the SDK signed is accepted, and names the caller", async () => {
  const r = verifier()(await signed(putItem));
  assert.equal(r, { ok: true, accessKeyId: KEY.accessKeyId, principal: KEY.accessKeyId });
});

test("an execute-api GET with a path to escape and a repeated query parameter is accepted (the HTTP edge can reuse it)", async () => {
  const req = await signed({ method: "GET", path: "/admin/dlq/a%20b", query: { category: ["TRANSIENT", "PERMANENT"], "min age": "60" } }, { service: "execute-api" });
  assert.ok(req.url.includes("?"), req.url);
  assert.is(verifier("execute-api")(req).ok, true);
});

test("a tampered body, a changed signed header or an added query parameter is a signature mismatch", async () => {
  const v = verifier();
  const req = await signed(putItem);
  assert.is(refused(v({ ...req, body: Buffer.from(req.body.toString().replace('"a"', '"b"')) })).kind, "signature-mismatch");
  assert.is(refused(v({ ...req, headers: { ...req.headers, "x-amz-target": "DynamoDB_20120810.DeleteItem" } })).kind, "signature-mismatch");
  assert.is(refused(v({ ...req, url: "/?x=1" })).kind, "signature-mismatch");
  const f = refused(v({ ...req, method: "PUT" }));
  assert.is(f.message, "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.");
});

test("a header that was not signed may change (user-agent, a proxy's headers)", async () => {
  const req = await signed(putItem);
  assert.is(verifier()({ ...req, headers: { ...req.headers, "user-agent": "something else", "x-forwarded-for": "10.0.0.1" } }).ok, true);
});

test("a wrong secret is a mismatch; an unknown key or a wrong session token is an invalid security token", async () => {
  assert.is(refused(verifier()(await signed(putItem, { key: { ...KEY, secretAccessKey: "guessed" } }))).kind, "signature-mismatch");
  const unknown = refused(verifier()(await signed(putItem, { key: { ...KEY, accessKeyId: "ASIAUNKNOWNKEY000002" } })));
  assert.equal(unknown, { kind: "unknown-key", message: "The security token included in the request is invalid." });
  assert.is(refused(verifier()(await signed(putItem, { key: { ...KEY, sessionToken: "another-token" } }))).kind, "unknown-key");
});

test("a signature scoped to another service or region is refused with AWS's reason", async () => {
  assert.equal(refused(verifier()(await signed(putItem, { service: "sqs" }))), { kind: "wrong-scope", message: "Credential should be scoped to correct service: 'dynamodb'." });
  assert.equal(refused(verifier()(await signed(putItem, { region: "eu-west-1" }))), { kind: "wrong-scope", message: "Credential should be scoped to a valid region, not 'eu-west-1'." });
});

test("a signature more than 15 minutes old (or ahead) is expired; within 15 minutes it is fine", async () => {
  const old = refused(verifier()(await signed(putItem, { at: NOW - 16 * 60_000 })));
  assert.equal(old, { kind: "expired", message: "Signature expired: 20250304T094400Z is now earlier than 20250304T094500Z (20250304T100000Z - 15 min.)" });
  assert.is(refused(verifier()(await signed(putItem, { at: NOW + 16 * 60_000 }))).kind, "expired");
  assert.is(verifier()(await signed(putItem, { at: NOW - 14 * 60_000 })).ok, true);
});

test("no Authorization header, or one without its parts, is refused before any key is looked up", async () => {
  const req = await signed(putItem);
  const { authorization, ...bare } = req.headers as Record<string, string>;
  assert.equal(refused(verifier()({ ...req, headers: bare })), { kind: "missing", message: "Request is missing Authentication Token" });
  assert.is(refused(verifier()({ ...req, headers: { ...bare, authorization: authorization.replace(/, Signature=[0-9a-f]+/, "") } })).kind, "incomplete");
  assert.is(refused(verifier()({ ...req, headers: { ...bare, authorization: authorization.replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA1") } })).kind, "incomplete");
});

test("a declared payload hash that is not the body's is refused", async () => {
  const req = await signed(putItem);
  assert.ok(req.headers["x-amz-content-sha256"], "the SDK declares its payload hash");
  const other = createHash("sha256").update("other").digest("hex");
  assert.is(refused(verifier()({ ...req, headers: { ...req.headers, "x-amz-content-sha256": other } })).kind, "signature-mismatch");
});

test.run();
