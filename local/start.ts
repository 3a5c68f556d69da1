// `npm start`: brings the whole pipeline up on this machine from index.ts (see stack.ts), prints
// the endpoint and what stands in for each resource, writes the outputs file once requests are
// taken, and stops cleanly on SIGINT/SIGTERM.
import * as path from "node:path";

// This process runs the AWS SDK only as a tool (creating twins, polling); on Node 20 the SDK's
// upgrade notice would be printed on every start. The functions run with their own environment.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
import { ProgramError } from "./program/program-error";
import { PROJECT_DIR } from "./program/project";
import { knownStacks } from "./program/stack-config";
import { DEFAULT_DATA_DIR, DEFAULT_OUTPUTS_FILE, DEFAULT_PORT, startLocalStack, type ResourceSummary } from "./stack";
import { parseStartArgs, UsageError, USAGE } from "./start-args";

function summary(resources: ResourceSummary[]): string {
  const groups = new Map<string, { count: number; local: string }>();
  for (const r of resources) {
    const g = groups.get(r.type) ?? { count: 0, local: r.local };
    g.count += 1;
    groups.set(r.type, g);
  }
  const rows = [...groups.entries()].sort(([a, ga], [b, gb]) => Number(ga.local === "recorded") - Number(gb.local === "recorded") || a.localeCompare(b));
  const width = Math.max(...rows.map(([t]) => t.length));
  const emulated = resources.filter((r) => r.local !== "recorded").length;
  return [
    `resources: ${resources.length} (${emulated} emulated, ${resources.length - emulated} recorded only)`,
    ...rows.map(([type, g]) => `  ${type.padEnd(width)}  ×${String(g.count).padEnd(3)} ${g.local}`),
  ].join("\n");
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseStartArgs(process.argv.slice(2), { stack: "dev", port: DEFAULT_PORT, dataDir: DEFAULT_DATA_DIR, outputsFile: DEFAULT_OUTPUTS_FILE }, knownStacks());
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`sluice local: ${err.message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (args.help) {
    process.stdout.write(USAGE + "\n");
    return;
  }
  // Relative paths are the user's, from where they ran the command.
  const dataDir = path.resolve(process.env.INIT_CWD ?? process.cwd(), args.dataDir);
  const outputsFile = path.resolve(process.env.INIT_CWD ?? process.cwd(), args.outputsFile);
  process.stderr.write(`sluice local: starting stack ${args.stack} (data in ${path.isAbsolute(args.dataDir) ? args.dataDir : path.relative(process.cwd(), dataDir) || "."})…\n`);
  const started = Date.now();
  const stack = await startLocalStack({ stack: args.stack, port: args.port, dataDir, outputsFile, config: args.config, chaos: args.chaos, projectDir: PROJECT_DIR });

  let stopping: Promise<void> | undefined;
  let firstSignalAt = 0;
  const shutdown = (signal: string) => {
    // One Ctrl-C can arrive twice: from the terminal to the whole process group, and relayed by
    // the tsx/npm wrappers. Only a later, deliberate second one forces the exit.
    if (stopping && Date.now() - firstSignalAt < 1_000) return;
    if (stopping) {
      process.stderr.write(`sluice local: ${signal} again, stopping now\n`);
      process.exit(130);
    }
    firstSignalAt = Date.now();
    process.stderr.write(`sluice local: ${signal}: finishing in-flight work, saving queued messages…\n`);
    stopping = stack.stop().then(
      () => {
        process.stderr.write("sluice local: stopped\n");
        process.exit(0);
      },
      (err: Error) => {
        process.stderr.write(`sluice local: stop failed: ${err.message}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));

  process.stderr.write(
    [
      summary(stack.resources),
      `outputs: ${outputsFile}`,
      `control: ${stack.endpoints.control} (GET /processes; faults: GET, PUT, DELETE /chaos)`,
      ...(stack.chaos().length > 0 ? [`chaos: ${stack.chaos().map((r) => r.spec).join(", ")}`] : []),
      `ready in ${((Date.now() - started) / 1000).toFixed(1)} s — endpoint: ${stack.apiUrl}`,
      `try:  curl -si -X POST ${stack.apiUrl}/events -H 'content-type: application/json' -d '{"specversion":"1.0","id":"e-1","source":"/readme","type":"demo.created","data":{"n":1}}'`,
      "Ctrl-C stops it.",
      "",
    ].join("\n"),
  );
  // The one line on stdout that scripts can read before the logs start.
  process.stdout.write(JSON.stringify({ level: "info", source: "local", msg: "ready", apiUrl: stack.apiUrl, stack: args.stack, outputs: outputsFile }) + "\n");
}

function failure(err: Error): string {
  // The program's own refusal, with where in the project it came from: that is what to fix.
  if (err instanceof ProgramError) return [`the program failed for stack ${err.stackName}: ${err.message}`, ...err.projectFrames(PROJECT_DIR).map((f) => `    ${f}`)].join("\n");
  // Our own failures say what to do; anything else gets its stack for the bug report.
  const known = /^(port \d+ is in use|the data dir |no stack file )/.test(err.message);
  return known ? err.message : (err.stack ?? err.message);
}

main().catch((err: Error) => {
  process.stderr.write(`sluice local: ${failure(err)}\n`);
  process.exit(1);
});
