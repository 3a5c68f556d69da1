// What the failure modes (contract/failure-modes.ts) do to the pipeline, at the two places they
// act: the worker, before it stores a record, and the ingest's queue, after a send. Built only
// on stacks where failure modes may apply; elsewhere nothing here runs, and nothing is read.
import { DEFAULT_POISON_CATEGORY, DEFAULT_SLOW_LATENCY_MS, RANDOM_FAIL_PROBABILITY } from "./contract/failure-modes";
import type { EventQueue } from "./event-queue";
import { classifiedError } from "./failure-classes";
import type { CurrentFailureMode } from "./failure-mode-store";
import { errorSummary } from "./log";
import type { Logger } from "./log";

/** Runs in the worker after an event is processed and before it is stored; throws what the mode injects. */
export type WorkerFault = () => Promise<void>;

export function workerFault(current: CurrentFailureMode, random: () => number = Math.random): WorkerFault {
  return async () => {
    const setting = await current();
    switch (setting?.mode) {
      case "poison_payload": {
        const category = setting.category ?? DEFAULT_POISON_CATEGORY;
        throw classifiedError(category, `failure mode poison_payload: the event fails as ${category}`);
      }
      case "slow_downstream":
        // Past the record's deadline this is a TIMEOUT: the worker's deadline ends the wait.
        await new Promise((resolve) => setTimeout(resolve, setting.latencyMs ?? DEFAULT_SLOW_LATENCY_MS));
        return;
      case "random_fail_p30":
        if (random() < RANDOM_FAIL_PROBABILITY) throw classifiedError("TRANSIENT", "failure mode random_fail_p30: a transient failure");
        return;
      default:
        return;
    }
  };
}

/**
 * The queue, sending each accepted event a second time while `duplicate_submit` is on. The second
 * send is best effort: the event was queued already, so its failure is logged and changes nothing.
 */
export function withDuplicateSubmit(queue: EventQueue, current: CurrentFailureMode, log: Logger): EventQueue {
  const duplicating = async () => (await current())?.mode === "duplicate_submit";
  return {
    async send(body, opts) {
      await queue.send(body, opts);
      if (!(await duplicating())) return;
      await queue.send(body, opts).catch((err) => log.warn("failure mode duplicate_submit: the second send failed", errorSummary(err)));
    },
    async sendBatch(entries) {
      const failures = await queue.sendBatch(entries);
      if (!(await duplicating())) return failures;
      const failed = new Set(failures.map((f) => f.entryId));
      const again = await queue.sendBatch(entries.filter((e) => !failed.has(e.entryId)));
      if (again.length > 0) log.warn("failure mode duplicate_submit: some second sends failed", { failed: again.length });
      return failures;
    },
  };
}
