// The events the worker puts on the fan-out bus (config `publish`), as consumers see them: the
// EventBridge `source` and `detail-type`, and the detail's fields. Delivery is at least once: a
// redelivered record that was already stored is published again, so consumers dedupe by `id`.

/** `none`: no bus; `failures`: only events stored as failed; `all`: processed and failed. */
export const PUBLISH_MODES = ["none", "failures", "all"] as const;
export type PublishMode = (typeof PUBLISH_MODES)[number];

/** The EventBridge `source` of every event Sluice publishes. */
export const FAN_OUT_SOURCE = "sluice";

/** The EventBridge `detail-type` per stored status. */
export const FAN_OUT_DETAIL_TYPES = {
  processed: "sluice.event.processed",
  failed: "sluice.event.failed",
} as const;

/** The `detail` of a published event. `event` is the CloudEvent as accepted, unless it would not fit. */
export interface FanOutDetail {
  id: string;
  status: "processed" | "failed";
  source?: string;
  type?: string;
  receivedAt: string;
  processedAt?: string;
  /** Receives of the message when it was stored. */
  attempts?: number;
  errorCategory?: string;
  errorReason?: string;
  /** True when this delivery found the event already stored (a redelivery): the same event was published before, or its publish failed. */
  redelivered?: true;
  /** The event; absent with `eventOmitted: "size"` when the entry would exceed EventBridge's 256 KB (read it with GET /events/{id}). */
  event?: unknown;
  eventOmitted?: "size";
}

/** Whether `mode` publishes an event stored with `status`. */
export function publishes(mode: PublishMode, status: "processed" | "failed"): boolean {
  return mode === "all" || (mode === "failures" && status === "failed");
}
