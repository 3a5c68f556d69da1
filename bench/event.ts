// The benchmark's event: a relayed webhook whose JSON body is padded to 1 KB, so every figure that
// says "per 1 KB event" is about the same bytes.
export const EVENT_BYTES = 1024;
/** The `source` of every bench event (its key is this source and the event's id). */
export const EVENT_SOURCE = "bench/sluice";

/** A structured-mode CloudEvent body of exactly EVENT_BYTES bytes with the given id. */
export function eventBody(id: string): string {
  const base = {
    specversion: "1.0",
    id,
    source: EVENT_SOURCE,
    type: "sluice.webhook.received",
    time: "2026-11-24T12:00:00Z",
    datacontenttype: "application/json",
    data: { provider: "bench", event: "order.created", payload: { orderId: id, note: "" } },
  };
  const pad = EVENT_BYTES - Buffer.byteLength(JSON.stringify(base));
  if (pad < 0) throw new Error(`event id ${id} is too long for a ${EVENT_BYTES} B event`);
  base.data.payload.note = "x".repeat(pad);
  return JSON.stringify(base);
}
