// Routing (404/405, stage prefixes, misrouting), settings, permissions and the lease decision.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { matchRoute } from "../../runtime/routes";
import { requestLine } from "../../runtime/http-request";
import { readSettings } from "../../runtime/settings";
import { FUNCTION_PERMISSIONS } from "../../runtime/contract/permissions";
import { decideConflict } from "../../runtime/ingest-handler";
import { recordBudgetMs } from "../../runtime/worker-handler";
import { parseQueueMessage } from "../../runtime/queue-message";
import { demoSourceRows } from "../../runtime/demo-source";
import { createEventTypes } from "../../runtime/event-types";

test("routes: literal before parameter, 405 lists what is allowed, misrouting is a 404", () => {
  assert.equal(matchRoute("ingest", "POST", "/events/batch"), { kind: "route", name: "postBatch", params: {} });
  assert.equal(matchRoute("query", "GET", "/events/evt_1"), { kind: "route", name: "getEvent", params: { id: "evt_1" } });
  assert.equal(matchRoute("query", "GET", "/events/batch"), { kind: "method-not-allowed", allow: ["POST"] });
  assert.equal(matchRoute("ingest", "DELETE", "/events"), { kind: "method-not-allowed", allow: ["GET", "POST"] });
  assert.equal(matchRoute("ingest", "GET", "/events/x"), { kind: "not-found", misrouted: true });
  assert.equal(matchRoute("query", "GET", "/events"), { kind: "route", name: "listEvents", params: {} });
  assert.equal(matchRoute("operator", "POST", "/admin/dlq/redrive"), { kind: "route", name: "dlqRedrive", params: {} });
  assert.equal(matchRoute("operator", "DELETE", "/admin/failure-mode"), { kind: "method-not-allowed", allow: ["GET", "PUT"] });
  // What API Gateway's catch-all sends the query function for an admin path: a 404, logged as misrouted.
  assert.equal(matchRoute("query", "GET", "/admin/dlq"), { kind: "not-found", misrouted: true });
  assert.equal(matchRoute("query", "GET", "/other"), { kind: "not-found", misrouted: false });
});

test("request line: a named stage's prefix and a trailing slash are removed", () => {
  const ev = { rawPath: "/dev/events/", requestContext: { stage: "dev", http: { method: "post" } } } as unknown as APIGatewayProxyEventV2;
  assert.equal(requestLine(ev), { method: "POST", path: "/events" });
});

test("settings: defaults, flags, and clear failures for miswiring", () => {
  const s = readSettings({ SLUICE_TABLE_NAME: "t", SLUICE_QUEUE_URL: "q", SLUICE_TEST_EVENTS: "on" }, { table: true, queue: true });
  assert.is(s.unknownTypes, "accept");
  assert.is(s.testEvents, true);
  assert.is(s.demoSource, false);
  assert.ok(s.maxBodyBytes > 0 && s.maxBodyBytes < 256 * 1024);
  assert.throws(() => readSettings({}, { table: true }), /SLUICE_TABLE_NAME/);
  assert.throws(() => readSettings({ SLUICE_TABLE_NAME: "t", SLUICE_LEASE_SECONDS: "-1" }), /SLUICE_LEASE_SECONDS/);
  assert.throws(() => readSettings({ SLUICE_UNKNOWN_TYPES: "maybe" }), /SLUICE_UNKNOWN_TYPES/);
  assert.is(s.retentionDays, 0, "kept unless told otherwise");
  assert.is(readSettings({ SLUICE_EVENT_RETENTION_DAYS: "7" }).retentionDays, 7);
  assert.throws(() => readSettings({ SLUICE_EVENT_RETENTION_DAYS: "-1" }), /SLUICE_EVENT_RETENTION_DAYS/);
});

