// The stored document and the queue message, the two encodings an event travels in: both give the
// event's text back byte for byte, whatever it holds; the document keeps room for the raw body and
// a verification receipt (the sources issue), and SendMessageBatch requests stay within SQS's limits.
import { randomBytes } from "node:crypto";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { decodeStoredDocument, encodeStoredDocument } from "../../runtime/contract/stored-document";
import type { StoredDocument } from "../../runtime/contract/stored-document";
import { QUEUE_LIMITS } from "../../runtime/contract/limits";
import { batchRequests } from "../../runtime/event-queue";
import { encodeMessageBody, messageBytes, parseQueueMessage } from "../../runtime/queue-message";
import type { QueueMessage } from "../../runtime/queue-message";

const base: StoredDocument = { event: '{"n":18446744073709551616,"s":"😀\\u0000"}', key: 'ce:["s","1"]', requestId: "r-1", sourceIp: "203.0.113.9", userAgent: "ua/1" };

test("stored document: the event, the request metadata, and optional raw bytes and receipt round-trip", () => {
  assert.equal(decodeStoredDocument(encodeStoredDocument(base)), base);
  const raw = new Uint8Array([0, 1, 2, 0xff, 0x0a, 0x7b]);
  const receipt = { scheme: "standard-webhooks", keyIndex: 1, signedAt: "2024-11-24T12:06:40.000Z", verifiedAt: "2026-11-24T10:00:00.000Z", bodySha256: "ab".repeat(32), headers: { "webhook-id": "m" } };
  const full: StoredDocument = { ...base, raw, receipt };
  const back = decodeStoredDocument(encodeStoredDocument(full));
  assert.equal(back, full);
  assert.equal([...back.raw!], [...raw], "raw bytes exactly, newlines and 0xff included");
  const minimal: StoredDocument = { event: "{}", key: "k", requestId: "r" };
  assert.equal(decodeStoredDocument(encodeStoredDocument(minimal)), minimal);
});

test("stored document: a raw body inside the event is stored once, as its span, and read back as the same bytes", () => {
  const body = '{"a": 1.50}';
  const event = `{"id":"ü","data":${body}}`;
  const start = Buffer.byteLength('{"id":"ü","data":');
  const doc: StoredDocument = { event, key: "k", requestId: "r", rawOf: { start, end: start + Buffer.byteLength(body), encoding: "text" } };
  const bytes = encodeStoredDocument(doc);
  const back = decodeStoredDocument(bytes);
  assert.is(Buffer.from(back.raw!).toString(), body);
  assert.equal(back.rawOf, doc.rawOf);
  // A body beyond deflate's 32 KiB window that does not compress: as a span it costs nothing; as
  // bytes it is stored a second time, whole (and would travel twice in the queue message).
  const noise = randomBytes(48_000).toString("base64");
  const big = `{"data":"${noise}"}`;
  const span = encodeStoredDocument({ event: big, key: "k", requestId: "r", rawOf: { start: 8, end: 8 + noise.length + 2, encoding: "string" } });
  const copy = encodeStoredDocument({ event: big, key: "k", requestId: "r", raw: Buffer.from(noise) });
  assert.ok(copy.byteLength - span.byteLength > 40_000, `${copy.byteLength} vs ${span.byteLength}`);
  const b64 = `{"data_base64":"${Buffer.from([0, 255]).toString("base64")}"}`;
  assert.equal([...decodeStoredDocument(encodeStoredDocument({ event: b64, key: "k", requestId: "r", rawOf: { start: 15, end: b64.length - 1, encoding: "base64" } })).raw!], [0, 255]);
  const str = '{"data":"a=1\\n"}';
  assert.is(Buffer.from(decodeStoredDocument(encodeStoredDocument({ event: str, key: "k", requestId: "r", rawOf: { start: 8, end: str.length - 1, encoding: "string" } })).raw!).toString(), "a=1\n", "the string's value: an escape read as the character it stands for");
  assert.throws(() => decodeStoredDocument(encodeStoredDocument({ ...doc, rawOf: { start: 0, end: 999, encoding: "text" } })), /outside the event/);
});

