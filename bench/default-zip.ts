// The comparison line for the zips: the same factory in a CallbackFunction with no codePathOptions,
// as a first program would write it. Pulumi then packs every package of package.json
// `dependencies` (and their dependencies) except its own @pulumi/* ones; here that is superstruct
// plus what @pulumi/aws and @pulumi/awsx pull in. Only the archive is measured, under mocks.
import * as os from "node:os";
import * as fs from "node:fs";
import * as path from "node:path";
import type * as pulumiTypes from "@pulumi/pulumi";
import type * as awsTypes from "@pulumi/aws";
import { materializeArchive, zipDirectory } from "../local/lambda/archive";
import { PROJECT_DIR } from "../local/program/project";
import { ingestFactory } from "../runtime/ingest-handler";
import { queryFactory } from "../runtime/query-handler";
import { workerFactory } from "../runtime/worker-handler";

const FACTORIES: Record<string, () => unknown> = { ingest: ingestFactory, worker: workerFactory, query: queryFactory };

/** Zipped bytes of a default CallbackFunction per factory, keyed by function label. */
export async function measureDefaultZips(workDir: string): Promise<Record<string, number>> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const pulumi = require("@pulumi/pulumi") as typeof pulumiTypes;
  const codes = new Map<string, unknown>();
  pulumi.runtime.setAllConfig({ "aws:region": "us-east-1" });
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        if (args.type === "aws:lambda/function:Function") codes.set(args.name, args.inputs.code);
        return { id: `${args.name}-id`, state: { ...args.inputs, arn: `arn:aws:lambda:us-east-1:123456789012:function:${args.name}` } };
      },
      call: (args) => ({ ...args.inputs }),
    },
    "sluice",
    "bench-default-zip",
    false,
  );
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const aws = require("@pulumi/aws") as typeof awsTypes;
  const previousCwd = process.cwd();
  // computeCodePaths reads ./package.json.
  process.chdir(PROJECT_DIR);
  try {
    for (const [label, factory] of Object.entries(FACTORIES)) {
      new aws.lambda.CallbackFunction(`default-${label}`, {
        callbackFactory: factory as never,
        role: "arn:aws:iam::123456789012:role/bench",
        runtime: "nodejs22.x",
      });
    }
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    await (require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> }).waitForRPCs();
  } finally {
    process.chdir(previousCwd);
  }
  const out: Record<string, number> = {};
  for (const label of Object.keys(FACTORIES)) {
    const code = codes.get(`default-${label}`);
    if (!code) throw new Error(`no archive recorded for the default ${label} function`);
    const dir = fs.mkdtempSync(path.join(workDir || os.tmpdir(), `default-${label}-`));
    await materializeArchive(code, dir, PROJECT_DIR);
    out[label] = (await zipDirectory(dir)).length;
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