test("permissions: least privilege per function", () => {
  assert.equal(FUNCTION_PERMISSIONS.query, { table: ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem"], queue: [], dlq: [], bus: [], secrets: [] });
  // Only the operator touches the DLQ, and only with what peeking and moving need: never a wildcard, never a purge.
  for (const [fn, p] of Object.entries(FUNCTION_PERMISSIONS)) if (fn !== "operator") assert.equal(p.dlq, [], fn);
  assert.equal([...FUNCTION_PERMISSIONS.operator.dlq].sort(), ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"]);
  assert.not.ok(FUNCTION_PERMISSIONS.operator.table.some((a) => /Delete|Update|Scan|Write/.test(a)), "the operator never changes an event's record");
  assert.equal(FUNCTION_PERMISSIONS.worker.bus, ["events:PutEvents"], "the worker publishes, nothing else");
  for (const [fn, p] of Object.entries(FUNCTION_PERMISSIONS)) if (fn !== "worker") assert.equal(p.bus, [], fn);
  assert.equal(FUNCTION_PERMISSIONS.worker.queue, ["sqs:ChangeMessageVisibility"], "the worker's only own SQS call: a retried record's backoff");
  // Only the ingest reads Secrets Manager, and only the sources' secrets' values.
  assert.equal(FUNCTION_PERMISSIONS.ingest.secrets, ["secretsmanager:GetSecretValue"], "the ingest reads the sources' secrets and nothing else of Secrets Manager");
  for (const [fn, p] of Object.entries(FUNCTION_PERMISSIONS)) if (fn !== "ingest") assert.equal(p.secrets, [], fn);
  assert.ok(FUNCTION_PERMISSIONS.ingest.queue.includes("sqs:SendMessage"));
  assert.not.ok(FUNCTION_PERMISSIONS.ingest.table.includes("dynamodb:UpdateItem"));
  assert.not.ok(FUNCTION_PERMISSIONS.worker.table.includes("dynamodb:DeleteItem"));
  for (const p of Object.values(FUNCTION_PERMISSIONS)) for (const a of [...p.table, ...p.queue, ...p.dlq, ...p.bus, ...p.secrets]) assert.match(a, /^(dynamodb|sqs|events|secretsmanager):[A-Z][A-Za-z]+$/);
});

test("conflict decision: reuse beats everything, then replay, then in flight with a short Retry-After", () => {
  const base = { id: "evt", payloadHash: "h", status: "accepted" as const, leaseUntil: 10_500 };
  assert.is(decideConflict({ ...base, payloadHash: "other" }, "h", 0, "r").kind, "conflict");
  const reuse = decideConflict({ ...base, status: "processed", payloadHash: "other" }, "h", 0, "r");
  assert.ok(reuse.kind === "conflict" && reuse.problem.status === 422);
  assert.is(decideConflict({ ...base, status: "processed" }, "h", 0, "r").kind, "replayed");
  assert.is(decideConflict({ ...base, status: "failed" }, "h", 0, "r").kind, "replayed");
  const inFlight = decideConflict(base, "h", 0, "r");
  // 10.5 s of lease left, but the answer asks for no more than 2 s: the event is most likely queued.
  assert.ok(inFlight.kind === "conflict" && inFlight.problem.status === 409 && inFlight.retryAfter === 2);
  const endingLease = decideConflict({ ...base, leaseUntil: 400 }, "h", 0, "r");
  assert.ok(endingLease.kind === "conflict" && endingLease.retryAfter === 1);
  const gone = decideConflict(undefined, "h", 0, "r");
  assert.ok(gone.kind === "conflict" && gone.problem.status === 409);
});

test("worker: per-record budget keeps a margin; queue messages are checked before use", () => {
  assert.is(recordBudgetMs(30_000), 29_000);
  assert.is(recordBudgetMs(500), 400);
  // The message is a header line, then the event's text (queue-message.ts, version 2).
  const header = { v: 2, id: "i", key: "k", payloadHash: "h", receivedAt: "t", requestId: "r" };
  assert.is(parseQueueMessage("{").ok, false);
  assert.is(parseQueueMessage(JSON.stringify({ v: 2, id: "x" }) + "\n{}").ok, false);
  assert.is(parseQueueMessage(JSON.stringify({ ...header, v: 1 }) + "\n{}").ok, false, "another version is not read");
  assert.is(parseQueueMessage(JSON.stringify(header) + "\n").ok, false, "no event");
  assert.is(parseQueueMessage(JSON.stringify({ ...header, encoding: "rot13" }) + "\n{}").ok, false);
  const read = parseQueueMessage(JSON.stringify(header) + '\n{"n":18446744073709551616}');
  assert.ok(read.ok && read.message.event === '{"n":18446744073709551616}');
});

test("demo source: messy rows, some of which the demo user schema repairs and some it refuses", () => {
  const types = createEventTypes();
  const rows = demoSourceRows();
  const refused = rows.filter((row) => !types.validate("sluice.demo.user", row).ok).map((row) => String(row.name));
  assert.is(rows.length, 12);
  // Blank name, missing `active`, missing id, "yes" for a boolean, "twelve" for an id.
  assert.equal(refused, ["   ", "Barbara Liskov", "No Id", "Donald Knuth", "Margaret Hamilton"]);
  const repaired = types.validate("sluice.demo.user", rows[9]);
  assert.equal(repaired, { ok: true, value: { id: 10, name: "Frances Allen", email: "fran@example.com", active: true } });
});

test.run();