test("stored document: deflated where that is smaller, as is where it is not; an unknown format is refused", () => {
  const repetitive = encodeStoredDocument({ ...base, event: JSON.stringify({ pad: "x".repeat(900) }) });
  assert.is(repetitive[0], 2, "deflated");
  assert.ok(repetitive.byteLength < 300);
  const tiny = encodeStoredDocument({ event: "{}", key: "k", requestId: "r" });
  assert.is(tiny[0], 1, "too small to be worth it");
  const bytes = encodeStoredDocument(base);
  assert.throws(() => decodeStoredDocument(Buffer.concat([Buffer.from([9]), bytes.subarray(1)])), /format 9/);
});

const message: QueueMessage = { id: "evt_1", key: "w:m\uFFFE", payloadHash: "h", receivedAt: "2026-11-24T10:00:00.000Z", requestId: "r", sourceIp: "203.0.113.9", userAgent: "ua \uFFFF", event: '{"a":"b"}' };

test("queue message: a header line and the event text once; SQS-refused characters never appear raw", () => {
  const body = encodeMessageBody(message);
  assert.is(body.slice(body.indexOf("\n") + 1), message.event, "the event follows the header as it is");
  assert.not.match(body, /[\uFFFE\uFFFF]/, "the header's own U+FFFE/U+FFFF are escaped");
  const back = parseQueueMessage(body);
  assert.ok(back.ok);
  if (back.ok) assert.equal(back.message, message);
  for (const event of ['{"s":"\uFFFE"}', '{"s":"\uFFFF"}', '{"s":"😀\uFFFF"}']) {
    const odd = encodeMessageBody({ ...message, event });
    assert.not.match(odd, /[\uFFFE\uFFFF\uD800]/, JSON.stringify(event));
    const read = parseQueueMessage(odd);
    assert.ok(read.ok && read.message.event === event, "deflated base64, back exactly");
  }
  const fromSource: QueueMessage = { ...message, receipt: { scheme: "github", keyIndex: 0, verifiedAt: "t", bodySha256: "h", headers: { "x-hub-signature-256": "sha256=ab" } }, rawOf: { start: 8, end: 9, encoding: "text" } };
  const read = parseQueueMessage(encodeMessageBody(fromSource));
  assert.ok(read.ok && JSON.stringify(read.message) === JSON.stringify(fromSource), "a source's receipt and raw span travel in the header");
  const coerced = parseQueueMessage(encodeMessageBody({ ...message, raw: new Uint8Array([0, 255, 10]) }));
  assert.ok(coerced.ok && [...coerced.message.raw!].join() === "0,255,10", "or the raw bytes themselves");
  // UTF-8 cannot hold a lone surrogate; the scanner never lets one through, so meeting one is a bug.
  assert.throws(() => encodeMessageBody({ ...message, event: '{"s":"a\uD800"}' }), /well-formed/);
});

test("batch requests: at most 10 entries and 256 KiB of bodies each, in order", () => {
  const entry = (i: number, bytes: number) => ({ entryId: String(i), body: "x".repeat(bytes) });
  assert.equal(batchRequests(Array.from({ length: 10 }, (_, i) => entry(i, 100))).map((r) => r.length), [10]);
  assert.equal(batchRequests(Array.from({ length: 12 }, (_, i) => entry(i, 100))).map((r) => r.length), [10, 2]);
  const big = Array.from({ length: 10 }, (_, i) => entry(i, 60 * 1024));
  const requests = batchRequests(big);
  assert.equal(requests.map((r) => r.length), [4, 4, 2]);
  for (const r of requests) assert.ok(r.reduce((s, e) => s + messageBytes(e.body), 0) <= QUEUE_LIMITS.maxBatchBytes);
  assert.equal(requests.flat().map((e) => e.entryId), big.map((e) => e.entryId));
  assert.equal(batchRequests([entry(0, QUEUE_LIMITS.maxMessageBytes), entry(1, 1)]).map((r) => r.length), [1, 1]);
});

test.run();
