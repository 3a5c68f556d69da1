// The `npm start` command line, parsed strictly: an unknown or malformed flag is an error the user
// sees (exit 2), never silently ignored.
import { ChaosSpecError, parseChaosRule } from "./aws/chaos-spec";
import { qualifiedConfigKey } from "./program/stack-config";

export interface StartArgs {
  stack: string;
  port: number;
  dataDir: string;
  outputsFile: string;
  /** Config overrides from --config, keyed like `sluice:batchSize`; absent when none is given. */
  config?: Record<string, string>;
  /** Fault rules from --chaos (aws/chaos-spec.ts), as written; absent when none is given. */
  chaos?: string[];
  help: boolean;
}

export class UsageError extends Error {}

export const USAGE = `usage: npm start -- [--stack dev|prod] [--port N] [--data-dir DIR] [--outputs FILE] [--config KEY=VALUE]… [--chaos SPEC]…

  --stack NAME        stack config to run: Pulumi.yaml defaults + Pulumi.NAME.yaml (default dev)
  --port N            port of the local HTTP API; 0 picks a free one (default 3210)
  --data-dir DIR      where tables and undelivered messages persist (default .sluice/local/data)
  --outputs FILE      where the stack outputs go, as \`pulumi stack output --json\` prints them, plus
                      the local DynamoDB, SQS and control endpoints under "localEndpoints", once
                      the stack takes requests (default .sluice/local/outputs.json)
  --config KEY=VALUE  overrides one config value of the stack for this run, like
                      \`pulumi config set\` would (KEY without a namespace is sluice:KEY); repeatable
  --chaos SPEC        injects a fault into the local DynamoDB or SQS, as SERVICE:OPERATION=FAULT
                      (SERVICE dynamodb, sqs or *; OPERATION an API action or *; FAULT one of
                      error:RATE, throttle:RATE, latency:DURATION[@RATE], hang:DURATION[@RATE]),
                      e.g. sqs:SendMessage=error:0.3 or dynamodb:*=latency:200ms; repeatable;
                      change it while running with PUT/DELETE on the control endpoint's /chaos
  -h, --help          this help`;

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
    if (!["--stack", "--port", "--data-dir", "--outputs", "--config", "--chaos"].includes(flag)) throw new UsageError(`unknown option ${JSON.stringify(arg)}`);
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
      case "--config": {
        const sep = value.indexOf("=");
        if (sep <= 0) throw new UsageError(`--config takes KEY=VALUE, got ${JSON.stringify(value)}`);
        out.config = { ...out.config, [qualifiedConfigKey(value.slice(0, sep))]: value.slice(sep + 1) };
        break;
      }
      case "--chaos":
        try {
          parseChaosRule(value);
        } catch (err) {
          if (err instanceof ChaosSpecError) throw new UsageError(`--chaos ${err.message}`);
          throw err;
        }
        out.chaos = [...(out.chaos ?? []), value];
        break;
    }
  }
  return out;
}
