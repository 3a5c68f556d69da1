// The `npm start` command line, parsed strictly: an unknown or malformed flag is an error the user
// sees (exit 2), never silently ignored.

export interface StartArgs {
  stack: string;
  port: number;
  dataDir: string;
  outputsFile: string;
  help: boolean;
}

export class UsageError extends Error {}

export const USAGE = `usage: npm start -- [--stack dev|prod] [--port N] [--data-dir DIR] [--outputs FILE]

  --stack NAME      stack config to run: Pulumi.yaml defaults + Pulumi.NAME.yaml (default dev)
  --port N          port of the local HTTP API; 0 picks a free one (default 3210)
  --data-dir DIR    where tables and undelivered messages persist (default .sluice/local/data)
  --outputs FILE    where the stack outputs go, as \`pulumi stack output --json\` prints them,
                    once the stack takes requests (default .sluice/local/outputs.json)
  -h, --help        this help`;

export function parseStartArgs(argv: string[], defaults: Omit<StartArgs, "help">, knownStacks: string[]): StartArgs {
  const out: StartArgs = { ...defaults, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "-h" || arg === "--help") {
      out.help = true;
      continue;
    }
    const eq = arg.indexOf("=");
    const flag = arg.startsWith("--") && eq !== -1 ? arg.slice(0, eq) : arg;
    if (!["--stack", "--port", "--data-dir", "--outputs"].includes(flag)) throw new UsageError(`unknown option ${JSON.stringify(arg)}`);
    const value = eq !== -1 && arg.startsWith("--") ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === "" || (eq === -1 && value.startsWith("--"))) throw new UsageError(`${flag} needs a value`);
    switch (flag) {
      case "--stack":
        if (!knownStacks.includes(value)) throw new UsageError(`unknown stack ${JSON.stringify(value)} (known: ${knownStacks.join(", ")})`);
        out.stack = value;
        break;
      case "--port": {
        if (!/^\d+$/.test(value) || Number(value) > 65535) throw new UsageError(`--port must be an integer from 0 to 65535, got ${JSON.stringify(value)}`);
        out.port = Number(value);
        break;
      }
      case "--data-dir":
        out.dataDir = value;
        break;
      case "--outputs":
        out.outputsFile = value;
        break;
    }
  }
  return out;
}
