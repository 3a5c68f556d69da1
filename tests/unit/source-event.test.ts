// What Sluice makes of a source's request: the id rule and the type template, the CloudEvent
// around the body (JSON as its own text, text as a string, anything else as base64), the raw
// body found again inside the stored event byte for byte, and the 4xx for what cannot be wrapped.
import { createHash } from "node:crypto";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { rawFromEvent } from "../../runtime/contract/stored-document";
import { createEventTypes } from "../../runtime/event-types";
import { createEnvelopeValidator } from "../../runtime/event-validator";
import { scanJson } from "../../runtime/json-scan";
import { compiledRules, parseSources } from "../../runtime/sources/source-config";
import { wrapSourceEvent } from "../../runtime/sources/source-event";
import { evaluateId, evaluateTemplate, nodeAt, parsePointer, parseTemplate } from "../../runtime/sources/source-rules";

const AT = "2026-11-24T10:00:00.000Z";
const validator = createEnvelopeValidator(createEventTypes(), { unknownTypes: "accept" });

function source(settings: Record<string, unknown>) {
  const [s] = parseSources({ src: { verify: "none", type: "com.example.thing", ...settings } });
  return s;
}

function wrap(settings: Record<string, unknown>, body: string | Buffer, headers: Record<string, string> = { "content-type": "application/json" }) {
  const s = source(settings);
  return wrapSourceEvent(s, compiledRules(s), { headers, body: Buffer.isBuffer(body) ? body : Buffer.from(body, "utf8"), receivedAt: AT, requestId: "req-1" });
}

function wrapped(settings: Record<string, unknown>, body: string | Buffer, headers?: Record<string, string>) {
  const w = wrap(settings, body, headers);
  if (!w.ok) throw new Error(JSON.stringify(w.problem));
  return w;
}

test("JSON pointers (RFC 6901) and the nodes they reach", () => {
  assert.equal(parsePointer("/a/b~1c/~0d"), ["a", "b/c", "~d"]);
  assert.is(parsePointer("a"), undefined);
  assert.is(parsePointer("/a~2"), undefined);
  const text = '{"a":{"b/c":[10,{"~d":"x"}]}}';
  const scanned = scanJson(text, { maxDepth: 64 });
  assert.ok(scanned.ok);
  if (!scanned.ok) return;
  assert.is(nodeAt(scanned.node, ["a", "b/c", "0"])?.k, "number");
  assert.is(nodeAt(scanned.node, ["a", "b/c", "01"]), undefined, "no leading zeros");
  assert.is(nodeAt(scanned.node, ["a", "b/c", "1", "~d"])?.k, "string");
});

test("id rules and type templates read headers (any case) and JSON scalars; objects, arrays, null and empty are nothing", () => {
  const text = '{"id":"e-1","n":18446744073709551617,"ok":true,"o":{},"nil":null,"empty":""}';
  const scanned = scanJson(text, { maxDepth: 64 });
  if (!scanned.ok) throw new Error("scan");
  const input = { headers: { "X-Event": "push" }, json: { text, root: scanned.node }, raw: Buffer.from(text) };
  const id = (rule: string) => {
    const [s] = parseSources({ s: { verify: "none", type: "t", id: rule } });
    return evaluateId(compiledRules(s).id, input);
  };
  assert.equal(id("json:/id"), { ok: true, value: "e-1" });
  assert.equal(id("json:/n"), { ok: true, value: "18446744073709551617" }, "a number by its literal, digit for digit");
  assert.equal(id("json:/ok"), { ok: true, value: "true" });
  assert.equal(id("header:x-event"), { ok: true, value: "push" });
  assert.equal(id("sha256"), { ok: true, value: createHash("sha256").update(text).digest("hex") });
  for (const rule of ["json:/o", "json:/nil", "json:/empty", "json:/missing", "header:x-missing"]) assert.not.ok(id(rule).ok, rule);
  const parts = parseTemplate("com.{header:x-event}.{json:/id}.v1");
  if (typeof parts === "string") throw new Error(parts);
  assert.equal(evaluateTemplate(parts, input), { ok: true, value: "com.push.e-1.v1" });
});

test("a JSON body becomes `data` as its own text, with the attributes Sluice sets; the raw body is found again", () => {
  const body = '{ "orderId": "test-123", "amount": 42.50 }';
  const w = wrapped({ id: "json:/orderId" }, body);
  const event = JSON.parse(w.scanned.text);
  assert.equal(event, { specversion: "1.0", id: "test-123", source: "/sources/src", type: "com.example.thing", time: AT, datacontenttype: "application/json", data: { orderId: "test-123", amount: 42.5 } });
  assert.ok(w.scanned.text.includes('"data":' + body), "the body's own text: spacing and 42.50 kept");
  assert.equal(Buffer.from(rawFromEvent(Buffer.from(w.scanned.text), w.rawOf)).toString(), body);
  assert.ok(validator.check(w.scanned).ok, "a valid CloudEvent");
});

