// What the failure modes (contract/failure-modes.ts) do to the pipeline, at the two places they
// act: the worker, before it stores a record, and the ingest's queue, after a send. Built only
// on stacks where failure modes may apply; elsewhere nothing here runs, and nothing is read.
import { DEFAULT_POISON_CATEGORY, DEFAULT_SLOW_LATENCY_MS, RANDOM_FAIL_PROBABILITY } from "./contract/failure-modes";
import type { EventQueue } from "./event-queue";
import { classifiedError } from "./failure-classes";
import type { CurrentFailureMode } from "./failure-mode-store";
import { errorSummary } from "./log";
import type { Logger } from "./log";

/**
 * Runs in the worker after an event is processed and before it is stored; throws what the mode
 * injects. `deadline` (epoch ms) is the record's: a wait that would outlast it ends there, failed.
 */
export type WorkerFault = (deadline?: number) => Promise<void>;

export function workerFault(current: CurrentFailureMode, random: () => number = Math.random): WorkerFault {
  return async (deadline) => {
    const setting = await current();
    switch (setting?.mode) {
      case "poison_payload": {
        const category = setting.category ?? DEFAULT_POISON_CATEGORY;
        throw classifiedError(category, `failure mode poison_payload: the event fails as ${category}`);
      }
      case "slow_downstream": {
        // A call that answers after the record's deadline has failed it (a TIMEOUT): it must not
        // go on to store the record later, as a late answer from a real downstream would be dropped.
        const latency = setting.latencyMs ?? DEFAULT_SLOW_LATENCY_MS;
        const left = deadline === undefined ? Infinity : deadline - Date.now();
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(latency, left))));
        if (latency >= left) throw classifiedError("TIMEOUT", `failure mode slow_downstream: ${latency} ms is past the record's deadline`);
        return;
      }
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
