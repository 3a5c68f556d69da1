// Command-line parsing into one typed command. Nothing here touches the network or the disk.
import { parseArgs } from "node:util";
import { routeKey } from "../runtime/contract/routes";
import { SOURCE_SECRET_VARIABLE_PREFIX } from "../runtime/contract/sources";
import { MAX_BATCH } from "./send-events";
import { OPS_USAGE } from "./ops-args";
import { UsageError } from "./target";
import { parseWhere, type WhereClause } from "./where";

export const DEFAULT_TYPE = "sluice.demo.user";

export interface CommonOptions {
  url?: string;
  stack?: string;
  outputs?: string;
  /** Print the summary as JSON on stdout. */
  json: boolean;
  /** JSON log lines (retries, requests) on stderr. */
  verbose: boolean;
  /** Retries per request after the first attempt. */
  retries: number;
  /** Per-attempt timeout in ms. */
  timeoutMs: number;
  /** A bearer token for a jwt stack (send, pull, status, verify). */
  token?: string;
  /** Sign requests with SigV4 for an iam stack (send, pull, status). */
  sigv4?: boolean;
}

export interface SendingOptions {
  /** Events per request: 1, or up to 10 with --batch. */
  batchSize: number;
  concurrency: number;
  dryRun: boolean;
}

export type Command =
  | { name: "help"; topic?: string }
  | { name: "version" }
  | { name: "send"; file?: string; common: CommonOptions; sending: SendingOptions }
  | { name: "pull"; from: string; type: string; where: WhereClause[]; source?: string; strict: boolean; common: CommonOptions; sending: SendingOptions }
  | { name: "status"; id: string; common: CommonOptions }
  | { name: "verify"; id: string; secrets: string[]; common: CommonOptions };

export const USAGE = `Usage: sluice <command> [options]

Commands:
  send [FILE|-]             post CloudEvents from NDJSON or a JSON array (file, or stdin with - or none)
  pull --from URL           fetch a JSON list, normalize each record with its type's schema,
                            drop invalid ones, keep those matching --where, and send them
  status ID                 show a stored event (ID is the id the API answered with)
  verify ID [--secret S]…   check a source event's signature again, from its stored raw body and
                            receipt, with the source's secrets (--secret, ${SOURCE_SECRET_VARIABLE_PREFIX}<NAME>,
                            or the stack file with --stack local); exit 0 valid, 1 invalid,
                            3 credentials refused, 4 nothing to verify (not found, not signed)

Target (one of):
  --url URL                 the API base URL (or the SLUICE_URL environment variable)
  --stack NAME              a stack's outputs: "local" reads .sluice/local/outputs.json,
                            any other name runs \`pulumi stack output --json --stack NAME\`
  --outputs FILE            the outputs file for --stack local

Producer auth (send, pull, status, verify), for a stack with sluice:auth set:
  --token TOKEN             send "Authorization: Bearer TOKEN" (auth jwt); or set SLUICE_TOKEN
  --sigv4                   sign each request with SigV4 (auth iam): the local stack's credentials
                            for --stack local, else your AWS credentials (the SDK's default chain)

Sending (send, pull):
  --batch                   ${routeKey("postBatch")}, ${MAX_BATCH} events per request
  --concurrency N           requests in flight at once (default 8)
  --dry-run                 validate locally, send nothing

Pull:
  --from URL                the source list (required)
  --type T                  the CloudEvents type and data schema (default ${DEFAULT_TYPE})
  --where FIELD=VALUE       keep records whose normalized FIELD equals VALUE (repeatable; != too)
  --source S                the CloudEvents source (default the --from URL)
  --strict                  exit non-zero when any record was dropped as invalid

Other:
  --retries N               retries per request after the first attempt (default 5; never for a
                            dlq redrive or replay run: it says what to do instead)
  --timeout MS              per-attempt timeout (default 15000)
  --json                    print the summary as JSON
  --verbose                 JSON log lines on stderr (retries with their delay and cause)
  -h, --help, --version

${OPS_USAGE}
Exit codes: 0 all stored (or valid), 1 something rejected or failed, 2 usage or target error,
3 the API refused the credentials (401 or 403 from its authorizer: no token, a bad or expired
one, a missing scope, an unsigned or wrongly signed request); nothing refused so was stored.
verify: 0 valid, 1 invalid, 2 usage or target error, 3 credentials refused, 4 nothing to verify.
Operations: 0 done as asked, 1 refused, failed or not all done (the summary says what is left),
2 usage or target error (no credentials, no target).
`;

