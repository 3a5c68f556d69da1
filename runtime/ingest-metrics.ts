// What one ingest answer counts for (runtime/contract/metrics.ts), read from the answer itself, so
// the metrics say exactly what the client was told: per event for POST /events and for each item
// of a batch; a request refused as a whole (a bad batch body, a 503 for every item) counts once.
import { problemSlug } from "./contract/problems";
import type { HttpResult } from "./http-response";
import { count, createTally, observe } from "./metrics";
import type { MetricTally } from "./metrics";

interface ItemAnswer {
  status?: string;
  httpStatus?: number;
  problem?: { type?: string };
}

function problemOf(res: HttpResult): string {
  try {
    const type = (JSON.parse(res.body) as { type?: unknown }).type;
    return typeof type === "string" ? problemSlug(type) : "unknown";
  } catch {
    return "unknown";
  }
}

function countAnswer(tally: MetricTally, httpStatus: number, slug: string): void {
  if (httpStatus === 409) count(tally, "InFlight");
  else if (httpStatus === 503) count(tally, "Unavailable");
  else if (httpStatus >= 400 && httpStatus < 500) count(tally, "Rejected", 1, slug);
}

/** The batch items of a 202/207 batch answer, or undefined for a single event's answer. */
function batchItems(res: HttpResult): ItemAnswer[] | undefined {
  if (!res.body.startsWith('{"items":')) return undefined;
  try {
    const items = (JSON.parse(res.body) as { items?: unknown }).items;
    return Array.isArray(items) ? (items as ItemAnswer[]) : undefined;
  } catch {
    return undefined;
  }
}

/** The tally of one ingest answer that took `elapsedMs`. A 500 (a bug) counts only its latency: the API's 5xx alarm and the log have it. */
export function ingestTally(res: HttpResult, elapsedMs: number): MetricTally {
  const tally = createTally();
  observe(tally, "IngestMs", elapsedMs);
  const items = res.statusCode === 202 || res.statusCode === 207 ? batchItems(res) : undefined;
  if (items) {
    for (const item of items) {
      if (item.status === "accepted") count(tally, "Accepted");
      else if (item.status === "replayed") count(tally, "Replayed");
      else countAnswer(tally, item.httpStatus ?? 0, problemSlug(item.problem?.type ?? "unknown"));
    }
  } else if (res.statusCode === 202) {
    count(tally, res.headers["idempotent-replayed"] === "true" ? "Replayed" : "Accepted");
  } else {
    countAnswer(tally, res.statusCode, problemOf(res));
  }
  return tally;
}
