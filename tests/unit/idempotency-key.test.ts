// Idempotency-Key parsing (RFC 8941 sf-string, bare token), key choice, event id and payload hash.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { canonicalJson, deriveKey, eventIdForKey, eventPayloadHash, isEventId, parseIdempotencyKey, payloadHash, sourceKey, sourcePayloadHash } from "../../runtime/idempotency-key";
import { scanJson } from "../../runtime/json-scan";

test("sf-string: quoted, with \\\" and \\\\ escapes", () => {
  assert.equal(parseIdempotencyKey('"8e03978e-40d5-43e8-bc93-6894a57f9324"'), { ok: true, key: "8e03978e-40d5-43e8-bc93-6894a57f9324" });
  assert.equal(parseIdempotencyKey('  "a \\"quoted\\" \\\\ key"  '), { ok: true, key: 'a "quoted" \\ key' });
});

test("bare tokens are accepted, including ones starting with a digit", () => {
  assert.equal(parseIdempotencyKey("order-7781"), { ok: true, key: "order-7781" });
  assert.equal(parseIdempotencyKey("3f1c9a"), { ok: true, key: "3f1c9a" });
});

test("malformed keys are refused with a reason", () => {
  for (const raw of ['"unterminated', '"bad \\n escape"', '"two" "strings"', '"a";param=1', "has space", "", '""', '"\u00e9"', '"' + "k".repeat(256) + '"']) {
    const r = parseIdempotencyKey(raw);
    assert.is(r.ok, false, JSON.stringify(raw));
    if (!r.ok) assert.ok(r.reason.length > 0);
  }
});

test("key choice: header, then webhook-id, then source + id; the spaces never collide", () => {
  assert.is(deriveKey({ header: "k", webhookId: "w", source: "s", id: "i" }), "h:k");
  assert.is(deriveKey({ webhookId: " w ", source: "s", id: "i" }), "w:w");
  assert.is(deriveKey({ source: "s", id: "i" }), 'ce:["s","i"]');
  // However source and id split a string, the pair stays distinct.
  assert.is.not(deriveKey({ source: "a", id: "b\nc" }), deriveKey({ source: "a\nb", id: "c" }));
  assert.is.not(deriveKey({ source: "a", id: '","b' }), deriveKey({ source: 'a","', id: "b" }));
  // A source's events have a space of their own: no /events producer can take a delivery's key.
  assert.is(sourceKey("github", "d-1"), 'src:["github","d-1"]');
  assert.is.not(sourceKey("github", "d-1"), deriveKey({ source: "/sources/github", id: "d-1" }));
  // A header that spells another space's key still lands in its own space.
  assert.is.not(deriveKey({ header: 'ce:["s","i"]', source: "x", id: "y" }), deriveKey({ source: "s", id: "i" }));
});

test("event id: deterministic, well-formed, different per key", () => {
  const a = eventIdForKey("h:abc");
  assert.is(a, eventIdForKey("h:abc"));
  assert.ok(isEventId(a));
  assert.is.not(a, eventIdForKey("h:abd"));
  assert.not.ok(isEventId("evt_XYZ"));
  assert.not.ok(isEventId("../evt_" + "0".repeat(32)));
});

test("a source event's payload hash leaves out the receipt time: a redelivery of the same body is the same payload", () => {
  const scan = (text: string) => {
    const s = scanJson(text, { maxDepth: 64 });
    if (!s.ok || s.node.k !== "object") throw new Error("scan");
    return { text, root: s.node };
  };
  const at = (time: string, data = '{"a":1}') => scan(`{"specversion":"1.0","id":"d","source":"/sources/s","type":"t","time":"${time}","data":${data}}`);
  assert.is(sourcePayloadHash(at("2026-01-01T00:00:00Z")), sourcePayloadHash(at("2026-01-02T00:00:00Z")));
  assert.is.not(sourcePayloadHash(at("2026-01-01T00:00:00Z")), sourcePayloadHash(at("2026-01-01T00:00:00Z", '{"a":2}')));
  assert.is.not(eventPayloadHash(at("2026-01-01T00:00:00Z")), eventPayloadHash(at("2026-01-02T00:00:00Z")), "on /events time is part of the event");
});

test("canonical JSON sorts keys at every level and drops undefined members", () => {
  assert.is(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null }, u: undefined }), '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  assert.is(canonicalJson("x"), '"x"');
});

test("payload hash: equal for equal events whatever the key order, different for any change", () => {
  const a = { specversion: "1.0", id: "1", source: "s", type: "t", data: { x: 1, y: [1, 2] } };
  const b = { data: { y: [1, 2], x: 1 }, type: "t", source: "s", id: "1", specversion: "1.0" };
  assert.is(payloadHash(a), payloadHash(b));
  assert.match(payloadHash(a), /^[0-9a-f]{64}$/);
  assert.is.not(payloadHash(a), payloadHash({ ...a, data: { x: 1, y: [2, 1] } }));
  assert.is.not(payloadHash(a), payloadHash({ ...a, data: { x: "1", y: [1, 2] } }));
});

test.run();
