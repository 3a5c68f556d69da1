// What the worker does to an event beyond storing it. Today that is only the non-prod
// `sluice.test.fault` type, whose `data.mode` fails on purpose so the failure paths can be proven.
import { TEST_FAULT_TYPE } from "./event-types";
import type { EventTypeRegistry } from "./event-types";
import { classifiedError } from "./failure-classes";

/** `text` is the event's JSON as accepted (validated: its depth is bounded). */
export async function processEvent(event: { type: string; text: string }, registry: EventTypeRegistry): Promise<void> {
  // Without SLUICE_TEST_EVENTS the type is not registered and the event is just data.
  if (event.type !== TEST_FAULT_TYPE || !registry.has(TEST_FAULT_TYPE)) return;
  const mode = (JSON.parse(event.text) as { data?: { mode?: string } }).data?.mode;
  switch (mode) {
    case "permanent":
      throw classifiedError("PERMANENT", "test fault: permanent");
    case "validation":
      throw classifiedError("VALIDATION", "test fault: validation");
    case "transient":
      throw classifiedError("TRANSIENT", "test fault: transient");
    case "processing":
      // An ordinary exception, as a bug would throw: classification must call it PROCESSING.
      throw new TypeError("test fault: processing");
    case "timeout":
      // Never settles: the per-record deadline has to end it.
      await new Promise<never>(() => undefined);
      return;
    default:
      return;
  }
}
