// The fan-out bus behind a small interface: the processed/failed events for consumers
// (runtime/contract/fan-out.ts), put with batched PutEvents after the worker stored them. A request
// takes at most 10 entries and 256 KB, so a batch is split as that needs. A request that fails as a
// whole fails its entries; an entry EventBridge refuses (FailedEntryCount, an ErrorCode on the
// entry) fails alone. The caller retries exactly the records whose entries failed.
// The client is built here, not in aws-clients.ts: Pulumi captures a module's whole exports, so
// the ingest and query archives would load the EventBridge SDK at every cold start for nothing.
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { clientOptions, withCallDeadline } from "./aws-clients";
import { FAN_OUT_DETAIL_TYPES, FAN_OUT_SOURCE } from "./contract/fan-out";
import type { FanOutDetail } from "./contract/fan-out";
import { errorSummary } from "./log";
import { packRequests } from "./request-packing";
import type { Logger } from "./log";

/** PutEvents: 10 entries a request, 256 KB an entry and a request (EventBridge API Reference, PutEvents; "Calculating PutEvents event entry size"). */
export const PUT_EVENTS_LIMITS = { maxEntries: 10, maxBytes: 256 * 1024 } as const;

export interface PublishEntry {
  /** Whose record this is (the SQS message id): what comes back when it fails. */
  key: string;
  detailType: string;
  /** A JSON object's text. */
  detail: string;
  time: Date;
  traceHeader?: string;
}

export interface EventPublisher {
  /** Publishes the entries; resolves with the keys of those not published (never throws). */
  publish(entries: PublishEntry[]): Promise<string[]>;
}

/** An entry's size as EventBridge counts it: 14 bytes for the time, then the source, detail type and detail. */
export function entryBytes(detailType: string, detail: string): number {
  return 14 + Buffer.byteLength(FAN_OUT_SOURCE) + Buffer.byteLength(detailType) + Buffer.byteLength(detail);
}

/**
 * The entry for a stored event: its metadata and the event's own JSON text as `event` (spliced in,
 * never re-serialized), or without the event, marked `eventOmitted`, when that would exceed the limit.
 */
export function fanOutEntry(key: string, meta: Omit<FanOutDetail, "event" | "eventOmitted">, eventText: string, traceHeader?: string): PublishEntry {
  const detailType = FAN_OUT_DETAIL_TYPES[meta.status];
  const head = JSON.stringify(meta);
  let detail = `${head.slice(0, -1)},"event":${eventText}}`;
  if (entryBytes(detailType, detail) > PUT_EVENTS_LIMITS.maxBytes) detail = JSON.stringify({ ...meta, eventOmitted: "size" });
  return { key, detailType, detail, time: new Date(meta.processedAt ?? Date.now()), traceHeader };
}

/** Entries packed in order into requests within PUT_EVENTS_LIMITS. */
export function putEventsRequests(entries: readonly PublishEntry[]): PublishEntry[][] {
  return packRequests(entries, (e) => entryBytes(e.detailType, e.detail), PUT_EVENTS_LIMITS);
}

/** The fan-out bus's client, with the deadlines of the other clients; built only by a worker that publishes. */
export function createEventBridgeClient(): EventBridgeClient {
  return withCallDeadline(new EventBridgeClient(clientOptions()), "EventBridge");
}

export function createEventBridgePublisher(client: EventBridgeClient, busName: string, log: Logger): EventPublisher {
  const putOne = async (entries: PublishEntry[]): Promise<string[]> => {
    let out;
    try {
      out = await client.send(
        new PutEventsCommand({
          Entries: entries.map((e) => ({
            EventBusName: busName,
            Source: FAN_OUT_SOURCE,
            DetailType: e.detailType,
            Detail: e.detail,
            Time: e.time,
            ...(e.traceHeader ? { TraceHeader: e.traceHeader } : {}),
          })),
        }),
      );
    } catch (err) {
      log.warn("publish failed: the records are retried", { entries: entries.length, ...errorSummary(err) });
      return entries.map((e) => e.key);
    }
    // Results come back in request order; an entry without an EventId was not put.
    const results = out.Entries ?? [];
    const failed = entries.filter((_, i) => !results[i]?.EventId || results[i]?.ErrorCode !== undefined);
    if (failed.length > 0) {
      const first = results.find((r) => r?.ErrorCode !== undefined);
      log.warn("some events were not published: those records are retried", { failed: failed.length, of: entries.length, failedEntryCount: out.FailedEntryCount, errorCode: first?.ErrorCode, errorMessage: first?.ErrorMessage });
    }
    return failed.map((e) => e.key);
  };
  return {
    async publish(entries) {
      if (entries.length === 0) return [];
      return (await Promise.all(putEventsRequests(entries).map(putOne))).flat();
    },
  };
}
