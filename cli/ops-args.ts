// Command-line parsing for the operations commands (events ls, dlq ls|redrive, replay,
// failure-mode show|set) into one typed command. Nothing here touches the network or the disk.
import { parseArgs } from "node:util";
import { FAILURE_MODE_NAMES, POISON_CATEGORIES } from "../runtime/contract/failure-modes";
import { COMMON_OPTION_SPECS, type CommonOptions } from "./args";
import { UsageError } from "./target";

export const OPS_COMMANDS = ["events", "dlq", "replay", "failure-mode"] as const;

/** Filters of a listing or a replay, as the API names them. */
export interface Selection {
  source?: string;
  since?: string;
  until?: string;
  status?: string;
  category?: string;
  type?: string;
}

export interface DlqFilters {
  category?: string;
  type?: string;
  source?: string;
  minAgeSeconds?: number;
}

export interface Pacing {
  /** Most messages this invocation moves in all (several runs of at most 1,000 each). */
  count: number;
  ratePerSecond?: number;
  jitterSeconds?: number;
  dryRun: boolean;
}

export type OpsCommand =
  | { name: "events-ls"; selection: Selection; limit: number; all: boolean; common: CommonOptions }
  | { name: "dlq-ls"; filters: DlqFilters; count?: number; common: CommonOptions }
  | { name: "dlq-redrive"; filters: DlqFilters; pacing: Pacing; common: CommonOptions }
  | { name: "replay"; selection: Selection; pacing: Pacing; common: CommonOptions }
  | { name: "failure-mode-show"; common: CommonOptions }
  | { name: "failure-mode-set"; mode: string; category?: string; latencyMs?: number; common: CommonOptions };

export const OPS_USAGE = `Operations (docs/runbooks/; the admin routes are IAM only: SigV4 with your AWS credentials,
or the local stack's operator credentials with --stack local):
  events ls                 stored events by --source and time (--since, --until), or failed ones
                            (--status failed, --category C); --type T; --limit N (default 50), --all
  dlq ls                    what the dead-letter queue holds, grouped by category, type and source,
                            without consuming it; --category, --type, --source, --min-age 10m, --count N
  dlq redrive               move the matching DLQ messages back to the main queue (same filters);
                            --count N (default 1000), --rate N per second (default 50),
                            --jitter 300s (per-message delay, up to 900 s), --dry-run prints the plan
  replay                    re-enqueue stored events: --status failed (default) or processed, with
                            --source, --since, --until, --category, --type; --count, --rate, --jitter,
                            --dry-run as for a redrive
  failure-mode show         the stack's failure mode (non-prod stacks only)
  failure-mode set MODE     ${FAILURE_MODE_NAMES.join(", ")};
                            poison_payload --category ${POISON_CATEGORIES.join("|")}; slow_downstream --latency-ms N
`;

