// The CLI's producer auth options, without a network: --token and --sigv4 parse for send, pull
// and status, not together, not with a value that is no bearer token; the token comes from
// SLUICE_TOKEN too; --sigv4 signs with the local stack's credentials for --stack local, checked by
// the local edge's own SigV4 verifier; the exit code for refused credentials is 3.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { parseCommand, USAGE } from "../../cli/args";
import { requestAuthorizer } from "../../cli/producer-auth";
import { exitCode, summarize } from "../../cli/summary";
import { createSigV4Verifier } from "../../local/iam/sigv4-verifier";

test("--token and --sigv4 parse for send, pull and status, and not together", () => {
  const send = parseCommand(["send", "x.ndjson", "--url", "http://127.0.0.1:1", "--token", "abc.def.ghi"]);
  assert.is(send.name === "send" && send.common.token, "abc.def.ghi");
  const status = parseCommand(["status", "evt_1", "--url", "http://127.0.0.1:1", "--sigv4"]);
  assert.is(status.name === "status" && status.common.sigv4, true);
  assert.throws(() => parseCommand(["send", "--url", "http://127.0.0.1:1", "--token", "t", "--sigv4"]), /either --token or --sigv4/);
  assert.match(USAGE, /--token TOKEN/);
  assert.match(USAGE, /3 the API refused the credentials/);
});

test("a bearer token from --token or SLUICE_TOKEN; a value that is no token is a usage error", async () => {
  const io = { cwd: os.tmpdir(), env: { SLUICE_TOKEN: "from.env.tok" } };
  const common = (extra: Record<string, unknown>) => ({ json: false, verbose: false, retries: 0, timeoutMs: 1000, url: "http://127.0.0.1:1", ...extra });
  assert.equal(await requestAuthorizer(common({ token: "a.b.c" }), io)!({ method: "POST", url: "http://127.0.0.1:1/events" }), { authorization: "Bearer a.b.c" });
  assert.equal(await requestAuthorizer(common({}), io)!({ method: "POST", url: "http://127.0.0.1:1/events" }), { authorization: "Bearer from.env.tok" });
  assert.is(requestAuthorizer(common({}), { ...io, env: {} }), undefined);
  assert.throws(() => requestAuthorizer(common({ token: "two words" }), io), /not a bearer token/);
});

test("--sigv4 with --stack local signs with the outputs' credentials, as the local edge verifies", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-sigv4-"));
  const outputs = path.join(dir, "outputs.json");
  fs.writeFileSync(outputs, JSON.stringify({ apiUrl: "http://127.0.0.1:4000", localEndpoints: { operator: { accessKeyId: "local", secretAccessKey: "local", region: "us-east-1" } } }));
  try {
    const authorize = requestAuthorizer({ json: false, verbose: false, retries: 0, timeoutMs: 1000, stack: "local", outputs, sigv4: true }, { cwd: dir, env: {} })!;
    const body = '{"specversion":"1.0"}';
    const headers = await authorize({ method: "POST", url: "http://127.0.0.1:4000/events", contentType: "application/cloudevents+json", body });
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    const verify = createSigV4Verifier({ service: "execute-api", region: "us-east-1", lookup: (id) => (id === "local" ? { secretAccessKey: "local", principal: "local" } : undefined) });
    const ok = verify({ method: "POST", url: "/events", headers: lower, body: Buffer.from(body) });
    assert.ok(ok.ok, JSON.stringify(ok));
    assert.not.ok(verify({ method: "POST", url: "/events", headers: lower, body: Buffer.from(body + " ") }).ok, "the body is signed");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("exit code 3 when any event's credentials were refused, before 1", () => {
  const refused = summarize("send", [{ index: 0, outcome: "rejected", httpStatus: 401 }, { index: 1, outcome: "rejected", httpStatus: 422 }]);
  assert.is(exitCode(refused), 3);
  assert.is(exitCode(summarize("send", [{ index: 0, outcome: "rejected", httpStatus: 422 }])), 1);
  assert.is(exitCode(summarize("send", [{ index: 0, outcome: "accepted", httpStatus: 202 }])), 0);
});

test.run();
