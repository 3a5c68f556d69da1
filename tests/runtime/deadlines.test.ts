// A dependency that accepts the connection and never answers (a hung table or queue): every SDK
// call of the real clients (runtime/aws-clients.ts) must give up by its deadline, so the ingest
// answers 503 with Retry-After and releases its lease before Lambda would kill it, the query
// answers 503, and the worker retries the record as a TIMEOUT. The hang is a real TCP server on a
// free loopback port; the other service is dynalite or local-aws-sqs.
import * as net from "node:net";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { ATTEMPT_TIMEOUT_MS, CALL_DEADLINE_MS, createDocumentClient, withCallDeadline } from "../../runtime/aws-clients";
import { classifyFailure } from "../../runtime/failure-classes";
import { createEventTypes } from "../../runtime/event-types";
import { createEnvelopeValidator } from "../../runtime/event-validator";
import { createDynamoEventStore } from "../../runtime/event-store";
import { eventIdForKey, deriveKey } from "../../runtime/idempotency-key";
import { ingestFactory } from "../../runtime/ingest-handler";
import { queryFactory } from "../../runtime/query-handler";
import { createLogger } from "../../runtime/log";
import { makeWorkerHandler } from "../../runtime/worker-handler";
import { readProjectConfigSchema } from "../../local/program/stack-config";
import {
  apiEvent,
  applyEnv,
  cloudEvent,
  createQueues,
  createTable,
  functionEnv,
  getEvent,
  json,
  lambdaContext,
  pollOnce,
  postEvent,
  receiveAll,
  startBackends,
  storedRecord,
} from "./harness";
import type { Backends } from "./harness";

/** A server that accepts every connection, reads what it is sent and never writes a byte back. */
interface HangingServer {
  endpoint: string;
  /** Connections accepted so far (each SDK attempt opens or reuses one). */
  connections(): number;
  close(): Promise<void>;
}

async function startHangingServer(): Promise<HangingServer> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on("data", () => undefined);
    socket.on("error", () => undefined);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    connections: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

// What Lambda gives the function before it kills it: the configured timeout (Pulumi.yaml default).
const SCHEMA = readProjectConfigSchema();
const INGEST_TIMEOUT_MS = Number(SCHEMA.ingestTimeoutSeconds.default) * 1000;
const QUERY_TIMEOUT_MS = Number(SCHEMA.queryTimeoutSeconds.default) * 1000;

