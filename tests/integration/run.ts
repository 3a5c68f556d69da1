// `npm run test:integration [-- --stack NAME]`: finds the target's outputs, runs every
// tests/integration/*.test.ts against it with uvu, and exits non-zero when a test fails.
//   default         starts a fresh local stack (free port, temp data dir) and stops it afterwards
//   --stack NAME    a deployed stack: its `pulumi stack output --json --stack NAME`
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startLocalStack, type LocalStack } from "../../local/stack";
import { PROJECT_DIR } from "../../local/program/project";
import { IT_SOURCES_CONFIG } from "./sources-config";
import { OUTPUTS_ENV, TARGET_ENV } from "./target";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

/**
 * Config for the local stack under test: short worker timeout (so visibility is 6 s), short
 * backoff and few receives before the DLQ, so the retry paths finish in seconds instead of
 * minutes; failure modes honoured within a second.
 */
export const INTEGRATION_CONFIG: Record<string, string> = {
  "sluice:workerTimeoutSeconds": "1",
  "sluice:batchingWindowSeconds": "0",
  "sluice:maxReceiveCount": "2",
  "sluice:retryBaseSeconds": "1",
  "sluice:retryMaxSeconds": "2",
  "sluice:testEvents": "true",
  "sluice:failureModeRefreshSeconds": "1",
  // One source per scheme and plain JSON shape (sources-config.ts).
  ...IT_SOURCES_CONFIG,
};

function usage(message: string): never {
  process.stderr.write(`test:integration: ${message}\nusage: npm run test:integration [-- --stack NAME]\n`);
  process.exit(2);
}

function deployedOutputs(stack: string, file: string): void {
  const res = spawnSync("pulumi", ["stack", "output", "--json", "--show-secrets", "--stack", stack], { encoding: "utf8" });
  if (res.error && (res.error as NodeJS.ErrnoException).code === "ENOENT") {
    usage(
      `--stack ${stack} reads the deployed stack's outputs with \`pulumi stack output --json --stack ${stack}\`, but the Pulumi CLI is not installed here (not on PATH). ` +
        "Install it and log in to the stack's backend, or run without --stack to test a local stack.",
    );
  }
  if (res.status !== 0) usage(`\`pulumi stack output --json --stack ${stack}\` failed:\n${res.stderr.trim()}`);
  fs.writeFileSync(file, res.stdout);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let stackName: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--stack") stackName = argv[++i] ?? usage("--stack needs a stack name");
    else if (argv[i].startsWith("--stack=")) stackName = argv[i].slice("--stack=".length) || usage("--stack needs a stack name");
    else usage(`unknown option ${JSON.stringify(argv[i])}`);
  }

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-it-"));
  const outputsFile = path.join(tmp, "outputs.json");
  const logFile = path.join(tmp, "local-stack.log");
  let stack: LocalStack | undefined;
  let code = 1;
  try {
    if (stackName) {
      deployedOutputs(stackName, outputsFile);
    } else {
      const logStream = fs.createWriteStream(logFile);
      process.stderr.write("test:integration: starting a local stack (dev config, free port, temp data dir)…\n");
      stack = await startLocalStack({ stack: "dev", port: 0, dataDir: path.join(tmp, "data"), outputsFile, config: INTEGRATION_CONFIG, env: {}, log: (line) => logStream.write(line + "\n") });
      process.stderr.write(`test:integration: local stack at ${stack.apiUrl} (logs: ${logFile})\n`);
    }
    const uvu = path.join(PROJECT_DIR, "node_modules", "uvu", "bin.js");
    // SLUICE_IT_ONLY: one suite's file name pattern, for working on it (default: every suite).
    const only = process.env.SLUICE_IT_ONLY ?? "\\.test\\.ts$";
    const child = spawn(process.execPath, [uvu, "-r", "tsx/cjs", "tests/integration", only], {
      cwd: PROJECT_DIR,
      stdio: "inherit",
      env: { ...process.env, [OUTPUTS_ENV]: outputsFile, [TARGET_ENV]: stackName ? `deployed:${stackName}` : "local:dev" },
    });
    const stopChild = () => child.kill("SIGTERM");
    process.once("SIGINT", stopChild);
    process.once("SIGTERM", stopChild);
    code = await new Promise<number>((resolve) => child.on("exit", (c, signal) => resolve(c ?? (signal ? 1 : 0))));
    if (code !== 0 && stack) {
      const tail = fs.readFileSync(logFile, "utf8").trim().split("\n").slice(-40).join("\n");
      process.stderr.write(`test:integration: failed; last lines of the local stack's log:\n${tail}\n`);
    }
  } finally {
    if (stack) await stack.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  process.exit(code);
}

main().catch((err: Error) => {
  process.stderr.write(`test:integration: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
