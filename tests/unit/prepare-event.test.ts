// The ingest's I/O-free checks, in their order, and the problem bodies they produce.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createEventTypes } from "../../runtime/event-types";
import { createEnvelopeValidator } from "../../runtime/event-validator";
import { prepareBatch, prepareEvent } from "../../runtime/prepare-event";
import type { IngestRequest } from "../../runtime/prepare-event";
import { parseMediaType, isUtf8Charset } from "../../runtime/media-type";
import { problem, PROBLEM_CATALOG, slugOf } from "../../runtime/contract/problems";
import { QUEUE_LIMITS } from "../../runtime/contract/limits";
import { parseQueueMessage } from "../../runtime/queue-message";

const SQS_MAX_MESSAGE_BYTES = QUEUE_LIMITS.maxMessageBytes;

const deps = { validator: createEnvelopeValidator(createEventTypes(), { unknownTypes: "reject" }), maxBodyBytes: 300 };
const event = { specversion: "1.0", id: "e-1", source: "urn:s", type: "sluice.demo.user", data: { id: "1", name: "A", active: "true" } };

function request(headers: Record<string, string>, body: string, base64 = false): IngestRequest {
  return {
    headers,
    body: base64 ? Buffer.from(body).toString("base64") : body,
    isBase64Encoded: base64,
    requestId: "req-1",
    sourceIp: "203.0.113.9",
    userAgent: "ua/1",
    receivedAt: "2026-11-24T10:00:00.000Z",
  };
}

function slug(headers: Record<string, string>, body: string, base64 = false): string {
  const r = prepareEvent(request(headers, body, base64), deps);
  return r.ok ? "ok" : slugOf(r.problem);
}

test("checks run in order: content type, size, JSON, envelope, data, key", () => {
  const huge = "x".repeat(400);
  assert.is(slug({ "content-type": "text/plain" }, huge), "unsupported-media-type", "415 before 413");
  assert.is(slug({ "content-type": "application/json" }, huge), "payload-too-large", "413 before 400");
  assert.is(slug({ "content-type": "application/json" }, "{"), "invalid-json");
  assert.is(slug({ "content-type": "application/json" }, JSON.stringify({ ...event, specversion: 2, data: { id: "x" } })), "validation-failed");
  assert.is(slug({ "content-type": "application/json", "idempotency-key": "bad key" }, JSON.stringify({ ...event, data: { id: "x" } })), "validation-failed", "422 before a bad key");
  assert.is(slug({ "content-type": "application/json", "idempotency-key": "bad key" }, JSON.stringify(event)), "invalid-idempotency-key");
  assert.is(slug({ "content-type": "application/json" }, JSON.stringify(event)), "ok");
});

test("the size limit applies after base64 decoding", () => {
  const body = JSON.stringify({ ...event, subject: "y".repeat(120) });
  assert.ok(Buffer.byteLength(body) <= 300 && Buffer.from(body).toString("base64").length > 300);
  assert.is(slug({ "content-type": "application/json" }, body, true), "ok");
});

test("media types: charset parameters, +json in binary mode, and non-UTF-8 refused", () => {
  const media = parseMediaType("Application/CloudEvents+JSON; charset=UTF-8");
  assert.equal(media, { essence: "application/cloudevents+json", params: [{ name: "charset", value: "UTF-8" }] });
  assert.ok(media && isUtf8Charset(media));
  assert.is(slug({ "content-type": "application/json; charset=iso-8859-1" }, JSON.stringify(event)), "unsupported-media-type");
  const binary = { "content-type": "application/vnd.acme+json", "ce-specversion": "1.0", "ce-id": "e-1", "ce-source": "urn%3As", "ce-type": "sluice.demo.user" };
  const r = prepareEvent(request(binary, JSON.stringify(event.data)), deps);
  assert.ok(r.ok);
  if (r.ok) {
    const stored = JSON.parse(r.prepared.message.event);
    assert.is(stored.source, "urn:s", "ce-* values are percent-decoded");
    assert.is(stored.datacontenttype, "application/vnd.acme+json");
  }
});

test("a prepared event is enriched and keyed", () => {
  const r = prepareEvent(request({ "content-type": "application/cloudevents+json", "idempotency-key": '"k-1"' }, JSON.stringify(event)), deps);
  assert.ok(r.ok);
  if (!r.ok) return;
  const m = r.prepared.message;
  assert.is(m.key, "h:k-1");
  assert.match(m.id, /^evt_[0-9a-f]{32}$/);
  assert.is(m.requestId, "req-1");
  assert.is(m.sourceIp, "203.0.113.9");
  assert.is(m.userAgent, "ua/1");
  assert.is(m.receivedAt, "2026-11-24T10:00:00.000Z");
  assert.equal(JSON.parse(m.event).data, { id: 1, name: "A", active: true });
});

test("structured and binary mode of one event hash the same", () => {
  const structured = prepareEvent(request({ "content-type": "application/cloudevents+json" }, JSON.stringify(event)), deps);
  const binary = prepareEvent(
    request({ "content-type": "application/json", "ce-specversion": "1.0", "ce-id": "e-1", "ce-source": "urn:s", "ce-type": "sluice.demo.user" }, JSON.stringify(event.data)),
    deps,
  );
  assert.ok(structured.ok && binary.ok);
  if (structured.ok && binary.ok) {
    assert.is(binary.prepared.message.payloadHash, structured.prepared.message.payloadHash);
    assert.is(binary.prepared.message.id, structured.prepared.message.id);
  }
});