/** `90`, `90s`, `15m`, `2h`, `1d` → seconds. */
export function parseDuration(flag: string, raw: string): number {
  const m = /^(\d+)(s|m|h|d)?$/.exec(raw.trim());
  if (!m) throw new UsageError(`${flag} expects a duration like 90s, 15m, 2h or 1d, got ${JSON.stringify(raw)}`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[(m[2] ?? "s") as "s" | "m" | "h" | "d"];
}

function int(flag: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) throw new UsageError(`${flag} expects an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return n;
}

// A function, not a constant: args.ts and this module import each other, so COMMON_OPTION_SPECS is
// not there yet while this module loads.
const opsOptionSpecs = () => ({
  ...COMMON_OPTION_SPECS,
  source: { type: "string" },
  since: { type: "string" },
  until: { type: "string" },
  status: { type: "string" },
  category: { type: "string" },
  type: { type: "string" },
  limit: { type: "string" },
  all: { type: "boolean", default: false },
  "min-age": { type: "string" },
  count: { type: "string" },
  rate: { type: "string" },
  jitter: { type: "string" },
  "latency-ms": { type: "string" },
  "dry-run": { type: "boolean", default: false },
}) as const;

/** Parses an operations command, or returns undefined when `argv` is not one. */
export function parseOpsCommand(argv: string[], commonOf: (v: Record<string, unknown>) => CommonOptions): OpsCommand | undefined {
  // The command is the first positional once the options have taken their values (`--stack local
  // dlq ls`: `local` is a value). Leniently here: another command's options are not known to us.
  const name = parseArgs({ args: argv, allowPositionals: true, strict: false, options: opsOptionSpecs() }).positionals[0];
  if (!name || !(OPS_COMMANDS as readonly string[]).includes(name)) return undefined;
  // Help is the main parser's: it prints the one usage text, operations included.
  if (argv.some((a) => a === "-h" || a === "--help" || a === "--version")) return undefined;
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: opsOptionSpecs() });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  const [, sub, ...rest] = parsed.positionals;
  const common = commonOf(v);
  const allowed = (cmd: string, flags: string[]) => {
    const own = [...Object.keys(COMMON_OPTION_SPECS), ...flags];
    for (const [k, value] of Object.entries(v)) if (!own.includes(k) && value !== undefined && value !== false) throw new UsageError(`--${k} does not apply to ${cmd}`);
  };
  const selection = (): Selection => ({ source: v.source, since: v.since, until: v.until, status: v.status, category: v.category, type: v.type });
  const filters = (): DlqFilters => ({ category: v.category, type: v.type, source: v.source, minAgeSeconds: v["min-age"] === undefined ? undefined : parseDuration("--min-age", v["min-age"]) });
  const pacing = (): Pacing => ({
    count: int("--count", v.count, 1, 100_000) ?? 1000,
    ratePerSecond: int("--rate", v.rate, 1, 1000),
    jitterSeconds: v.jitter === undefined ? undefined : Math.min(parseDuration("--jitter", v.jitter), 900),
    dryRun: v["dry-run"] ?? false,
  });
  if (v.jitter !== undefined && parseDuration("--jitter", v.jitter) > 900) throw new UsageError("--jitter is at most 900s (SQS's longest message delay)");
  const noMore = (cmd: string, args: string[]) => {
    if (args.length > 0) throw new UsageError(`${cmd} takes no more arguments, got ${args.join(" ")}`);
  };

  switch (name) {
    case "events":
      if (sub !== "ls") throw new UsageError("events has one subcommand: sluice events ls");
      noMore("events ls", rest);
      allowed("events ls", ["source", "since", "until", "status", "category", "type", "limit", "all"]);
      return { name: "events-ls", selection: selection(), limit: int("--limit", v.limit, 1, 1_000_000) ?? 50, all: v.all ?? false, common };
    case "dlq":
      if (sub === "ls") {
        noMore("dlq ls", rest);
        allowed("dlq ls", ["category", "type", "source", "min-age", "count"]);
        return { name: "dlq-ls", filters: filters(), count: int("--count", v.count, 1, 1000), common };
      }
      if (sub === "redrive") {
        noMore("dlq redrive", rest);
        allowed("dlq redrive", ["category", "type", "source", "min-age", "count", "rate", "jitter", "dry-run"]);
        return { name: "dlq-redrive", filters: filters(), pacing: pacing(), common };
      }
      throw new UsageError("dlq has two subcommands: sluice dlq ls, sluice dlq redrive");
    case "replay":
      if (sub !== undefined) throw new UsageError(`replay takes no positional arguments, got ${[sub, ...rest].join(" ")}`);
      allowed("replay", ["source", "since", "until", "status", "category", "type", "count", "rate", "jitter", "dry-run"]);
      return { name: "replay", selection: selection(), pacing: pacing(), common };
    default: {
      if (sub === "show") {
        noMore("failure-mode show", rest);
        allowed("failure-mode show", []);
        return { name: "failure-mode-show", common };
      }
      if (sub === "set") {
        const [mode, ...extra] = rest;
        if (!mode) throw new UsageError(`failure-mode set needs a MODE: ${FAILURE_MODE_NAMES.join(", ")}`);
        noMore("failure-mode set MODE", extra);
        allowed("failure-mode set", ["category", "latency-ms"]);
        return { name: "failure-mode-set", mode, category: v.category, latencyMs: int("--latency-ms", v["latency-ms"], 1, 900_000), common };
      }
      throw new UsageError("failure-mode has two subcommands: sluice failure-mode show, sluice failure-mode set MODE");
    }
  }
}
