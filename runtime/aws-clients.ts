// SDK clients, built once per cold start, with deadlines that fire. Endpoints come only from the
// standard AWS_ENDPOINT_URL_* variables (read by the SDK itself), so the same code talks to local
// servers.
//
// Two deadlines, because one alone is not enough (DESIGN §5):
// - per attempt: a connection timeout and a request timeout that *throws*. @smithy/node-http-handler
//   only logs a warning when `requestTimeout` passes unless `throwOnRequestTimeout` is set (read in
//   node_modules/@smithy/node-http-handler/dist-cjs/index.js, `setRequestTimeout`); the SDK then
//   retries the attempt as a TimeoutError;
// - per call: an abort signal on every `send`, retries and backoff included, plus a timer that
//   settles the call even if the SDK in use ignores the signal. The nodejs22.x runtime provides the
//   SDK (README, "Which AWS SDK runs"), possibly older than the locked one and without
//   `throwOnRequestTimeout`; `abortSignal` has been part of every v3 handler.
// A hung table, queue or bus is therefore a TIMEOUT failure within CALL_DEADLINE_MS: a 503 with
// Retry-After from ingest and query, a retried record in the worker.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { classifiedError } from "./failure-classes";
import { withDeadline } from "./deadline";

/** Longest one attempt may wait for its TCP connection. */
export const CONNECTION_TIMEOUT_MS = 1000;
/** Longest one attempt may wait for its answer once connected; the SDK then retries it. */
export const ATTEMPT_TIMEOUT_MS = 1500;
/** Longest one SDK call may take, every attempt and backoff included. */
export const CALL_DEADLINE_MS = 2500;
const MAX_ATTEMPTS = 3;

export function clientOptions(): { maxAttempts: number; requestHandler: Record<string, unknown> } {
  return {
    maxAttempts: MAX_ATTEMPTS,
    requestHandler: { connectionTimeout: CONNECTION_TIMEOUT_MS, requestTimeout: ATTEMPT_TIMEOUT_MS, throwOnRequestTimeout: true },
  };
}

type SendOptions = { abortSignal?: AbortSignal } & Record<string, unknown>;
type Sender = { send(command: unknown, options?: SendOptions): Promise<unknown> };

/**
 * Makes every `client.send(command)` settle within `deadlineMs`: the request is aborted and the
 * call rejects with a TIMEOUT-classified error (runtime/failure-classes.ts) naming the service and
 * the command. A caller's own abort signal still works.
 */
export function withCallDeadline<C extends Sender>(client: C, service: string, deadlineMs = CALL_DEADLINE_MS): C {
  const send = client.send.bind(client) as Sender["send"];
  const sendWithDeadline = (command: unknown, options: SendOptions = {}): Promise<unknown> => {
    const controller = new AbortController();
    const callerSignal = options.abortSignal;
    const forward = () => controller.abort(callerSignal?.reason);
    if (callerSignal?.aborted) forward();
    else callerSignal?.addEventListener("abort", forward, { once: true });
    const what = `${service} ${(command as { constructor?: { name?: string } })?.constructor?.name ?? "call"}`;
    const call = send(command, { ...options, abortSignal: controller.signal });
    // The abort makes `call` reject too; that rejection is already answered by the deadline's.
    call.catch(() => undefined);
    return withDeadline(call, deadlineMs, () => {
      controller.abort();
      throw classifiedError("TIMEOUT", `${what} did not answer within ${deadlineMs} ms`);
    }).finally(() => callerSignal?.removeEventListener("abort", forward));
  };
  (client as Sender).send = sendWithDeadline;
  return client;
}

export function createDocumentClient(): DynamoDBDocumentClient {
  const base = new DynamoDBClient(clientOptions());
  return withCallDeadline(DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } }), "DynamoDB");
}

export function createSqsClient(): SQSClient {
  return withCallDeadline(new SQSClient(clientOptions()), "SQS");
}
