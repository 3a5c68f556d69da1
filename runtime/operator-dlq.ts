// GET /admin/dlq (preview) and POST /admin/dlq/redrive: what is in the dead-letter queue, grouped
// by why it failed, and moving only the matching messages back to the main queue, send then
// delete, at a rate and with a random delivery delay. A message sent but not deleted (the run
// died between the two) is moved again by the next run: a duplicate the worker's conditional
// write turns into an ack (invariant 2), so a redrive can always be run again.
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { adminInput, adminQuery } from "./admin-request";
import type { FieldSpec, FieldValues } from "./admin-request";
import type { DeadLetters } from "./dead-letters";
import { DLQ_CATEGORIES, scanDeadLetters } from "./dlq-scan";
import type { DlqFilter, ScanResult } from "./dlq-scan";
import type { EventIndex } from "./event-index";
import type { EventQueue } from "./event-queue";
import { jsonResponse, problemResponse } from "./http-response";
import type { HttpResult } from "./http-response";
import { errorSummary } from "./log";
import type { Logger } from "./log";
import { createPacer, jitterDelaySeconds, MAX_DELAY_SECONDS, PACING_DEFAULTS } from "./pacing";

/** The most messages one redrive run moves (DESIGN §9). */
export const MAX_REDRIVE_PER_RUN = 1000;
export const DEFAULT_PREVIEW_COUNT = 100;
/** The DLQ keeps messages 14 days; no filter needs more. */
const MAX_AGE_SECONDS = 14 * 86400;

export interface DlqDeps {
  dlq: DeadLetters;
  queue: EventQueue;
  index: EventIndex;
  now: () => number;
  random?: () => number;
}

export interface RunContext {
  requestId: string;
  /** Epoch ms the run must be done by (inside API Gateway's 30 s). */
  deadline: number;
  log: Logger;
}

const FILTER_SPEC: Record<string, FieldSpec> = {
  category: { kind: "enum", values: DLQ_CATEGORIES },
  type: { kind: "string" },
  source: { kind: "string" },
  minAgeSeconds: { kind: "int", min: 0, max: MAX_AGE_SECONDS },
};

function filterOf(v: FieldValues): DlqFilter {
  return { category: v.category as string | undefined, type: v.type as string | undefined, source: v.source as string | undefined, minAgeSeconds: v.minAgeSeconds as number | undefined };
}

function stoppedBy(r: ScanResult, limit: number): "count" | "time" | null {
  if (r.exhausted) return null;
  return r.matched >= limit ? "count" : "time";
}

function scanReport(r: ScanResult, limit: number) {
  return { depth: r.depth, scanned: r.scanned, matched: r.matched, complete: r.exhausted, stoppedBy: stoppedBy(r, limit), groups: r.groups };
}

export async function dlqPreview(deps: DlqDeps, event: APIGatewayProxyEventV2, run: RunContext): Promise<HttpResult> {
  const q = adminQuery(event, { ...FILTER_SPEC, count: { kind: "int", min: 1, max: MAX_REDRIVE_PER_RUN } }, run.requestId);
  if (!q.ok) return problemResponse(q.problem);
  const limit = (q.values.count as number | undefined) ?? DEFAULT_PREVIEW_COUNT;
  const r = await scanDeadLetters({ dlq: deps.dlq, index: deps.index, now: deps.now }, { filter: filterOf(q.values), limit, deadline: run.deadline });
  run.log.info("dlq previewed", { scanned: r.scanned, matched: r.matched, complete: r.exhausted });
  return jsonResponse(200, { filter: filterOf(q.values), ...scanReport(r, limit) }, { "cache-control": "no-store" });
}

export async function dlqRedrive(deps: DlqDeps, event: APIGatewayProxyEventV2, run: RunContext): Promise<HttpResult> {
  const input = adminInput(
    event,
    {
      ...FILTER_SPEC,
      count: { kind: "int", min: 1, max: MAX_REDRIVE_PER_RUN },
      ratePerSecond: { kind: "int", min: 1, max: PACING_DEFAULTS.maxRatePerSecond },
      jitterSeconds: { kind: "int", min: 0, max: MAX_DELAY_SECONDS },
      dryRun: { kind: "bool" },
    },
    run.requestId,
  );
  if (!input.ok) return problemResponse(input.problem);
  const v = input.values;
  const filter = filterOf(v);
  const limit = (v.count as number | undefined) ?? MAX_REDRIVE_PER_RUN;
  const rate = (v.ratePerSecond as number | undefined) ?? PACING_DEFAULTS.ratePerSecond;
  const jitter = (v.jitterSeconds as number | undefined) ?? 0;
  const plan = { filter, count: limit, ratePerSecond: rate, jitterSeconds: jitter };
  const scanDeps = { dlq: deps.dlq, index: deps.index, now: deps.now };

  if (v.dryRun === true) {
    const r = await scanDeadLetters(scanDeps, { filter, limit, deadline: run.deadline });
    run.log.info("dlq redrive planned (dry run)", { matched: r.matched, scanned: r.scanned });
    return jsonResponse(200, { dryRun: true, plan, wouldMove: r.matched, estimatedSeconds: Math.ceil(r.matched / rate), ...scanReport(r, limit) });
  }

  const pace = createPacer(rate, deps.now);
  const counts = { moved: 0, sendFailed: 0, notDeleted: 0 };
  const failures: { eventId?: string; reason: string }[] = [];
  const r = await scanDeadLetters(scanDeps, {
    filter,
    limit,
    deadline: run.deadline,
    onMatch: async (s, letter) => {
      await pace();
      // Out of time: the message is given back untouched; the next run takes it.
      if (deps.now() >= run.deadline) return false;
      const delaySeconds = jitterDelaySeconds(jitter, deps.random);
      try {
        await deps.queue.send(letter.body, { delaySeconds });
      } catch (err) {
        counts.sendFailed++;
        if (failures.length < 10) failures.push({ eventId: s.eventId, reason: String((err as Error)?.message ?? err) });
        run.log.error("redrive: send failed, the message stays in the DLQ", { eventId: s.eventId, messageId: s.messageId, ...errorSummary(err) });
        return false;
      }
      counts.moved++;
      try {
        await deps.dlq.remove(letter.receiptHandle);
      } catch (err) {
        // Queued already, and given back to the DLQ with the rest: a rerun moves it again, and the
        // worker's conditional write makes the second copy a duplicate it acks.
        counts.notDeleted++;
        run.log.warn("redrive: sent but not deleted from the DLQ; a rerun sends it again (deduplicated)", { eventId: s.eventId, ...errorSummary(err) });
        return false;
      }
      run.log.info("redrive: message moved", { eventId: s.eventId, messageId: s.messageId, category: s.category, delaySeconds });
      return true;
    },
  });
  run.log.info("dlq redriven", { ...counts, matched: r.matched, scanned: r.scanned, complete: r.exhausted });
  return jsonResponse(200, { dryRun: false, plan, ...counts, failures, ...scanReport(r, limit) });
}
