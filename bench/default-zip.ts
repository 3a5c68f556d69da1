// The comparison lines for the zips: the same factories in plain CallbackFunctions, measured under
// mocks. "default": no codePathOptions, as a first program would write it; Pulumi then packs every
// package of package.json `dependencies` (and their dependencies) except its own @pulumi/* ones
// (here: superstruct). "sdk in zip": the AWS SDK packages runtime/ uses are packed too
// (`extraIncludePackages`), the alternative to taking them from the nodejs22.x runtime
// (components/sdk-packaging.ts).
import * as os from "node:os";
import * as fs from "node:fs";
import * as path from "node:path";
import type * as pulumiTypes from "@pulumi/pulumi";
import type * as awsTypes from "@pulumi/aws";
import { RUNTIME_PROVIDED_PACKAGES } from "../components/sdk-packaging";
import { materializeArchive, zipDirectory } from "../local/lambda/archive";
import { PROJECT_DIR } from "../local/program/project";
import { ingestFactory } from "../runtime/ingest-handler";
import { operatorFactory } from "../runtime/operator-handler";
import { queryFactory } from "../runtime/query-handler";
import { workerFactory } from "../runtime/worker-handler";

const FACTORIES: Record<string, () => unknown> = { ingest: ingestFactory, worker: workerFactory, query: queryFactory, operator: operatorFactory };

export type ZipVariant = "default" | "sdk in zip";

/** Per function label: the archive written to disk under `workDir`, and its zipped bytes. */
export async function buildVariantArchives(workDir: string, variant: ZipVariant): Promise<Record<string, { dir: string; zipBytes: number }>> {
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
    "bench-zips",
    false,
  );
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const aws = require("@pulumi/aws") as typeof awsTypes;
  const previousCwd = process.cwd();
  const slug = variant.replace(/\W+/g, "-");
  // computeCodePaths reads ./package.json.
  process.chdir(PROJECT_DIR);
  try {
    for (const [label, factory] of Object.entries(FACTORIES)) {
      new aws.lambda.CallbackFunction(`${slug}-${label}`, {
        callbackFactory: factory as never,
        role: "arn:aws:iam::123456789012:role/bench",
        runtime: "nodejs22.x",
        codePathOptions: variant === "sdk in zip" ? { extraIncludePackages: [...RUNTIME_PROVIDED_PACKAGES] } : undefined,
      });
    }
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    await (require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> }).waitForRPCs();
  } finally {
    process.chdir(previousCwd);
  }
  const out: Record<string, { dir: string; zipBytes: number }> = {};
  for (const label of Object.keys(FACTORIES)) {
    const code = codes.get(`${slug}-${label}`);
    if (!code) throw new Error(`no archive recorded for the ${variant} ${label} function`);
    const dir = fs.mkdtempSync(path.join(workDir || os.tmpdir(), `${slug}-${label}-`));
    await materializeArchive(code, dir, PROJECT_DIR);
    out[label] = { dir, zipBytes: (await zipDirectory(dir)).length };
  }
  return out;
}

/** Zipped bytes of a default CallbackFunction per factory, keyed by function label. */
export async function measureDefaultZips(workDir: string): Promise<Record<string, number>> {
  const built = await buildVariantArchives(workDir, "default");
  for (const b of Object.values(built)) fs.rmSync(b.dir, { recursive: true, force: true });
  return Object.fromEntries(Object.entries(built).map(([label, b]) => [label, b.zipBytes]));
}