/** The handler's answer, or a failure if it was still running when Lambda would have stopped it. */
function beforeLambdaTimeout<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const killed = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} was still running at its ${timeoutMs} ms Lambda timeout`)), timeoutMs);
  });
  return Promise.race([work, killed]).finally(() => clearTimeout(timer));
}

function assertUnavailable(res: { statusCode: number; headers: Record<string, string>; body: string }): void {
  assert.is(res.statusCode, 503, res.body);
  assert.is(json(res).type, "urn:sluice:problem:dependency-unavailable");
  assert.ok(Number(res.headers["retry-after"]) >= 1, "Retry-After present");
}

/** The SDK sends to the queue URL's own host, so a hung queue is one whose URL names the hung server. */
function hungQueueUrl(ctx: Ctx): string {
  return `${ctx.hang.endpoint}/123456789012/hung-queue`;
}

interface Ctx {
  b: Backends;
  hang: HangingServer;
  table: string;
  queueUrl: string;
  restore?: () => void;
}

const test = suite<Ctx>("deadlines against a dependency that never answers");

test.before(async (ctx) => {
  ctx.b = await startBackends();
  ctx.hang = await startHangingServer();
  ctx.table = await createTable(ctx.b);
  ctx.queueUrl = (await createQueues(ctx.b)).queueUrl;
});

test.after.each((ctx) => {
  ctx.restore?.();
  ctx.restore = undefined;
});

test.after(async (ctx) => {
  await ctx.hang.close();
  await ctx.b.close();
});

test("the deadlines are ordered: an attempt gives up before the call, the call well before the ingest timeout", () => {
  assert.ok(ATTEMPT_TIMEOUT_MS < CALL_DEADLINE_MS);
  // Lease write, send and compensation in series still fit.
  assert.ok(3 * CALL_DEADLINE_MS < INGEST_TIMEOUT_MS, `${3 * CALL_DEADLINE_MS} ms vs ${INGEST_TIMEOUT_MS} ms`);
});

test("a hung queue: the ingest answers 503 with Retry-After before its timeout, and its lease is released", async (ctx) => {
  ctx.restore = applyEnv(functionEnv(ctx.b, ctx.table, hungQueueUrl(ctx), { AWS_ENDPOINT_URL_SQS: ctx.hang.endpoint }));
  const ingest = ingestFactory();
  const ev = cloudEvent();
  const before = ctx.hang.connections();
  const res = await beforeLambdaTimeout(ingest(postEvent(ev), lambdaContext(INGEST_TIMEOUT_MS)), INGEST_TIMEOUT_MS, "ingest");
  assertUnavailable(res);
  assert.ok(ctx.hang.connections() > before, "the send did reach the hung server");
  const id = eventIdForKey(deriveKey({ source: String(ev.source), id: String(ev.id) }));
  assert.is(await storedRecord(ctx.b, ctx.table, id), undefined, "the lease was compensated away, so a retry is a first request");
});

test("a hung queue on the batch route: 503, every lease released", async (ctx) => {
  ctx.restore = applyEnv(functionEnv(ctx.b, ctx.table, hungQueueUrl(ctx), { AWS_ENDPOINT_URL_SQS: ctx.hang.endpoint }));
  const events = [cloudEvent(), cloudEvent()];
  const res = await beforeLambdaTimeout(
    ingestFactory()(apiEvent({ method: "POST", path: "/events/batch", headers: { "content-type": "application/json" }, body: events }), lambdaContext(INGEST_TIMEOUT_MS)),
    INGEST_TIMEOUT_MS,
    "ingest (batch)",
  );
  assertUnavailable(res);
  for (const ev of events) {
    assert.is(await storedRecord(ctx.b, ctx.table, eventIdForKey(deriveKey({ source: String(ev.source), id: String(ev.id) }))), undefined);
  }
});

test("a hung table: the ingest answers 503 before its timeout and queues nothing; the query answers 503", async (ctx) => {
  ctx.restore = applyEnv({ ...functionEnv(ctx.b, ctx.table, ctx.queueUrl), AWS_ENDPOINT_URL_DYNAMODB: ctx.hang.endpoint });
  const before = ctx.hang.connections();
  assertUnavailable(await beforeLambdaTimeout(ingestFactory()(postEvent(cloudEvent()), lambdaContext(INGEST_TIMEOUT_MS)), INGEST_TIMEOUT_MS, "ingest"));
  assert.ok(ctx.hang.connections() > before, "the lease write did reach the hung server");
  assert.equal(await receiveAll(ctx.b, ctx.queueUrl), [], "nothing was queued without a lease");
  assertUnavailable(await beforeLambdaTimeout(queryFactory()(getEvent("evt_" + "a".repeat(32)), lambdaContext(QUERY_TIMEOUT_MS)), QUERY_TIMEOUT_MS, "query"));
});

test("a hung attempt is retried on a new connection; the call fails as TIMEOUT, not as a bug", async (ctx) => {
  ctx.restore = applyEnv(functionEnv(ctx.b, ctx.table, ctx.queueUrl, { AWS_ENDPOINT_URL_DYNAMODB: ctx.hang.endpoint }));
  const doc = createDocumentClient();
  const before = ctx.hang.connections();
  const err = await doc.send(new GetCommand({ TableName: ctx.table, Key: { pk: "x" } })).then(
    () => assert.unreachable("a hung table answered"),
    (e: unknown) => e,
  );
  assert.is(classifyFailure(err), "TIMEOUT");
  assert.match(String((err as Error).message), new RegExp(`DynamoDB GetCommand did not answer within ${CALL_DEADLINE_MS} ms`));
  // The first attempt's request timeout threw (it does not only log) and the SDK retried.
  assert.ok(ctx.hang.connections() - before >= 2, `attempts seen: ${ctx.hang.connections() - before}`);
  doc.destroy();
});

test("a caller's own abort still ends the call, with the caller's reason", async () => {
  const calls: unknown[] = [];
  const fake = { send: (_c: unknown, o?: { abortSignal?: AbortSignal }) => new Promise((_, reject) => o?.abortSignal?.addEventListener("abort", () => reject(new Error("aborted by caller")))).finally(() => calls.push(o)) };
  const client = withCallDeadline(fake, "Fake", 60_000);
  const controller = new AbortController();
  const pending = client.send({}, { abortSignal: controller.signal });
  controller.abort();
  await pending.then(() => assert.unreachable(), (e: Error) => assert.match(e.message, /aborted by caller/));
});

test("the worker: a record whose store call hangs is retried as TIMEOUT, never stored as failed", async (ctx) => {
  // A real message, queued by a healthy ingest.
  ctx.restore = applyEnv(functionEnv(ctx.b, ctx.table, ctx.queueUrl));
  assert.is((await ingestFactory()(postEvent(cloudEvent()), lambdaContext())).statusCode, 202);
  ctx.restore();
  ctx.restore = applyEnv(functionEnv(ctx.b, ctx.table, ctx.queueUrl, { AWS_ENDPOINT_URL_DYNAMODB: ctx.hang.endpoint }));
  const lines: Record<string, unknown>[] = [];
  const registry = createEventTypes({ testEvents: true });
  const worker = makeWorkerHandler({
    store: createDynamoEventStore(createDocumentClient(), ctx.table),
    registry,
    validator: createEnvelopeValidator(registry, { unknownTypes: "reject" }),
    windowSeconds: 3600,
    retentionDays: 0,
    log: createLogger({ fn: "worker" }, { level: "warn", sink: (l) => lines.push(JSON.parse(l)) }),
  });
  const poll = await pollOnce(ctx.b, ctx.queueUrl, worker, { remainingMs: 30_000 });
  assert.is(poll.delivered, 1);
  assert.is(poll.failed.length, 1, "reported as a batch item failure, so SQS redelivers it");
  const retried = lines.find((l) => l.msg === "record failed: will be retried");
  assert.ok(retried, JSON.stringify(lines));
  assert.is(retried!.category, "TIMEOUT");
  assert.match(String(retried!.errorMessage), /DynamoDB \w+Command did not answer/);
  assert.not.ok(lines.some((l) => l.msg === "record failed: stored as failed"));
});

test.run();
