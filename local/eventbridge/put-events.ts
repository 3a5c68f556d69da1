// EventBridge's PutEvents as the bus twin answers it (AWS JSON 1.1, `X-Amz-Target:
// AWSEvents.PutEvents`): the request's limits (1 to 10 entries, 256 KB in all), each entry's
// required fields and its Detail a JSON object, a bus that must exist, and the response with one
// result per entry in order (an EventId, or an ErrorCode and ErrorMessage) and FailedEntryCount.
// Pure: the server (bus-server.ts) records what this accepts.
import { randomUUID } from "node:crypto";
import type { GateAnswer } from "../aws/request-gate";

export const PUT_EVENTS_MAX_ENTRIES = 10;
export const PUT_EVENTS_MAX_BYTES = 256 * 1024;

/** An event as EventBridge delivers it to a target, plus the bus it was put on and its trace header. */
export interface RecordedEvent {
  version: "0";
  id: string;
  "detail-type": string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
  "event-bus-name": string;
  "trace-header"?: string;
}

interface Entry {
  Source?: unknown;
  DetailType?: unknown;
  Detail?: unknown;
  EventBusName?: unknown;
  Time?: unknown;
  Resources?: unknown;
  TraceHeader?: unknown;
}

export interface PutEventsContext {
  accountId: string;
  region: string;
  /** Bus names the program declared; an entry's name or ARN must be one of them (or `default`). */
  buses: readonly string[];
  /** When faults are on: whether this entry fails with InternalFailure. */
  failEntry?: (index: number) => boolean;
  now?: () => number;
}

export interface PutEventsResult {
  answer: GateAnswer;
  /** What was put, in order. */
  accepted: RecordedEvent[];
}

const JSON_11 = "application/x-amz-json-1.1";

export function eventsErrorAnswer(status: number, type: string, message: string): GateAnswer {
  return { status, headers: { "content-type": JSON_11, "x-amzn-requestid": randomUUID() }, body: JSON.stringify({ __type: type, message }) };
}

/** The size EventBridge counts for an entry ("Calculating PutEvents event entry size"). */
export function entrySize(e: Entry): number {
  const text = (v: unknown) => (typeof v === "string" ? Buffer.byteLength(v) : 0);
  const resources = Array.isArray(e.Resources) ? e.Resources.reduce((n: number, r) => n + text(r), 0) : 0;
  return (e.Time !== undefined ? 14 : 0) + text(e.Source) + text(e.DetailType) + text(e.Detail) + resources;
}

function busNameOf(nameOrArn: unknown): string {
  const s = typeof nameOrArn === "string" && nameOrArn !== "" ? nameOrArn : "default";
  return s.startsWith("arn:") ? s.slice(s.lastIndexOf("/") + 1) : s;
}

/** Why EventBridge refuses this entry, or undefined. */
function entryProblem(e: Entry): string | undefined {
  for (const field of ["Source", "DetailType", "Detail"] as const) {
    if (typeof e[field] !== "string" || e[field] === "") return `Parameter ${field} is not valid. Reason: ${field} is a required argument.`;
  }
  try {
    const detail = JSON.parse(e.Detail as string);
    if (detail === null || typeof detail !== "object" || Array.isArray(detail)) return "Detail is malformed.";
  } catch {
    return "Detail is malformed.";
  }
  return undefined;
}

function timeOf(t: unknown, nowMs: number): string {
  const ms = typeof t === "number" ? t * 1000 : typeof t === "string" ? Date.parse(t) : NaN;
  return new Date(Number.isFinite(ms) ? ms : nowMs).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function putEvents(body: Buffer, ctx: PutEventsContext): PutEventsResult {
  let req: { Entries?: unknown };
  try {
    req = JSON.parse(body.toString("utf8"));
  } catch {
    return { answer: eventsErrorAnswer(400, "SerializationException", "the request body is not JSON"), accepted: [] };
  }
  const entries = req?.Entries;
  if (!Array.isArray(entries) || entries.length === 0 || entries.length > PUT_EVENTS_MAX_ENTRIES) {
    const n = Array.isArray(entries) ? entries.length : 0;
    return { answer: eventsErrorAnswer(400, "ValidationException", `1 validation error detected: 'entries' has ${n} members; it must have 1 to ${PUT_EVENTS_MAX_ENTRIES}`), accepted: [] };
  }
  if ((entries as Entry[]).reduce((n, e) => n + entrySize(e ?? {}), 0) > PUT_EVENTS_MAX_BYTES) {
    return { answer: eventsErrorAnswer(400, "ValidationException", "Total size of the entries in the request is over the limit."), accepted: [] };
  }
  const unknown = (entries as Entry[]).map((e) => busNameOf(e?.EventBusName)).find((b) => b !== "default" && !ctx.buses.includes(b));
  if (unknown !== undefined) return { answer: eventsErrorAnswer(400, "ResourceNotFoundException", `Event bus ${unknown} does not exist.`), accepted: [] };
  const nowMs = (ctx.now ?? Date.now)();
  const accepted: RecordedEvent[] = [];
  const results = (entries as Entry[]).map((raw, i) => {
    const e = raw ?? {};
    const problem = entryProblem(e);
    if (problem) return { ErrorCode: "InvalidArgument", ErrorMessage: problem };
    if (ctx.failEntry?.(i)) return { ErrorCode: "InternalFailure", ErrorMessage: "Internal service error (injected by the local bus twin)" };
    const event: RecordedEvent = {
      version: "0",
      id: randomUUID(),
      "detail-type": e.DetailType as string,
      source: e.Source as string,
      account: ctx.accountId,
      time: timeOf(e.Time, nowMs),
      region: ctx.region,
      resources: Array.isArray(e.Resources) ? (e.Resources as unknown[]).map(String) : [],
      detail: JSON.parse(e.Detail as string),
      "event-bus-name": busNameOf(e.EventBusName),
      ...(typeof e.TraceHeader === "string" ? { "trace-header": e.TraceHeader } : {}),
    };
    accepted.push(event);
    return { EventId: event.id };
  });
  const failed = results.filter((r) => "ErrorCode" in r).length;
  return {
    answer: { status: 200, headers: { "content-type": JSON_11, "x-amzn-requestid": randomUUID() }, body: JSON.stringify({ FailedEntryCount: failed, Entries: results }) },
    accepted,
  };
}
