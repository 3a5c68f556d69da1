// The operations commands against a stack: events ls (GET /events, paged), dlq ls (the preview),
// dlq redrive and replay (as many runs of at most 1,000 as the count asks, with progress on a
// terminal and a summary), failure-mode show|set. Exit codes: 0 done as asked, 1 refused, failed
// or not all done, 2 usage or target error.
import { routeIsIamOnly, routePath } from "../runtime/contract/routes";
import { adminRequest, resolveAdminTarget, type AdminAnswer, type AdminTarget } from "./admin-client";
import type { CommonOptions } from "./args";
import { createClient } from "./http-client";
import { createLogger } from "./log";
import type { OpsCommand } from "./ops-args";
import { dlqGroupsTable, eventsTable, mergeGroups, replayGroupsTable } from "./ops-render";

export interface OpsIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** The most one run (one request) of a redrive or a replay does. */
const PER_RUN = 1000;

function clientFor(common: CommonOptions, io: OpsIo) {
  return createClient({ retries: common.retries, timeoutMs: Math.max(common.timeoutMs, 35_000), log: createLogger(common.verbose, io.stderr) });
}

function refused(io: OpsIo, what: string, a: AdminAnswer, advice?: string): number {
  io.stderr.write(`sluice: ${what}: ${a.reason ?? `HTTP ${a.status}`}\n`);
  // A run that failed on the server's side or got no answer is not retried (it may have sent part of its work).
  if (advice && (a.status === 0 || a.status >= 500)) io.stderr.write(`sluice: not retried automatically: ${advice}\n`);
  return 1;
}

/** What to do after a redrive run failed midway: moving a message twice stores it once. */
const REDRIVE_ADVICE = "it may have moved some messages first; running the same command again is safe (a message moved twice is stored once)";
/** After a replay run failed midway: a rerun is a new replay, which stores its events again. */
const REPLAY_ADVICE = "it may have queued some events first; running the same command again re-sends them (each is stored again, its attempts adding up): check with `sluice events ls` first";

/** A progress line on a terminal (one per run), or a JSON log line with --verbose. */
function progress(io: OpsIo, common: CommonOptions, text: string, fields: Record<string, unknown>): void {
  if (common.verbose) createLogger(true, io.stderr).info(text, fields);
  else if (io.stderr.isTTY === true && !common.json) io.stderr.write(`${text}\n`);
}

async function eventsLs(cmd: Extract<OpsCommand, { name: "events-ls" }>, io: OpsIo): Promise<number> {
  const target = await resolveAdminTarget(cmd.common, io);
  const client = clientFor(cmd.common, io);
  const items: Record<string, any>[] = [];
  let cursor: string | undefined;
  do {
    const want = cmd.all ? 100 : Math.min(100, cmd.limit - items.length);
    const a = await adminRequest(client, target, { method: "GET", path: routePath("listEvents"), query: { ...cmd.selection, limit: want, cursor }, signed: routeIsIamOnly("listEvents") });
    if (a.status !== 200) return refused(io, "events ls", a);
    items.push(...(a.body.items ?? []));
    cursor = a.body.nextCursor;
    if (cursor) progress(io, cmd.common, `… ${items.length} events so far`, { listed: items.length });
  } while (cursor && (cmd.all || items.length < cmd.limit));
  const shown = cmd.all ? items : items.slice(0, cmd.limit);
  if (cmd.common.json) io.stdout.write(`${JSON.stringify({ items: shown, ...(cursor ? { nextCursor: cursor } : {}) })}\n`);
  else {
    io.stdout.write(eventsTable(shown));
    io.stdout.write(`${shown.length} event${shown.length === 1 ? "" : "s"}${cursor ? " (more: --limit N or --all)" : ""}\n`);
  }
  return 0;
}

function dlqQuery(f: Extract<OpsCommand, { name: "dlq-ls" | "dlq-redrive" }>["filters"]) {
  return { category: f.category, type: f.type, source: f.source, minAgeSeconds: f.minAgeSeconds };
}

