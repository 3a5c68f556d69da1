// Every function serialized exactly as `pulumi up` would upload it: the AssetArchive the program
// produces under mocks is written to disk, and its `__index.js` is required in a fresh Node
// process that sees only the AWS SDK on NODE_PATH (as the nodejs22.x runtime does). Requiring it
// runs the factory; a probe request then runs the handler path that needs no AWS call. Either one
// would surface a ReferenceError or a serialization error here rather than in AWS.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { materializeArchive, zipDirectory } from "../../local/lambda/archive";
import { buildSdkLayer } from "../../local/lambda/sdk-layer";
import { ofType, runStack, TYPES } from "./harness";
import { PROD_SETUP } from "./stacks";

const test = suite("function archives");
let tmp: string;
let nodePath: string;

test.before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-archives-"));
  nodePath = buildSdkLayer(path.join(tmp, "sdk-layer"));
});
test.after(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Loads the archive in a fresh process and sends it one request that needs no AWS call. */
const PROBE = `
const mod = require(process.argv[1]);
if (typeof mod.handler !== "function") { console.error("no handler export"); process.exit(2); }
const context = { awsRequestId: "probe-request", functionName: "probe", getRemainingTimeInMillis: () => 5000 };
Promise.resolve(mod.handler(JSON.parse(process.argv[2]), context)).then(
  (result) => { process.stdout.write("\\n__PROBE__" + JSON.stringify(result) + "\\n"); },
  (err) => { console.error(err && err.stack || err); process.exit(3); },
);
`;

function httpEvent(method: string, rawPath: string, headers: Record<string, string>, body?: string) {
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath,
    rawQueryString: "",
    headers,
    body,
    isBase64Encoded: false,
    requestContext: {
      accountId: "123456789012",
      apiId: "probe",
      domainName: "probe.local",
      domainPrefix: "probe",
      requestId: "probe-api-request",
      routeKey: "$default",
      stage: "$default",
      time: "24/Nov/2026:10:00:00 +0000",
      timeEpoch: 1_795_000_000_000,
      http: { method, path: rawPath, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "probe" },
    },
  };
}

const PROBES: Record<string, { event: unknown; check: (result: any) => void }> = {
  // Wrong content type is refused before any AWS call.
  ingest: {
    event: httpEvent("POST", "/events", { "content-type": "text/plain" }, "hello"),
    check: (r) => {
      assert.is(r.statusCode, 415);
      assert.is(JSON.parse(r.body).type, "urn:sluice:problem:unsupported-media-type");
    },
  },
  worker: { event: { Records: [] }, check: (r) => assert.equal(r, { batchItemFailures: [] }) },
  query: {
    event: httpEvent("GET", "/no/such/path", {}),
    check: (r) => {
      assert.is(r.statusCode, 404);
      assert.is(JSON.parse(r.body).type, "urn:sluice:problem:not-found");
    },
  },
};

for (const stack of ["dev", "prod"]) {
  test(`${stack}: each archive loads in a fresh process, runs its factory and answers a probe`, async () => {
    const run = await runStack(stack, stack === "prod" ? PROD_SETUP : {});
    const fns = ofType(run, TYPES.fn);
    assert.is(fns.length, 3);
    for (const fn of fns) {
      const label = fn.name.replace(/^sluice-/, "").replace(/-function$/, "");
      const probe = PROBES[label];
      assert.ok(probe, `no probe for ${fn.name}`);
      const dir = path.join(tmp, stack, label);
      const names = await materializeArchive(fn.inputs.code, dir);
      // The zip carries the handler and superstruct; @pulumi/* and the AWS SDK stay out.
      assert.equal(names, ["__index.js", "node_modules/superstruct"], `${fn.name} archive content`);
      const source = fs.readFileSync(path.join(dir, "__index.js"), "utf8");
      assert.not.match(source, /require\("@pulumi\//, `${fn.name} requires @pulumi at run time`);
      const zip = await zipDirectory(dir);
      console.log(`  ${stack} ${label}: zip ${(zip.length / 1024).toFixed(1)} KB (__index.js ${(Buffer.byteLength(source) / 1024).toFixed(1)} KB)`);

      const child = spawnSync(process.execPath, ["-e", PROBE, path.join(dir, "__index.js"), JSON.stringify(probe.event)], {
        cwd: dir,
        encoding: "utf8",
        timeout: 60_000,
        env: {
          PATH: process.env.PATH,
          NODE_PATH: nodePath,
          ...fn.inputs.environment.variables,
          AWS_REGION: "us-east-1",
          AWS_ACCESS_KEY_ID: "local",
          AWS_SECRET_ACCESS_KEY: "local",
          // Nothing listens here: a probe that reached AWS would fail fast instead of passing.
          AWS_ENDPOINT_URL_DYNAMODB: "http://127.0.0.1:9",
          AWS_ENDPOINT_URL_SQS: "http://127.0.0.1:9",
          AWS_MAX_ATTEMPTS: "1",
        },
      });
      const output = `${child.stdout}\n${child.stderr}`;
      assert.not.match(output, /ReferenceError|is not defined|Cannot find module|SyntaxError/, `${fn.name}: ${output}`);
      assert.is(child.status, 0, `${fn.name} exited ${child.status}: ${output}`);
      const line = child.stdout.split("\n").find((l) => l.startsWith("__PROBE__"));
      assert.ok(line, `${fn.name} printed no probe result: ${output}`);
      probe.check(JSON.parse(line!.slice("__PROBE__".length)));
    }
  });
}

test.run();
