// The ingest's I/O-free checks, in their order, and the problem bodies they produce.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createEnvelopeValidator, createEventTypes } from "../../runtime/event-types";
import { prepareBatch, prepareEvent, parseMediaType } from "../../runtime/prepare-event";
import type { IngestRequest } from "../../runtime/prepare-event";
import { problem, PROBLEM_CATALOG, slugOf } from "../../runtime/contract/problems";
import { encodeMessageBody, SQS_MAX_MESSAGE_BYTES } from "../../runtime/queue-message";

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
  assert.equal(parseMediaType("Application/CloudEvents+JSON; charset=UTF-8"), { type: "application/cloudevents+json", charsetOk: true });
  assert.is(slug({ "content-type": "application/json; charset=iso-8859-1" }, JSON.stringify(event)), "unsupported-media-type");
  const binary = { "content-type": "application/vnd.acme+json", "ce-specversion": "1.0", "ce-id": "e-1", "ce-source": "urn%3As", "ce-type": "sluice.demo.user" };
  const r = prepareEvent(request(binary, JSON.stringify(event.data)), deps);
  assert.ok(r.ok);
  if (r.ok) {
    assert.is(r.message.event.source, "urn:s", "ce-* values are percent-decoded");
    assert.is(r.message.event.datacontenttype, "application/vnd.acme+json");
  }
});

test("a prepared event is enriched and keyed", () => {
  const r = prepareEvent(request({ "content-type": "application/cloudevents+json", "idempotency-key": '"k-1"' }, JSON.stringify(event)), deps);
  assert.ok(r.ok);
  if (!r.ok) return;
  const m = r.message;
  assert.is(m.v, 1);
  assert.is(m.key, "h:k-1");
  assert.match(m.id, /^evt_[0-9a-f]{32}$/);
  assert.is(m.requestId, "req-1");
  assert.is(m.sourceIp, "203.0.113.9");
  assert.is(m.userAgent, "ua/1");
  assert.is(m.receivedAt, "2026-11-24T10:00:00.000Z");
  assert.equal(m.event.data, { id: 1, name: "A", active: true });
});

test("structured and binary mode of one event hash the same", () => {
  const structured = prepareEvent(request({ "content-type": "application/cloudevents+json" }, JSON.stringify(event)), deps);
  const binary = prepareEvent(
    request({ "content-type": "application/json", "ce-specversion": "1.0", "ce-id": "e-1", "ce-source": "urn:s", "ce-type": "sluice.demo.user" }, JSON.stringify(event.data)),
    deps,
  );
  assert.ok(structured.ok && binary.ok);
  if (structured.ok && binary.ok) {
    assert.is(binary.message.payloadHash, structured.message.payloadHash);
    assert.is(binary.message.id, structured.message.id);
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

test("message bodies escape what SQS refuses and mean the same JSON", () => {
  const r = prepareEvent(request({ "content-type": "application/json" }, JSON.stringify({ ...event, subject: "a\uFFFEb\uFFFF" })), deps);
  assert.ok(r.ok);
  if (!r.ok) return;
  const body = encodeMessageBody(r.message);
  assert.not.match(body, /[\uFFFE\uFFFF]/);
  assert.ok(body.includes("\\ufffe") && body.includes("\\uffff"));
  assert.equal(JSON.parse(body), JSON.parse(JSON.stringify(r.message)));
});

test("an event under the body limit whose queue message would pass SQS's limit is a 413, not a 503 later", () => {
  const roomy = { ...deps, maxBodyBytes: 1024 * 1024 };
  const big = { ...event, type: "com.example.unchecked", subject: "s".repeat(SQS_MAX_MESSAGE_BYTES) };
  const accepting = { validator: createEnvelopeValidator(createEventTypes(), { unknownTypes: "accept" }), maxBodyBytes: roomy.maxBodyBytes };
  const r = prepareEvent(request({ "content-type": "application/json" }, JSON.stringify(big)), accepting);
  assert.is(r.ok ? 0 : r.problem.status, 413);
  const fits = prepareEvent(request({ "content-type": "application/json" }, JSON.stringify({ ...big, subject: "s".repeat(SQS_MAX_MESSAGE_BYTES - 2048) })), accepting);
  assert.ok(fits.ok);
  const batch = prepareBatch(request({ "content-type": "application/json" }, JSON.stringify([event, big])), accepting);
  assert.ok(batch.ok);
  if (batch.ok) assert.equal(batch.items.map((i) => (i.ok ? 202 : i.problem.status)), [202, 413]);
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
    "validation-failed": 422,
    "idempotency-key-reused": 422,
    "idempotency-key-in-flight": 409,
    "not-found": 404,
    "method-not-allowed": 405,
    "dependency-unavailable": 503,
  });
});

test.run();