async function dlqLs(cmd: Extract<OpsCommand, { name: "dlq-ls" }>, io: OpsIo): Promise<number> {
  const target = await resolveAdminTarget(cmd.common, io);
  const a = await adminRequest(clientFor(cmd.common, io), target, { method: "GET", path: routePath("dlqPreview"), query: { ...dlqQuery(cmd.filters), count: cmd.count }, signed: true });
  if (a.status !== 200) return refused(io, "dlq ls", a);
  const b = a.body;
  if (cmd.common.json) {
    io.stdout.write(`${JSON.stringify(b)}\n`);
    return 0;
  }
  io.stdout.write(`dead-letter queue: ${b.depth.visible} visible, ${b.depth.inFlight} in flight; looked at ${b.scanned}, ${b.matched} matching${b.complete ? "" : ` (stopped by ${b.stoppedBy}: there may be more)`}\n`);
  io.stdout.write(dlqGroupsTable(b.groups));
  return 0;
}

const dlqGroupKey = (g: Record<string, any>) => JSON.stringify([g.category, g.type, g.source]);
const replayGroupKey = (g: Record<string, any>) => JSON.stringify([g.status, g.category, g.type, g.source]);

async function dlqRedrive(cmd: Extract<OpsCommand, { name: "dlq-redrive" }>, io: OpsIo): Promise<number> {
  const target = await resolveAdminTarget(cmd.common, io);
  const client = clientFor(cmd.common, io);
  const p = cmd.pacing;
  const run = (count: number) =>
    adminRequest(client, target, {
      method: "POST",
      path: routePath("dlqRedrive"),
      body: { ...dlqQuery(cmd.filters), count, ratePerSecond: p.ratePerSecond, jitterSeconds: p.jitterSeconds, dryRun: p.dryRun || undefined },
      signed: true,
    });
  if (p.dryRun) {
    const a = await run(Math.min(p.count, PER_RUN));
    if (a.status !== 200) return refused(io, "dlq redrive --dry-run", a, "a dry run moves nothing: run it again");
    if (cmd.common.json) io.stdout.write(`${JSON.stringify(a.body)}\n`);
    else {
      io.stdout.write(`dry run: would move ${a.body.wouldMove} of ${a.body.depth.visible} visible messages, about ${a.body.estimatedSeconds} s at ${a.body.plan.ratePerSecond}/s${a.body.complete ? "" : " (more may match: the plan stopped early)"}\n`);
      io.stdout.write(dlqGroupsTable(a.body.groups));
    }
    return 0;
  }
  const totals = { moved: 0, sendFailed: 0, notDeleted: 0, runs: 0 };
  let groups: Record<string, any>[] = [];
  let last: any;
  for (;;) {
    const a = await run(Math.min(PER_RUN, p.count - totals.moved));
    if (a.status !== 200) {
      refused(io, `dlq redrive (after ${totals.moved} moved)`, a, REDRIVE_ADVICE);
      return summarizeRedrive(cmd, io, totals, groups, last, false);
    }
    last = a.body;
    totals.runs++;
    totals.moved += last.moved;
    totals.sendFailed += last.sendFailed;
    totals.notDeleted += last.notDeleted;
    groups = mergeGroups(groups, last.groups, dlqGroupKey);
    progress(io, cmd.common, `run ${totals.runs}: moved ${last.moved} (${totals.moved} in all)`, { run: totals.runs, moved: last.moved, total: totals.moved });
    // Done when the DLQ had nothing more to match, or the count is reached; a run that moved nothing stops too.
    if (last.complete || totals.moved >= p.count || last.moved === 0) break;
  }
  return summarizeRedrive(cmd, io, totals, groups, last, true);
}

function summarizeRedrive(cmd: Extract<OpsCommand, { name: "dlq-redrive" }>, io: OpsIo, totals: Record<string, number>, groups: Record<string, any>[], last: any, finished: boolean): number {
  const allDone = finished && totals.sendFailed === 0 && (last?.complete || totals.moved >= cmd.pacing.count);
  if (cmd.common.json) io.stdout.write(`${JSON.stringify({ ...totals, complete: Boolean(last?.complete), groups })}\n`);
  else {
    io.stdout.write(`dlq redrive: ${totals.moved} moved in ${totals.runs} run${totals.runs === 1 ? "" : "s"}, ${totals.sendFailed} failed to send, ${totals.notDeleted} sent but not deleted (a rerun dedupes them)\n`);
    io.stdout.write(dlqGroupsTable(groups));
    if (!allDone) io.stdout.write("not everything matching was moved: run the same command again (it is safe to)\n");
  }
  return allDone ? 0 : 1;
}