test("batch: per-item results, whole-request problems for the wrong shape", () => {
  const r = prepareBatch(request({ "content-type": "application/cloudevents-batch+json" }, JSON.stringify([event, { ...event, id: "e-2", data: {} }])), { ...deps, maxBodyBytes: 10_000 });
  assert.ok(r.ok);
  if (r.ok) {
    assert.equal(r.items.map((i) => i.ok), [true, false]);
    const bad = r.items[1];
    if (!bad.ok) assert.is(bad.problem.status, 422);
  }
  const big = { ...deps, maxBodyBytes: 100_000 };
  const shape = (body: unknown) => {
    const out = prepareBatch(request({ "content-type": "application/json" }, JSON.stringify(body)), big);
    return out.ok ? 0 : out.problem.status;
  };
  assert.is(shape({}), 422);
  assert.is(shape([]), 422);
  assert.is(shape([event, "x"]), 422);
  assert.is(shape(Array.from({ length: 11 }, (_, i) => ({ ...event, id: `e-${i}` }))), 413);
});

test("message bodies carry what SQS refuses as deflated base64, and give back the exact text", () => {
  const text = JSON.stringify({ ...event, type: "com.example.unchecked", data: { s: "a\uFFFEb\uFFFF" } });
  const r = prepareEvent(request({ "content-type": "application/json" }, text), { ...deps, validator: createEnvelopeValidator(createEventTypes()) });
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.not.match(r.prepared.body, /[\uFFFE\uFFFF]/);
  const back = parseQueueMessage(r.prepared.body);
  assert.ok(back.ok && back.message.event === text, "the event comes back byte for byte");
  const plain = prepareEvent(request({ "content-type": "application/json" }, JSON.stringify(event)), deps);
  const coerced = '{"specversion":"1.0","id":"e-1","source":"urn:s","type":"sluice.demo.user","data":{"id":1,"name":"A","active":true}}';
  assert.ok(plain.ok && plain.prepared.body.endsWith("\n" + coerced), "an ordinary event travels as its text, coercions spliced in");
});

test("an event under the body limit whose queue message would pass SQS's limit is a 413, not a 503 later", () => {
  const roomy = { ...deps, maxBodyBytes: 1024 * 1024 };
  const big = { ...event, type: "com.example.unchecked", data: "s".repeat(SQS_MAX_MESSAGE_BYTES) };
  const accepting = { validator: createEnvelopeValidator(createEventTypes(), { unknownTypes: "accept" }), maxBodyBytes: roomy.maxBodyBytes };
  const r = prepareEvent(request({ "content-type": "application/json" }, JSON.stringify(big)), accepting);
  assert.is(r.ok ? 0 : r.problem.status, 413);
  const fits = prepareEvent(request({ "content-type": "application/json" }, JSON.stringify({ ...big, data: "s".repeat(SQS_MAX_MESSAGE_BYTES - 2048) })), accepting);
  assert.ok(fits.ok);
  const batch = prepareBatch(request({ "content-type": "application/json" }, JSON.stringify([event, big])), accepting);
  assert.ok(batch.ok);
  if (batch.ok) assert.equal(batch.items.map((i) => (i.ok ? 202 : i.problem.status)), [202, 413]);
  // A 150 KB event under the 200 KB limit fits: the message carries it once.
  const roomy150 = prepareEvent(request({ "content-type": "application/json" }, JSON.stringify({ ...big, data: "d".repeat(150 * 1024) })), { ...accepting, maxBodyBytes: 200 * 1024 });
  assert.ok(roomy150.ok, "150 KB accepted");
});

test("/events refuses a source under /sources/: only the sources route makes those events", () => {
  const reserved = { ...event, source: "/sources/github" };
  const one = prepareEvent(request({ "content-type": "application/cloudevents+json" }, JSON.stringify(reserved)), deps);
  assert.ok(!one.ok && one.problem.status === 422 && one.problem.errors?.[0].path === "/source", JSON.stringify(one));
  const batch = prepareBatch(request({ "content-type": "application/json" }, JSON.stringify([reserved, event])), { ...deps, maxBodyBytes: 2000 });
  assert.ok(batch.ok && !batch.items[0].ok && batch.items[1].ok);
  assert.is(slug({ "content-type": "application/json" }, JSON.stringify({ ...event, source: "/sourcesx" })), "ok");
});

test("problem bodies follow RFC 9457 with the urn:sluice:problem: prefix", () => {
  const p = problem("validation-failed", "bad", { errors: [{ path: "/data/id", message: "m" }], requestId: "r-9" });
  assert.equal(p, {
    type: "urn:sluice:problem:validation-failed",
    title: PROBLEM_CATALOG["validation-failed"].title,
    status: 422,
    detail: "bad",
    instance: "urn:sluice:request:r-9",
    errors: [{ path: "/data/id", message: "m" }],
  });
  const statuses = Object.fromEntries(Object.entries(PROBLEM_CATALOG).map(([k, v]) => [k, v.status]));
  assert.equal(statuses, {
    "unsupported-media-type": 415,
    "payload-too-large": 413,
    "invalid-json": 400,
    "invalid-idempotency-key": 400,
    "signature-invalid": 401,
    "origin-not-allowed": 403,
    "validation-failed": 422,
    "idempotency-key-reused": 422,
    "idempotency-key-in-flight": 409,
    "not-found": 404,
    "method-not-allowed": 405,
    "dependency-unavailable": 503,
    "internal-error": 500,
    "invalid-query": 400,
    "invalid-request": 422,
    "listing-needs-index": 400,
    "failure-modes-off": 403,
    "caller-not-authorized": 403,
  });
});

test.run();
