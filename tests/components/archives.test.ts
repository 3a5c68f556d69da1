// Every function serialized exactly as `pulumi up` would upload it: the AssetArchive the program
// produces under mocks is written to disk, and its `__index.js` is required in a fresh Node
// process that sees only the AWS SDK on NODE_PATH (as the nodejs22.x runtime does). Requiring it
// runs the factory; a probe request then runs the handler path that needs no AWS call. Either one
// would surface a ReferenceError or a serialization error here rather than in AWS. The archive
// holds exactly what components/sdk-packaging.ts decided, and requires the SDK by package name.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { materializeArchive, zipDirectory } from "../../local/lambda/archive";
import { builtinModules } from "node:module";
import { bareSdkRequires, RUNTIME_PROVIDED_PACKAGES, ZIPPED_PACKAGES } from "../../components/sdk-packaging";
import { buildSdkLayer, sdkClosure } from "../../local/lambda/sdk-layer";
import { ofType, runStack, TYPES } from "./harness";
const ROOT = path.resolve(__dirname, "../..");
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

function httpEvent(method: string, rawPath: string, headers: Record<string, string>, body?: string, authorizer?: Record<string, unknown>) {
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
      ...(authorizer ? { authorizer } : {}),
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
  // A redrive of no messages at all is refused before the DLQ is touched (the caller as AWS_IAM hands it over).
  operator: {
    event: httpEvent("POST", "/admin/dlq/redrive", { "content-type": "application/json" }, '{"count":0}', { iam: { userArn: "arn:aws:iam::123456789012:user/probe" } }),
    check: (r) => {
      assert.is(r.statusCode, 422);
      assert.equal(JSON.parse(r.body).errors.map((e: { path: string }) => e.path), ["/count"]);
    },
  },
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
    assert.is(fns.length, 4);
    for (const fn of fns) {
      const label = fn.name.replace(/^sluice-/, "").replace(/-function$/, "");
      const probe = PROBES[label];
      assert.ok(probe, `no probe for ${fn.name}`);
      const dir = path.join(tmp, stack, label);
      const names = await materializeArchive(fn.inputs.code, dir);
      // The zip carries the handler and superstruct; @pulumi/* and the AWS SDK stay out.
      assert.equal(names, ["__index.js", ...ZIPPED_PACKAGES.map((p) => `node_modules/${p}`)], `${fn.name} archive content`);
      const source = fs.readFileSync(path.join(dir, "__index.js"), "utf8");
      assert.not.match(source, /require\("@pulumi\//, `${fn.name} requires @pulumi at run time`);
      for (const spec of requiresOf(source)) {
        const pkg = packageOf(spec);
        if (builtinModules.includes(spec.replace(/^node:/, ""))) continue;
        if (ZIPPED_PACKAGES.includes(pkg)) continue;
        // From the runtime: by package name only, never a file inside it.
        assert.ok(RUNTIME_PROVIDED_PACKAGES.includes(spec), `${fn.name} requires ${spec}: neither zipped, nor a runtime SDK package by name`);
      }
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

function requiresOf(source: string): string[] {
  return [...new Set([...source.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]))];
}

function packageOf(spec: string): string {
  return spec.split("/").slice(0, spec.startsWith("@") ? 2 : 1).join("/");
}

test("the packaging decision holds in the sources: runtime/ imports the SDK by name, and zips only package.json's dependencies", () => {
  const runtimeDir = path.join(ROOT, "runtime");
  const files = (fs.readdirSync(runtimeDir, { recursive: true }) as string[]).filter((f) => f.endsWith(".ts"));
  const imported = new Set<string>();
  for (const file of files) {
    const text = fs.readFileSync(path.join(runtimeDir, file), "utf8");
    for (const m of text.matchAll(/^import\s+(type\s+)?[^;]*?from\s+"([^"]+)"/gm)) {
      const [, typeOnly, spec] = m;
      if (spec.startsWith(".") || spec.startsWith("node:") || builtinModules.includes(spec) || typeOnly) continue;
      if (spec.startsWith("@aws-sdk/")) assert.ok(RUNTIME_PROVIDED_PACKAGES.includes(spec), `runtime/${file}: ${spec} is not an SDK package taken from the runtime (no deep paths)`);
      else assert.ok(ZIPPED_PACKAGES.includes(packageOf(spec)), `runtime/${file}: ${spec} is neither zipped nor provided by Lambda`);
      imported.add(packageOf(spec));
    }
  }
  assert.equal([...imported].filter((p) => p.startsWith("@aws-sdk/")).sort(), [...RUNTIME_PROVIDED_PACKAGES].sort(), "every provided package is used");
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
  assert.equal(Object.keys(pkg.dependencies).filter((d) => !d.startsWith("@pulumi/")).sort(), [...ZIPPED_PACKAGES].sort(), "package.json dependencies are what the zip carries");
  for (const p of RUNTIME_PROVIDED_PACKAGES) {
    assert.ok(pkg.devDependencies[p] || sdkClosure().includes(p), `${p} is installed for tests but never shipped`);
    assert.ok(sdkClosure().includes(p), `${p} is missing from the local runtime's SDK layer`);
  }
});

test("a require the runtime's SDK may not resolve is refused, an entry-point path is written as the package name", () => {
  assert.is(bareSdkRequires(`const a = require("@aws-sdk/client-sqs/dist-cjs/index.js");`, ROOT), `const a = require("@aws-sdk/client-sqs");`);
  assert.is(bareSdkRequires(`require("@aws-sdk/lib-dynamodb")`, ROOT), `require("@aws-sdk/lib-dynamodb")`);
  assert.throws(() => bareSdkRequires(`require("@aws-sdk/client-dynamodb/package.json")`, ROOT), /a file inside the SDK/);
  assert.throws(() => bareSdkRequires(`require("@aws-sdk/client-s3")`, ROOT), /not among the SDK packages/);
});

test.run();