async function replay(cmd: Extract<OpsCommand, { name: "replay" }>, io: OpsIo): Promise<number> {
  const target = await resolveAdminTarget(cmd.common, io);
  const client = clientFor(cmd.common, io);
  const p = cmd.pacing;
  const totals = { replayed: 0, skipped: 0, sendFailed: 0, selected: 0, runs: 0 };
  let groups: Record<string, any>[] = [];
  let cursor: string | undefined;
  let complete = false;
  for (;;) {
    const a = await adminRequest(client, target, {
      method: "POST",
      path: routePath("replay"),
      body: { ...cmd.selection, count: Math.min(PER_RUN, p.count - totals.selected), ratePerSecond: p.ratePerSecond, jitterSeconds: p.jitterSeconds, dryRun: p.dryRun || undefined, cursor },
      signed: true,
    });
    if (a.status !== 200) {
      refused(io, `replay (after ${totals.replayed} replayed)`, a, p.dryRun ? "a dry run sends nothing: run it again" : REPLAY_ADVICE);
      return 1;
    }
    const b = a.body;
    totals.runs++;
    totals.selected += b.selected;
    totals.replayed += b.replayed ?? 0;
    totals.skipped += b.skipped ?? 0;
    totals.sendFailed += b.sendFailed ?? 0;
    groups = mergeGroups(groups, b.groups, replayGroupKey);
    cursor = b.nextCursor;
    complete = b.complete;
    progress(io, cmd.common, `run ${totals.runs}: ${p.dryRun ? "would replay" : "replayed"} ${p.dryRun ? b.wouldReplay : b.replayed} (${p.dryRun ? totals.selected : totals.replayed} in all)`, { run: totals.runs, ...totals });
    if (complete || !cursor || totals.selected >= p.count) break;
  }
  if (cmd.common.json) io.stdout.write(`${JSON.stringify({ dryRun: p.dryRun, ...totals, complete, groups, ...(cursor && !complete ? { nextCursor: cursor } : {}) })}\n`);
  else {
    io.stdout.write(
      p.dryRun
        ? `dry run: would replay ${totals.selected} stored events${complete ? "" : ` (the first ${totals.selected}: --count for more)`}\n`
        : `replay: ${totals.replayed} events queued again in ${totals.runs} run${totals.runs === 1 ? "" : "s"}, ${totals.skipped} skipped (never stored whole), ${totals.sendFailed} failed to send\n`,
    );
    io.stdout.write(replayGroupsTable(groups));
  }
  return p.dryRun || (totals.sendFailed === 0 && totals.skipped === 0) ? 0 : 1;
}

async function failureMode(cmd: Extract<OpsCommand, { name: "failure-mode-show" | "failure-mode-set" }>, io: OpsIo): Promise<number> {
  const target: AdminTarget = await resolveAdminTarget(cmd.common, io);
  const client = clientFor(cmd.common, io);
  const a =
    cmd.name === "failure-mode-show"
      ? await adminRequest(client, target, { method: "GET", path: routePath("getFailureMode"), signed: true })
      : await adminRequest(client, target, { method: "PUT", path: routePath("setFailureMode"), body: { mode: cmd.mode, category: cmd.category, latencyMs: cmd.latencyMs }, signed: true });
  if (a.status !== 200) return refused(io, cmd.name === "failure-mode-show" ? "failure-mode show" : "failure-mode set", a);
  const b = a.body;
  if (cmd.common.json) io.stdout.write(`${JSON.stringify(b)}\n`);
  else {
    const params = [b.category ? `category ${b.category}` : "", b.latencyMs ? `latency ${b.latencyMs} ms` : ""].filter(Boolean).join(", ");
    io.stdout.write(`failure mode: ${b.mode}${params ? ` (${params})` : ""}${b.available === false ? " — failure modes are off on this stack" : ""}\n`);
    io.stdout.write(`  ${b.effect}\n`);
    if (b.setAt) io.stdout.write(`  set ${b.setAt}${b.setBy ? ` by ${b.setBy}` : ""}\n`);
    if (b.honouredBy) io.stdout.write(`  every function instance acts on it by ${b.honouredBy} (within ${b.refreshSeconds} s)\n`);
  }
  return 0;
}

export async function executeOps(cmd: OpsCommand, io: OpsIo): Promise<number> {
  switch (cmd.name) {
    case "events-ls":
      return eventsLs(cmd, io);
    case "dlq-ls":
      return dlqLs(cmd, io);
    case "dlq-redrive":
      return dlqRedrive(cmd, io);
    case "replay":
      return replay(cmd, io);
    default:
      return failureMode(cmd, io);
  }
}
