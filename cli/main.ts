// The `sluice` command: parse, resolve the target, run the subcommand, print, pick the exit code.
import { commonOptions, parseCommand, USAGE, type CommonOptions, type Command } from "./args";
import { executeOps } from "./ops";
import { parseOpsCommand } from "./ops-args";
import { createClient } from "./http-client";
import { parseRows, readSource } from "./input";
import { createLogger } from "./log";
import type { ItemResult } from "./outcome";
import { dryRun, prepareRows } from "./prepare";
import { createProgress } from "./progress";
import { defaultSource, fetchRecords, planPull, SourceError } from "./pull";
import { sendEvents, type PreparedEvent } from "./send-events";
import { prettyJson } from "./pretty-json";
import { requestAuthorizer } from "./producer-auth";
import { fetchStatus } from "./status";
import { exitOf, fetchForVerify, renderVerdict, secretsFor, VERIFY_EXIT, verifyStored } from "./verify";
import { localStackConfig } from "./local-config";
import { exitCode, refusedCredentials, renderSummary, summarize, type Dropped, type Summary } from "./summary";
import { resolveTarget, UsageError } from "./target";

export interface Io {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

const defaultIo = (): Io => ({ stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });

function clientFor(common: CommonOptions, io: Io) {
  return createClient({ retries: common.retries, timeoutMs: common.timeoutMs, log: createLogger(common.verbose, io.stderr), authorize: requestAuthorizer(common, io) });
}

function target(common: CommonOptions, io: Io): Promise<string> {
  return resolveTarget({ url: common.url, stack: common.stack, outputs: common.outputs, cwd: io.cwd, env: io.env });
}

interface Delivery {
  command: string;
  common: CommonOptions;
  sending: { batchSize: number; concurrency: number; dryRun: boolean };
  events: PreparedEvent[];
  localRejects: ItemResult[];
  dropped?: Dropped[];
  filtered?: number;
  strict?: boolean;
}

async function deliver(d: Delivery, io: Io): Promise<number> {
  let results: ItemResult[];
  let url: string | undefined;
  if (d.sending.dryRun) {
    results = dryRun(d.events);
  } else {
    url = await target(d.common, io);
    const client = clientFor(d.common, io);
    const progress = createProgress(d.events.length, io.stderr, io.stderr.isTTY === true && !d.common.json && !d.common.verbose);
    const finished: ItemResult[] = [];
    // Stopping halfway is safe (every key is stable), so say what was done and that a rerun finishes it.
    const onInterrupt = () => {
      progress.done();
      report(d, io, finished, url, true);
      io.stderr.write(`sluice: interrupted after ${finished.length} of ${d.events.length} events; rerun the same input to finish (what was stored comes back as replayed)\n`);
      process.exit(130);
    };
    process.once("SIGINT", onInterrupt);
    try {
      const onResult = (r: ItemResult) => {
        finished.push(r);
        progress.tick(r);
      };
      results = await sendEvents(client, url, d.events, { batchSize: d.sending.batchSize, concurrency: d.sending.concurrency, onResult });
    } finally {
      process.off("SIGINT", onInterrupt);
    }
    progress.done();
  }
  return exitCode(report(d, io, results, url, false), d.strict);
}

function report(d: Delivery, io: Io, results: ItemResult[], url: string | undefined, interrupted: boolean): Summary {
  const summary = summarize(d.command, [...d.localRejects, ...results], { target: url, dryRun: d.sending.dryRun, filtered: d.filtered, droppedRecords: d.dropped, interrupted });
  io.stdout.write(d.common.json ? `${JSON.stringify(summary)}\n` : renderSummary(summary));
  return summary;
}

async function execute(cmd: Command, io: Io): Promise<number> {
  switch (cmd.name) {
    case "help":
      io.stdout.write(USAGE);
      return 0;
    case "version":
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      io.stdout.write(`${(require("../package.json") as { version: string }).version}\n`);
      return 0;
    case "send": {
      if ((cmd.file === undefined || cmd.file === "-") && (io.stdin as { isTTY?: boolean }).isTTY) {
        // Waiting silently for a terminal to type NDJSON looks like a hang.
        throw new UsageError("send reads events from stdin: pass FILE, or pipe NDJSON or a JSON array into it");
      }
      const rows = parseRows(await readSource(cmd.file, io.stdin).catch((err: Error) => {
        throw new UsageError(`cannot read ${cmd.file ?? "stdin"}: ${err.message}`);
      }));
      const { events, rejected } = prepareRows(rows);
      return deliver({ command: "send", common: cmd.common, sending: cmd.sending, events, localRejects: rejected }, io);
    }
    case "pull": {
      const client = clientFor(cmd.common, io);
      const records = await fetchRecords(client, cmd.from);
      const plan = planPull(records, { type: cmd.type, where: cmd.where, source: cmd.source ?? defaultSource(cmd.from) });
      return deliver(
        { command: "pull", common: cmd.common, sending: cmd.sending, events: plan.events, localRejects: [], dropped: plan.dropped, filtered: plan.filtered, strict: cmd.strict },
        io,
      );
    }
    case "status": {
      const url = await target(cmd.common, io);
      const answer = await fetchStatus(clientFor(cmd.common, io), url, cmd.id);
      if (answer.found) {
        io.stdout.write(`${cmd.common.json ? answer.text : prettyJson(answer.text)}\n`);
        return 0;
      }
      if (cmd.common.json) io.stdout.write(`${JSON.stringify({ id: cmd.id, httpStatus: answer.httpStatus, reason: answer.reason })}\n`);
      io.stderr.write(`sluice: ${cmd.id}: ${answer.httpStatus === 404 ? "not found" : answer.reason}\n`);
      return refusedCredentials(answer.httpStatus) ? 3 : 1;
    }
    case "verify": {
      const url = await target(cmd.common, io);
      const stored = await fetchForVerify(clientFor(cmd.common, io), url, cmd.id);
      if ("missing" in stored) {
        if (cmd.common.json) io.stdout.write(`${JSON.stringify({ verdict: "unverifiable", id: cmd.id, reason: stored.missing })}\n`);
        io.stderr.write(`sluice: ${cmd.id}: ${stored.missing}\n`);
        return refusedCredentials(stored.httpStatus) ? VERIFY_EXIT.refused : VERIFY_EXIT.unverifiable;
      }
      const stackConfig = cmd.common.stack === "local" ? () => localStackConfig({ outputs: cmd.common.outputs, cwd: io.cwd }) : undefined;
      const verdict = verifyStored(stored, (source) => secretsFor(source, { flags: cmd.secrets, env: io.env, stackConfig }));
      io.stdout.write(cmd.common.json ? `${JSON.stringify(verdict)}\n` : renderVerdict(verdict));
      return exitOf(verdict);
    }
  }
}

/**
 * Runs the CLI and returns its exit code: 0 ok, 1 something rejected or failed (or not all done;
 * verify: invalid), 2 usage or target error, 3 credentials refused, 4 (verify) nothing to verify.
 */
export async function run(argv: string[], io: Io = defaultIo()): Promise<number> {
  try {
    const ops = parseOpsCommand(argv, commonOptions);
    return ops ? await executeOps(ops, io) : await execute(parseCommand(argv), io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`sluice: ${err.message}\n`);
      return 2;
    }
    if (err instanceof SourceError) {
      io.stderr.write(`sluice: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

if (require.main === module) {
  run(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`sluice: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 2;
    },
  );
}
