// Taking a prepared event through the ingest's writes (docs/adr/0001): the lease (write 1), the
// send, and the answer; the compensation after a failed send. Shared by POST /events, the batch
// and the sources route, so every route answers a replay, a conflict and an outage the same way.
import { randomUUID } from "node:crypto";
import { problem } from "./contract/problems";
import type { ProblemBody } from "./contract/problems";
import { routePath } from "./contract/routes";
import type { EventQueue } from "./event-queue";
import type { EventStore, StoredRecord } from "./event-store";
import { failedDependency } from "./failure-classes";
import { jsonResponse, problemResponse } from "./http-response";
import type { HttpResult } from "./http-response";
import { errorSummary } from "./log";
import type { Logger } from "./log";
import type { PreparedMessage } from "./prepare-event";

export interface AcceptDeps {
  store: EventStore;
  queue: EventQueue;
  windowSeconds: number;
  leaseSeconds: number;
  /** Epoch milliseconds. */
  now: () => number;
}

/** Seconds a client should wait before retrying after a dependency failure. */
export const DEPENDENCY_RETRY_AFTER_SECONDS = 2;

/** Upper bound on the Retry-After of a 409 while a lease is live. */
const IN_FLIGHT_RETRY_SECONDS = 2;

export type AcquireResult =
  | { kind: "acquired"; leaseToken: string }
  | { kind: "replayed" }
  | { kind: "conflict"; problem: ProblemBody; retryAfter?: number }
  | { kind: "unavailable"; error: unknown };

export function acceptedBody(id: string): { id: string; status: "accepted" } {
  return { id, status: "accepted" };
}

export function locationOf(id: string): string {
  return routePath("getEvent", { id });
}

export function unavailable(detail: string, requestId: string): HttpResult {
  return problemResponse(problem("dependency-unavailable", detail, { requestId }), { "retry-after": String(DEPENDENCY_RETRY_AFTER_SECONDS) });
}

// SQS errors that blame the message itself: retrying cannot help, so the client gets a 4xx.
const SENDER_REJECTIONS = ["InvalidParameterValue", "InvalidParameterValueException", "MessageTooLong", "InvalidMessageContents"];

/** The problem for a send SQS refused because of the message, or undefined for an outage. */
export function senderRejection(err: unknown, requestId: string): ProblemBody | undefined {
  const e = err as { name?: string; Code?: string; message?: string } | null;
  if (!e || ![e.name, e.Code].some((n) => n !== undefined && SENDER_REJECTIONS.includes(n))) return undefined;
  const text = String(e.message ?? "");
  if (/shorter|too long|size/i.test(text)) return problem("payload-too-large", `the queue refused the event for its size: ${text}`, { requestId });
  return problem("validation-failed", `the queue refused the event: ${text}`, { requestId });
}

/** Decides what an existing record means for a request that could not take the lease. */
export function decideConflict(existing: StoredRecord | undefined, hash: string, nowMs: number, requestId: string): AcquireResult {
  if (!existing) {
    // The record disappeared between our write and our read: another request just released it.
    return { kind: "conflict", problem: problem("idempotency-key-in-flight", "another request with this key is being handled; retry shortly", { requestId }), retryAfter: 1 };
  }
  if (existing.payloadHash !== hash) {
    return { kind: "conflict", problem: problem("idempotency-key-reused", "this idempotency key was already used with a different payload", { requestId }) };
  }
  if (existing.status === "processed" || existing.status === "failed") return { kind: "replayed" };
  const leaseLeft = Math.max(1, Math.ceil(((existing.leaseUntil ?? nowMs) - nowMs) / 1000));
  // Most live leases belong to events already queued, which the worker stores within a batching
  // window; asking for the whole lease would make an immediate rerun wait ~20 s for nothing.
  return {
    kind: "conflict",
    problem: problem("idempotency-key-in-flight", "a request with this key is in flight; retry after the indicated delay", { requestId }),
    retryAfter: Math.min(leaseLeft, IN_FLIGHT_RETRY_SECONDS),
  };
}

export interface Acceptor {
  /** Write 1: the lease, or what the existing record says. Only a failed table call is `unavailable`. */
  acquire(p: PreparedMessage, log: Logger): Promise<AcquireResult>;
  /** Gives back a lease after a failed send; never deletes a record it did not acquire. */
  compensate(id: string, leaseToken: string, log: Logger): Promise<void>;
  /** One event: lease, send (with the request's trace header), and the answer (202, replay, 409, 422, 413, 503). */
  accept(p: PreparedMessage, requestId: string, log: Logger, traceHeader: string | undefined): Promise<HttpResult>;
}

export function createAcceptor(deps: AcceptDeps): Acceptor {
  // Only a failed call to the table is a 503; anything else thrown here is a bug and goes up (500).
  const acquire = async (p: PreparedMessage, log: Logger): Promise<AcquireResult> => {
    const { message } = p;
    const nowMs = deps.now();
    const leaseToken = randomUUID();
    try {
      const outcome = await deps.store.acquire(
        {
          id: message.id,
          payloadHash: message.payloadHash,
          source: p.source,
          type: p.type,
          receivedAt: message.receivedAt,
          ttlSeconds: Math.floor(nowMs / 1000) + deps.windowSeconds,
          leaseUntil: nowMs + deps.leaseSeconds * 1000,
          leaseToken,
        },
        nowMs,
      );
      if (outcome.written) return { kind: "acquired", leaseToken };
      return decideConflict(outcome.existing, message.payloadHash, deps.now(), message.requestId);
    } catch (err) {
      if (!failedDependency(err)) throw err;
      log.error("lease write failed", errorSummary(err));
      return { kind: "unavailable", error: err };
    }
  };

  const compensate = async (id: string, leaseToken: string, log: Logger): Promise<void> => {
    try {
      const released = await deps.store.release(id, leaseToken);
      log.warn("lease released after a failed send", { released });
    } catch (err) {
      log.error("compensation failed: the record keeps its lease until it expires", errorSummary(err));
    }
  };

  const accept = async (p: PreparedMessage, requestId: string, log: Logger, traceHeader: string | undefined): Promise<HttpResult> => {
    const id = p.message.id;
    const elog = log.child({ eventId: id, type: p.type });
    const lease = await acquire(p, elog);
    if (lease.kind === "unavailable") return unavailable("the event store is unavailable; retry later", requestId);
    if (lease.kind === "replayed") {
      elog.info("replayed");
      return jsonResponse(202, acceptedBody(id), { location: locationOf(id), "idempotent-replayed": "true" });
    }
    if (lease.kind === "conflict") {
      elog.info("idempotency conflict", { status: lease.problem.status, problem: lease.problem.type });
      return problemResponse(lease.problem, lease.retryAfter ? { "retry-after": String(lease.retryAfter) } : {});
    }
    try {
      await deps.queue.send(p.body, { traceHeader });
    } catch (err) {
      elog.error("send failed", errorSummary(err));
      await compensate(id, lease.leaseToken, elog);
      if (!failedDependency(err)) throw err;
      const rejected = senderRejection(err, requestId);
      if (rejected) return problemResponse(rejected);
      return unavailable("the queue is unavailable; retry later", requestId);
    }
    elog.info("accepted");
    return jsonResponse(202, acceptedBody(id), { location: locationOf(id) });
  };

  return { acquire, compensate, accept };
}
