// Type schemas and their coercions, and the whole-envelope validator the ingest and the CLI share.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createEventTypes, TEST_FAULT_TYPE } from "../../runtime/event-types";
import { createEnvelopeValidator } from "../../runtime/event-validator";

const registry = createEventTypes();

test("the registry lists the built-in types; the test type only when asked", () => {
  assert.equal(registry.types(), ["sluice.demo.user", "sluice.telemetry.reading", "sluice.webhook.received"]);
  assert.not.ok(registry.has(TEST_FAULT_TYPE));
  assert.ok(createEventTypes({ testEvents: true }).has(TEST_FAULT_TYPE));
});

test("demo user: numeric strings, boolean strings and stray whitespace are coerced", () => {
  const r = registry.validate("sluice.demo.user", { id: " 7 ", name: "  Grace Hopper ", email: " grace@example.com ", active: "FALSE" });
  assert.equal(r, { ok: true, value: { id: 7, name: "Grace Hopper", email: "grace@example.com", active: false } });
  assert.equal(registry.validate("sluice.demo.user", { id: 8, name: "Ada", active: true }), { ok: true, value: { id: 8, name: "Ada", active: true } });
});

test("demo user: what cannot be coerced is reported with a path per field", () => {
  const r = registry.validate("sluice.demo.user", { id: "10.5", name: "   ", email: "not-an-email", active: "yes", extra: 1 });
  assert.is(r.ok, false);
  if (r.ok) return;
  const paths = r.errors.map((e) => e.path).sort();
  assert.equal(paths, ["/data/active", "/data/email", "/data/extra", "/data/id", "/data/name"]);
  assert.ok(r.errors.every((e) => e.message.length > 0));
});

test("demo user: missing required fields", () => {
  const r = registry.validate("sluice.demo.user", { name: "No Id" });
  assert.is(r.ok, false);
  if (!r.ok) assert.equal(r.errors.sort((a, b) => a.path.localeCompare(b.path)), [
    { path: "/data/active", message: "is required" },
    { path: "/data/id", message: "is required" },
  ]);
  const extra = registry.validate("sluice.demo.user", { id: 1, name: "A", active: true, nickname: "a" });
  assert.equal(extra, { ok: false, errors: [{ path: "/data/nickname", message: "is not a known field" }] });
});

test("telemetry: a numeric string value becomes a number; timestamps must be RFC 3339", () => {
  const ok = registry.validate("sluice.telemetry.reading", { deviceId: "d1", metric: "rpm", value: "1.5e3", recordedAt: "2026-11-24T10:00:00.123Z" });
  assert.equal(ok, { ok: true, value: { deviceId: "d1", metric: "rpm", value: 1500, recordedAt: "2026-11-24T10:00:00.123Z" } });
  const bad = registry.validate("sluice.telemetry.reading", { deviceId: "d1", metric: "rpm", value: "12 rpm", recordedAt: "yesterday" });
  assert.is(bad.ok, false);
  if (!bad.ok) assert.equal(bad.errors.map((e) => e.path).sort(), ["/data/recordedAt", "/data/value"]);
});

test("webhook: the payload is opaque but must be an object", () => {
  assert.ok(registry.validate("sluice.webhook.received", { provider: "github", event: "push", payload: { any: ["thing"] } }).ok);
  assert.not.ok(registry.validate("sluice.webhook.received", { provider: "github", event: "push", payload: "text" }).ok);
});

test("test fault type: known modes only", () => {
  const withTest = createEventTypes({ testEvents: true });
  assert.ok(withTest.validate(TEST_FAULT_TYPE, { mode: "transient" }).ok);
  assert.not.ok(withTest.validate(TEST_FAULT_TYPE, { mode: "explode" }).ok);
});

const envelope = { specversion: "1.0", id: "a-1", source: "urn:x", type: "sluice.demo.user", data: { id: "1", name: "A", active: "true" } };

test("envelope: a valid event comes back with its data coerced, extensions kept", () => {
  const v = createEnvelopeValidator(registry);
  const r = v.validate({ ...envelope, traceparent: "00-abc", time: "2026-11-24T10:00:00Z" });
  assert.ok(r.ok);
  if (r.ok) {
    assert.equal(r.value.data, { id: 1, name: "A", active: true });
    assert.is(r.value.traceparent, "00-abc");
  }
});

test("envelope: errors are reported before data is looked at", () => {
  const v = createEnvelopeValidator(registry);
  const r = v.validate({ specversion: "0.3", id: "", source: "urn:x", data: { id: "nope" } });
  assert.is(r.ok, false);
  if (!r.ok) {
    assert.is(r.stage, "envelope");
    assert.equal(r.errors.map((e) => e.path).sort(), ["/id", "/specversion", "/type"]);
  }
  const notObject = v.validate([envelope]);
  assert.is(notObject.ok, false);
  const badExtension = v.validate({ ...envelope, "Bad-Name": 1 });
  assert.is(badExtension.ok, false);
  if (!badExtension.ok) assert.equal(badExtension.errors.map((e) => e.path), ["/Bad-Name"]);
  const badTime = v.validate({ ...envelope, time: "24/11/2026" });
  assert.is(badTime.ok, false);
});

test("envelope: unknown types follow the accept/reject setting", () => {
  const unknown = { ...envelope, type: "com.example.other", data: { whatever: true } };
  const accepted = createEnvelopeValidator(registry, { unknownTypes: "accept" }).validate(unknown);
  assert.ok(accepted.ok);
  if (accepted.ok) assert.equal(accepted.value.data, { whatever: true }, "data of an unknown type is passed through unchanged");
  const rejected = createEnvelopeValidator(registry, { unknownTypes: "reject" }).validate(unknown);
  assert.is(rejected.ok, false);
  if (!rejected.ok) {
    assert.is(rejected.stage, "data");
    assert.equal(rejected.errors.map((e) => e.path), ["/type"]);
  }
});

test("coercions never change digits: a numeric string beyond 2^53 stays a string and fails an integer field", () => {
  const r = registry.validate("sluice.demo.user", { id: "18446744073709551616", name: "A", active: true });
  assert.is(r.ok, false);
  if (!r.ok) assert.equal(r.errors.map((e) => e.path), ["/data/id"]);
  assert.ok(registry.validate("sluice.demo.user", { id: 18446744073709551616, name: "A", active: true }).ok, "a JSON integer is an integer; its text is kept as sent");
});

test("envelope: data_base64 for types without a schema, not both data and data_base64, JSON data for a schema", () => {
  const v = createEnvelopeValidator(registry, { unknownTypes: "accept" });
  const base = { specversion: "1.0", id: "b-1", source: "urn:x", type: "com.example.blob" };
  assert.ok(v.validate({ ...base, datacontenttype: "application/octet-stream", data_base64: "AAEC/w==" }).ok);
  const notBase64 = v.validate({ ...base, data_base64: "not base64!" });
  assert.ok(!notBase64.ok && notBase64.errors[0].path === "/data_base64");
  const both = v.validate({ ...base, data: 1, data_base64: "AA==" });
  assert.ok(!both.ok && both.errors[0].path === "/data_base64");
  const typed = v.validate({ ...envelope, data: undefined, data_base64: "AA==" });
  assert.ok(!typed.ok && typed.stage === "data" && typed.errors[0].path === "/data_base64");
  const xml = v.validate({ ...envelope, datacontenttype: "application/xml" });
  assert.ok(!xml.ok && xml.errors[0].path === "/datacontenttype");
  assert.ok(v.validate({ ...base, subject: null, data: null }).ok, "null attributes are absent; null data is a payload");
});

test.run();
