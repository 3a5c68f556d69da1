// The note a retried failure leaves on its event's record (one small update per failed attempt,
// never on the success path), so the DLQ preview can group what is there by why it failed. Best
// effort and short: a note that fails or takes too long changes nothing about the record's fate.
import { withDeadline } from "./deadline";
import type { EventStore } from "./event-store";
import type { FailureCategory } from "./failure-classes";
import { errorSummary } from "./log";
import type { Logger } from "./log";
import type { QueueMessage } from "./queue-message";

/** The longest a note may hold up the batch: it runs inside the margin left for reporting back. */
export const RETRY_NOTE_DEADLINE_MS = 500;

export async function noteRetriedFailure(store: EventStore, m: QueueMessage, failure: { category: FailureCategory; reason: string }, log: Logger): Promise<void> {
  try {
    const noted = await withDeadline(store.noteRetry(m.id, m.payloadHash, failure), RETRY_NOTE_DEADLINE_MS, () => "late" as const);
    if (noted === "late") log.warn("the retried failure was not noted in time", { category: failure.category });
    else if (!noted) log.debug("no record to note the retried failure on", { category: failure.category });
  } catch (err) {
    log.warn("could not note the retried failure", { category: failure.category, ...errorSummary(err) });
  }
}
