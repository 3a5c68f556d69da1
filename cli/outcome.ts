// Turns what the server answered into one outcome per event. Pure: no I/O here.
import { problemSlug } from "../runtime/contract/problems";

export type Outcome = "accepted" | "replayed" | "rejected" | "failed" | "valid";

export interface ItemResult {
  /** 0-based position in the input. */
  index: number;
  /** 1-based line (NDJSON) or element (JSON array) in the input. */
  line?: number;
  /** The CloudEvent's own id. */
  eventId?: string;
  key?: string;
  outcome: Outcome;
  /** The id the server stored the event under (from the 202 body); use it with `sluice status`. */
  id?: string;
  httpStatus?: number;
  reason?: string;
  /** Requests made for this event, retries included. */
  attempts?: number;
}

/** The RFC 9457 fields the CLI reads. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: Array<{ path?: string; message?: string }>;
}

/** A one-line reason: the problem's slug, its detail, and each validation error with its path. */
export function problemReason(problem: unknown, httpStatus?: number, challenge?: string): string {
  if (!problem || typeof problem !== "object") return httpStatus ? `HTTP ${httpStatus}` : "no reason given";
  // API Gateway's own answers are {"message": …}; an authorizer's refusal says why in www-authenticate.
  const message = (problem as { message?: unknown }).message;
  if (typeof message === "string" && !("type" in problem)) {
    const why = challenge ? /error_description="([^"]*)"/.exec(challenge)?.[1] : undefined;
    return `HTTP ${httpStatus ?? "?"}: ${message}${why ? ` (${why})` : ""}`;
  }
  const p = problem as Problem;
  const slug = typeof p.type === "string" ? problemSlug(p.type) : p.type;
  const head = [slug ?? p.title ?? (httpStatus ? `HTTP ${httpStatus}` : "problem"), p.detail].filter(Boolean).join(": ");
  const errors = Array.isArray(p.errors)
    ? p.errors.map((e) => (e.path ? `${e.path}: ${e.message ?? "invalid"}` : e.message ?? "invalid"))
    : [];
  return errors.length > 0 ? `${head} (${errors.join("; ")})` : head;
}

/** A 4xx other than 408/409/429 is the event's fault and will not change on a retry. */
export function isRejection(httpStatus: number): boolean {
  return httpStatus >= 400 && httpStatus < 500 && httpStatus !== 409 && httpStatus !== 429 && httpStatus !== 408;
}

export interface HttpAnswer {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/** The outcome of `POST /events` once got has finished retrying. */
export function singleOutcome(answer: HttpAnswer): Pick<ItemResult, "outcome" | "id" | "httpStatus" | "reason"> {
  const { statusCode, headers, body } = answer;
  const id = body && typeof body === "object" && typeof (body as { id?: unknown }).id === "string" ? (body as { id: string }).id : undefined;
  if (statusCode >= 200 && statusCode < 300) {
    const replayed = String(headers["idempotent-replayed"] ?? "").toLowerCase() === "true";
    return { outcome: replayed ? "replayed" : "accepted", id, httpStatus: statusCode };
  }
  const challenge = headers["www-authenticate"];
  const reason = problemReason(body, statusCode, Array.isArray(challenge) ? challenge[0] : challenge);
  return { outcome: isRejection(statusCode) ? "rejected" : "failed", httpStatus: statusCode, reason };
}

/** One entry of a 202/207 batch answer. */
export interface BatchItemAnswer {
  index: number;
  id?: string;
  status: string;
  httpStatus?: number;
  problem?: unknown;
}

export function batchItemOutcome(item: BatchItemAnswer): Pick<ItemResult, "outcome" | "id" | "httpStatus" | "reason"> {
  const httpStatus = item.httpStatus;
  switch (item.status) {
    case "accepted":
    case "replayed":
      return { outcome: item.status, id: item.id, httpStatus };
    case "rejected":
      return { outcome: "rejected", id: item.id, httpStatus, reason: problemReason(item.problem, httpStatus) };
    default:
      return { outcome: "failed", id: item.id, httpStatus, reason: problemReason(item.problem, httpStatus) };
  }
}

/**
 * A batch item not stored for a reason a retry can fix. Judged by its HTTP status, not its label:
 * the ingest labels a key still in flight (409) "rejected", yet it clears once the first is done.
 */
export function isRetryableItem(item: BatchItemAnswer): boolean {
  if (item.status === "accepted" || item.status === "replayed") return false;
  if (item.httpStatus === undefined) return item.status === "failed";
  return !isRejection(item.httpStatus) && item.httpStatus >= 400;
}