test("the issue's three plain JSON shapes wrap, with ids from their own fields or the body's hash", () => {
  const shapes = [
    { settings: { id: "sha256" }, body: '{"orderId":"test-123","amount":42.50}' },
    { settings: { id: "sha256", type: "com.example.telemetry.{json:/type}" }, body: '{"source":"sensor-01","type":"temperature","payload":{"celsius":21.5}}' },
    { settings: { id: "json:/metadata/message_id" }, body: '{"metadata":{"message_id":"m-77"},"data":{"x":1}}' },
  ];
  const ids = shapes.map(({ settings, body }) => {
    const w = wrapped(settings, body);
    assert.ok(validator.check(w.scanned).ok);
    return JSON.parse(w.scanned.text);
  });
  assert.is(ids[0].id, createHash("sha256").update(shapes[0].body).digest("hex"));
  assert.is(ids[1].type, "com.example.telemetry.temperature");
  assert.is(ids[1].source, "/sources/src", "the body's own `source` is data, not the event's");
  assert.is(ids[2].id, "m-77");
  assert.equal(ids[2].data, { metadata: { message_id: "m-77" }, data: { x: 1 } });
});

test("text, form-encoded and binary bodies are kept as received: data as a string, or data_base64", () => {
  const form = wrapped({}, "payload=%7B%22a%22%3A1%7D&x=%C3%BC", { "content-type": "application/x-www-form-urlencoded" });
  assert.is(JSON.parse(form.scanned.text).data, "payload=%7B%22a%22%3A1%7D&x=%C3%BC");
  assert.is(form.rawOf.encoding, "string");
  const text = wrapped({}, "hello “world”\n", { "content-type": "text/plain; charset=utf-8" });
  assert.is(Buffer.from(rawFromEvent(Buffer.from(text.scanned.text), text.rawOf)).toString("utf8"), "hello “world”\n");
  const bytes = Buffer.from([0x00, 0xff, 0xc0, 0x0a]);
  for (const headers of [{ "content-type": "application/octet-stream" }, { "content-type": "text/plain" }, {} as Record<string, string>]) {
    const bin = wrapped({}, bytes, headers);
    const event = JSON.parse(bin.scanned.text);
    assert.is(event.data_base64, bytes.toString("base64"), JSON.stringify(headers));
    assert.is(event.datacontenttype, headers["content-type"]);
    assert.equal([...rawFromEvent(Buffer.from(bin.scanned.text), bin.rawOf)], [...bytes]);
    assert.ok(validator.check(bin.scanned).ok);
  }
  const latin1 = wrapped({}, Buffer.from("caf\xe9", "latin1"), { "content-type": "text/plain; charset=iso-8859-1" });
  assert.ok(JSON.parse(latin1.scanned.text).data_base64, "text in another charset stays bytes");
  const empty = wrapped({}, "", {});
  assert.not.ok("data" in JSON.parse(empty.scanned.text));
  assert.is(rawFromEvent(Buffer.from(empty.scanned.text), empty.rawOf).byteLength, 0);
});

test("refused: JSON-only sources, JSON that is not JSON or not UTF-8, too deep, and rules that find nothing", () => {
  const status = (w: ReturnType<typeof wrap>) => (w.ok ? 202 : w.problem.status);
  assert.is(status(wrap({ jsonOnly: true }, "a=1", { "content-type": "application/x-www-form-urlencoded" })), 415);
  assert.is(status(wrap({ jsonOnly: true }, "{}", {})), 415);
  assert.is(status(wrap({}, "{", { "content-type": "application/json" })), 400);
  assert.is(status(wrap({}, Buffer.from([0x7b, 0xff, 0x7d]), { "content-type": "application/json" })), 400);
  assert.is(status(wrap({}, "{}", { "content-type": "application/json; charset=latin1" })), 415);
  assert.is(status(wrap({}, "{}", { "content-type": "not a type" })), 415);
  assert.is(status(wrap({}, "[".repeat(63) + "]".repeat(63))), 202, "63 levels of data sit at depth 64");
  const deep = wrap({}, "[".repeat(64) + "]".repeat(64));
  assert.is(status(deep), 422);
  if (!deep.ok) assert.match(deep.problem.errors![0].path, /^\/data/);
  const missing = wrap({ id: "header:x-delivery" }, "{}");
  assert.is(status(missing), 422);
  if (!missing.ok) assert.equal(missing.problem.errors![0].path, "/id");
  const noType = wrap({ type: "com.{json:/kind}" }, '{"kind":{}}');
  if (!noType.ok) assert.equal(noType.problem.errors![0].path, "/type");
  assert.is(status(noType), 422);
});

test.run();