function positiveInt(name: string, raw: string | undefined, fallback: number, min = 1): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${name} expects an integer ≥ ${min}, got ${JSON.stringify(raw)}`);
  return n;
}

/** The target and output options every command takes. */
export function commonOptions(v: { url?: unknown; stack?: unknown; outputs?: unknown; json?: unknown; verbose?: unknown; retries?: unknown; timeout?: unknown }): CommonOptions {
  const text = (x: unknown) => (typeof x === "string" ? x : undefined);
  const common: CommonOptions = {
    url: text(v.url),
    stack: text(v.stack),
    outputs: text(v.outputs),
    json: v.json === true,
    verbose: v.verbose === true,
    retries: positiveInt("--retries", text(v.retries), 5, 0),
    timeoutMs: positiveInt("--timeout", text(v.timeout), 15_000),
  };
  if (common.url && common.stack) throw new UsageError("pass either --url or --stack, not both");
  return common;
}

/** The options every command takes (target, output, retries), for node:util's parseArgs. */
export const COMMON_OPTION_SPECS = {
  url: { type: "string" },
  stack: { type: "string" },
  outputs: { type: "string" },
  json: { type: "boolean", default: false },
  verbose: { type: "boolean", default: false },
  retries: { type: "string" },
  timeout: { type: "string" },
} as const;

export function parseCommand(argv: string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        ...COMMON_OPTION_SPECS,
        batch: { type: "boolean", default: false },
        concurrency: { type: "string" },
        "dry-run": { type: "boolean", default: false },
        from: { type: "string" },
        type: { type: "string" },
        where: { type: "string", multiple: true },
        source: { type: "string" },
        strict: { type: "boolean", default: false },
        token: { type: "string" },
        sigv4: { type: "boolean", default: false },
        secret: { type: "string", multiple: true },
        help: { type: "boolean", short: "h", default: false },
        version: { type: "boolean", default: false },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values: v, positionals } = parsed;
  const [name, ...rest] = positionals;
  if (v.version) return { name: "version" };
  if (v.help || name === undefined || name === "help") return { name: "help", topic: name === "help" ? rest[0] : name };

  const common: CommonOptions = { ...commonOptions(v), token: v.token, sigv4: v.sigv4 === true };
  if (common.token !== undefined && common.sigv4) throw new UsageError("pass either --token or --sigv4, not both");
  const sending: SendingOptions = {
    batchSize: v.batch ? MAX_BATCH : 1,
    concurrency: positiveInt("--concurrency", v.concurrency, 8),
    dryRun: v["dry-run"] ?? false,
  };

  const only = (cmd: string, flags: Array<keyof typeof v>) => {
    for (const f of flags) if (v[f] !== undefined && v[f] !== false) throw new UsageError(`--${String(f)} does not apply to ${cmd}`);
  };

  switch (name) {
    case "send":
      only("send", ["from", "type", "where", "source", "strict", "secret"]);
      if (rest.length > 1) throw new UsageError("send takes at most one FILE (or - for stdin)");
      return { name: "send", file: rest[0], common, sending };
    case "pull": {
      if (rest.length > 0) throw new UsageError(`pull takes no positional arguments, got ${rest.join(" ")}`);
      if (v.secret) throw new UsageError("--secret does not apply to pull");
      if (!v.from) throw new UsageError("pull needs --from URL");
      let where: WhereClause[];
      try {
        where = (v.where ?? []).map(parseWhere);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      return { name: "pull", from: v.from, type: v.type ?? DEFAULT_TYPE, where, source: v.source, strict: v.strict ?? false, common, sending };
    }
    case "status":
      only("status", ["from", "type", "where", "source", "strict", "batch", "concurrency", "dry-run", "secret"]);
      if (rest.length !== 1) throw new UsageError("status takes exactly one ID");
      return { name: "status", id: rest[0], common };
    case "verify":
      only("verify", ["from", "type", "where", "source", "strict", "batch", "concurrency", "dry-run"]);
      if (rest.length !== 1) throw new UsageError("verify takes exactly one ID");
      return { name: "verify", id: rest[0], secrets: v.secret ?? [], common };
    default:
      throw new UsageError(`unknown command ${JSON.stringify(name)}; try sluice --help`);
  }
}
