// Which code a function's zip carries, decided once (README, "Which AWS SDK runs"): the handler
// (`__index.js`) and superstruct ship in the zip; the AWS SDK v3 packages come from the nodejs22.x
// runtime, which provides the whole SDK v3 on its module path (Lambda Developer Guide, "Building
// Lambda functions with Node.js": the runtimes include the SDK for JavaScript v3). Shipping the SDK
// instead would take each zip from ~55 KB to megabytes, far over the 150 KB budget (DESIGN §5;
// measured by `npm run bench`).
//
// Pulumi's closure serializer writes a captured package as the file it was loaded from, e.g.
// `require("@aws-sdk/client-dynamodb/dist-cjs/index.js")`: a path inside the package that the
// runtime's SDK version need not have (a package that adds an `exports` map refuses it outright).
// `bareSdkRequires` turns each such require back into the package name, after checking that the
// path is exactly the package's entry point, so the runtime resolves the SDK its own way.
import * as pulumi from "@pulumi/pulumi";

/** AWS SDK packages runtime/ imports, each taken from the Lambda runtime, never from the zip. */
export const RUNTIME_PROVIDED_PACKAGES: readonly string[] = [
  "@aws-sdk/client-dynamodb",
  "@aws-sdk/client-eventbridge",
  "@aws-sdk/client-secrets-manager",
  "@aws-sdk/client-sqs",
  "@aws-sdk/lib-dynamodb",
  "@aws-sdk/util-dynamodb",
];

/** What node_modules/ of a zip holds: runtime dependencies of runtime/ that Lambda does not provide. */
export const ZIPPED_PACKAGES: readonly string[] = ["superstruct"];

const SDK_REQUIRE = /require\("(@aws-sdk\/[^"/]+)(\/[^"]*)?"\)/g;

/** The file `specifier` resolves to from `projectDir` (where Pulumi resolved it at deploy time). */
function resolvedFrom(projectDir: string, specifier: string): string {
  return require.resolve(specifier, { paths: [projectDir] });
}

/**
 * `source` with every `require("@aws-sdk/<pkg>/<entry file>")` written as `require("@aws-sdk/<pkg>")`.
 * Refuses a package not in RUNTIME_PROVIDED_PACKAGES and a path that is not the package's entry
 * point: the runtime's SDK promises its packages, not their files.
 */
export function bareSdkRequires(source: string, projectDir = process.cwd()): string {
  return source.replace(SDK_REQUIRE, (_, pkg: string, rest: string | undefined) => {
    if (!RUNTIME_PROVIDED_PACKAGES.includes(pkg)) {
      throw new Error(`the function requires ${pkg}, which is not among the SDK packages taken from the Lambda runtime (components/sdk-packaging.ts)`);
    }
    if (rest && resolvedFrom(projectDir, pkg + rest) !== resolvedFrom(projectDir, pkg)) {
      throw new Error(`the function requires ${pkg}${rest}, a file inside the SDK the Lambda runtime need not have: import from "${pkg}" itself`);
    }
    return `require("${pkg}")`;
  });
}

// Inside an Output, Pulumi hands over assets and archives with their promised fields resolved.
interface ArchiveLike {
  assets: Record<string, unknown> | Promise<Record<string, unknown>>;
}

/** The archive with its `__index.js` rewritten by `bareSdkRequires`; every other entry unchanged. */
export function withBareSdkRequires(archive: pulumi.asset.Archive, projectDir = process.cwd()): pulumi.asset.AssetArchive {
  const assets = Promise.resolve((archive as unknown as ArchiveLike).assets).then(async (entries) => {
    const index = entries["__index.js"] as { text?: string | Promise<string> } | undefined;
    if (index?.text === undefined) throw new Error("the function archive has no __index.js text");
    const text = await Promise.resolve(index.text);
    return { ...entries, "__index.js": new pulumi.asset.StringAsset(bareSdkRequires(text, projectDir)) };
  });
  return new pulumi.asset.AssetArchive(assets as unknown as Record<string, pulumi.asset.Asset | pulumi.asset.Archive>);
}

/**
 * A resource transformation for an `aws.lambda.CallbackFunction`: its `code` archive gets bare SDK
 * requires. (CallbackFunction builds `code` itself and takes no hook for it.)
 */
export const bareSdkRequiresTransformation: pulumi.ResourceTransformation = (args) => {
  if (args.type !== "aws:lambda/function:Function" || args.props.code === undefined) return undefined;
  const projectDir = process.cwd();
  const code = pulumi.output(args.props.code as pulumi.Input<pulumi.asset.Archive>).apply((a) => withBareSdkRequires(a, projectDir));
  return { props: { ...args.props, code }, opts: args.opts };
};
