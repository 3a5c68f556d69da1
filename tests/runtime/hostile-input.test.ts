// The cases a hostile producer tried (issue 10), through the real handlers on dynalite and
// local-aws-sqs: each is a 4xx problem that stores and queues nothing, or a 202 whose event reads
// back byte for byte as it was sent (numbers digit for digit) once the worker has stored it.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { apiEvent, drain, getEvent, json, lambdaContext, postEvent, receiveAll, startPipeline, storedDocument, tableItems } from "./harness";
import type { Pipeline } from "./harness";
import { INPUT_LIMITS } from "../../runtime/contract/limits";

const test = suite<Pipeline>("hostile and extreme input: refused cleanly, or stored exactly");

test.before(async (ctx) => {
  // The default body limit, and events of any type taken (their data is not checked).
  Object.assign(ctx, await startPipeline({ env: { SLUICE_MAX_BODY_BYTES: String(INPUT_LIMITS.defaultMaxBodyBytes), SLUICE_UNKNOWN_TYPES: "accept" } }));
});
test.after((ctx) => ctx.close());

let n = 0;
/** A webhook event (its payload is opaque to the schema) as exact text, with `payload` spliced in as given. */
function webhookText(payloadText: string, attributes = ""): string {
  n += 1;
  return `{"specversion":"1.0","id":"hostile-${Date.now()}-${n}","source":"urn:sluice:hostile","type":"sluice.webhook.received"${attributes},"data":{"provider":"p","event":"e","payload":${payloadText}}}`;
}

function envelopeText(overrides: Record<string, unknown>): string {
  n += 1;
  return JSON.stringify({ specversion: "1.0", id: `hostile-${Date.now()}-${n}`, source: "urn:sluice:hostile", type: "sluice.webhook.received", data: { provider: "p", event: "e", payload: {} }, ...overrides });
}

function post(ctx: Pipeline, text: string, headers: Record<string, string> = {}) {
  return ctx.ingest(apiEvent({ method: "POST", path: "/events", headers: { "content-type": "application/cloudevents+json", ...headers }, body: text }), lambdaContext());
}

async function assertRefused(ctx: Pipeline, name: string, res: { statusCode: number; headers: Record<string, string>; body: string }, status: number, path?: string): Promise<void> {
  assert.is(res.statusCode, status, `${name}: ${res.body.slice(0, 300)}`);
  assert.is(res.headers["content-type"], "application/problem+json", name);
  const p = json(res);
  assert.ok(p.type && p.title && p.detail, name);
  if (path !== undefined) assert.ok((p.errors ?? []).some((e: { path: string }) => e.path === path), `${name}: error at ${path} in ${JSON.stringify(p.errors)}`);
}

/** Posts, lets the worker store it, and checks GET and the stored document give back `text` exactly. */
async function assertStoredExactly(ctx: Pipeline, name: string, text: string, headers: Record<string, string> = {}, expected = text): Promise<string> {
  const res = await post(ctx, text, headers);
  assert.is(res.statusCode, 202, `${name}: ${res.body.slice(0, 300)}`);
  const id = json(res).id as string;
  await drain(ctx.b, ctx.queueUrl, ctx.worker);
  const got = await ctx.query(getEvent(id), lambdaContext());
  assert.is(got.statusCode, 200, name);
  assert.is(json(got).status, "processed", name);
  assert.ok(got.body.endsWith(`,"event":${expected}}`), `${name}: GET returns the event as stored, byte for byte`);
  assert.is((await storedDocument(ctx.b, ctx.table, id))?.event, expected, `${name}: the stored text`);
  return id;
}

test("refused with a 4xx problem, nothing stored or queued: depth, numbers, times, characters, extensions", async (ctx) => {
  const before = (await tableItems(ctx.b, ctx.table)).length;
  const deep = (levels: number) => webhookText('{"x":' + "[".repeat(levels) + "]".repeat(levels) + "}");
  for (const levels of [62, 1_000, 1_600, 5_000]) await assertRefused(ctx, `${levels} levels`, await post(ctx, deep(levels)), 422);
  await assertRefused(ctx, "1e400", await post(ctx, webhookText('{"n":1e400}')), 422, "/data/payload/n");
  await assertRefused(ctx, "-1e400", await post(ctx, webhookText('{"n":[-1e400]}')), 422, "/data/payload/n/0");
  for (const time of [" 2021-01-01T00:00:00Z ", "2021-02-30T00:00:00Z", "2021-04-31T10:00:00Z", "2021-01-01T24:00:00Z"]) {
    await assertRefused(ctx, `time ${time}`, await post(ctx, envelopeText({ time })), 422, "/time");
  }
  for (const ext of [{ a: 1 }, [1], 1.5, 2 ** 31]) await assertRefused(ctx, `extension ${JSON.stringify(ext)}`, await post(ctx, envelopeText({ myext: ext })), 422, "/myext");
  for (const attribute of ["id", "source", "type", "subject"]) {
    for (const bad of ["\u0000", "\u001f", "\u007f", "\u0085", "\ufffe", "\ud800"]) {
      const text = envelopeText({ [attribute]: `x${bad}y` });
      await assertRefused(ctx, `${attribute} with U+${bad.charCodeAt(0).toString(16)}`, await post(ctx, text), 422, `/${attribute}`);
    }
  }
  await assertRefused(ctx, "blank source", await post(ctx, envelopeText({ source: "   " })), 422, "/source");
  await assertRefused(ctx, "duplicate member", await post(ctx, webhookText('{"a":1,"a":2}')), 422, "/data/payload/a");
  const binary = (headers: Record<string, string>, body = "{}") =>
    ctx.ingest(apiEvent({ method: "POST", path: "/events", headers: { "content-type": "application/json", "ce-specversion": "1.0", "ce-source": "urn:s", "ce-type": "com.example.x", ...headers }, body }), lambdaContext());
  await assertRefused(ctx, "binary ce-id: %00", await binary({ "ce-id": "%00" }), 422, "/id");
  await assertRefused(ctx, "binary ce-id: %C0%A0 (overlong UTF-8)", await binary({ "ce-id": "%C0%A0" }), 422, "/id");
  await assertRefused(ctx, "binary data 1e400", await binary({ "ce-id": "b-1" }, '{"n":1e400}'), 422, "/data/n");
  await assertRefused(ctx, "binary ce-data header beside the body", await binary({ "ce-id": "b-2", "ce-data": "zzz" }), 422, "/data");
  await assertRefused(ctx, "binary ce-data_base64 header", await binary({ "ce-id": "b-3", "ce-data_base64": "AAAA" }, ""), 422, "/data_base64");
  const twice = apiEvent({ method: "POST", path: "/events", headers: { "content-type": "application/json", "ce-specversion": "1.0", "ce-source": "urn:s", "ce-type": "com.example.x", "ce-id": "b-4" }, body: "{}" });
  twice.headers["CE-ID"] = "b-5"; // a direct invoke keeps the case API Gateway would have folded
  await assertRefused(ctx, "binary attribute sent twice", await ctx.ingest(twice, lambdaContext()), 422, "/id");
  assert.is((await tableItems(ctx.b, ctx.table)).length, before, "nothing stored");
  assert.equal(await receiveAll(ctx.b, ctx.queueUrl), [], "nothing queued");
});

test("accepted and stored exactly: 64-bit integers, extreme magnitudes, and the hash tells 2^64 from 2^64+1", async (ctx) => {
  const text = webhookText('{"n":18446744073709551616,"m":-9223372036854775809,"huge":1e300,"tiny":1e-300,"long":0.1000000000000000000000000000001}');
  await assertStoredExactly(ctx, "big numbers", text);
  const key = { "idempotency-key": `"int-${Date.now()}"` };
  const first = webhookText('{"n":18446744073709551616}');
  assert.is((await post(ctx, first, key)).statusCode, 202);
  const other = first.replace("18446744073709551616", "18446744073709551617");
  const reused = await post(ctx, other, key);
  await assertRefused(ctx, "2^64+1 under the key of 2^64", reused, 422);
  assert.is(json(reused).type, "urn:sluice:problem:idempotency-key-reused");
  await drain(ctx.b, ctx.queueUrl, ctx.worker);
});

test("accepted as the spec says: a stray ce-specversion on a structured event, the leap second, a quoted charset= in a parameter", async (ctx) => {
  await assertStoredExactly(ctx, "stray ce-specversion", envelopeText({}), { "ce-specversion": "1.0", "ce-id": "ignored" });
  await assertStoredExactly(ctx, "leap second", envelopeText({ time: "2016-12-31T23:59:60Z" }));
  await assertStoredExactly(ctx, "quoted parameter", envelopeText({}), { "content-type": 'application/json; profile="a;charset=latin1"' });
  await assertStoredExactly(ctx, "time as sent (offset, fraction, lower-case t)", envelopeText({ time: "2026-11-24t10:00:00.123456789+05:30" }));
});

test("the deepest legal event, the largest legal event (emoji), 10,000 keys, a 150 KB event: stored exactly", async (ctx) => {
  // Event 1, data 2, payload 3, then 61 levels: 64 in all.
  await assertStoredExactly(ctx, "deepest", webhookText('{"x":' + "[".repeat(61) + "]".repeat(61) + "}"));
  const keys = "{" + Array.from({ length: 10_000 }, (_, i) => `"k${i}":${i}`).join(",") + "}";
  await assertStoredExactly(ctx, "10,000 keys", webhookText(keys));
  // The type's struct copies the objects it checks, so the splice compares all 25,000 members.
  const wide = "{" + Array.from({ length: 20_000 }, (_, i) => `"${i.toString(36)}":1`).join(",") + "}";
  await assertStoredExactly(ctx, "20,000 keys (about 180 KB) under a typed event", webhookText(wide));
  // Varied emoji (4 bytes each in UTF-8), so the stored document does not compress to nothing.
  const shell = webhookText('{"s":""}');
  const room = INPUT_LIMITS.defaultMaxBodyBytes - Buffer.byteLength(shell);
  const emoji = Array.from({ length: Math.floor(room / 4) }, (_, i) => String.fromCodePoint(0x1f300 + ((i * 7919) % 0x350))).join("");
  const largest = shell.replace('"s":""', `"s":"${emoji}"`);
  assert.ok(Buffer.byteLength(largest) > INPUT_LIMITS.defaultMaxBodyBytes - 4 && Buffer.byteLength(largest) <= INPUT_LIMITS.defaultMaxBodyBytes, "just under the limit");
  await assertStoredExactly(ctx, "largest", largest);
  await assertStoredExactly(ctx, "150 KB", webhookText(JSON.stringify({ s: "a".repeat(150 * 1024) })));
  const over = webhookText(JSON.stringify({ s: "a".repeat(INPUT_LIMITS.defaultMaxBodyBytes) }));
  await assertRefused(ctx, "over the body limit", await post(ctx, over), 413);
});

test("binary mode: the body is the data, stored as sent; the same event in both modes is one payload", async (ctx) => {
  const body = '{ "n" : 18446744073709551616 }';
  const headers = { "content-type": "application/json", "ce-specversion": "1.0", "ce-id": `bin-${Date.now()}`, "ce-source": "urn%3As", "ce-type": "com.example.x", "ce-traceparent": '"00-a b"' };
  const res = await ctx.ingest(apiEvent({ method: "POST", path: "/events", headers, body }), lambdaContext());
  assert.is(res.statusCode, 202, res.body);
  await drain(ctx.b, ctx.queueUrl, ctx.worker);
  const stored = (await storedDocument(ctx.b, ctx.table, json(res).id))!.event;
  assert.ok(stored.endsWith(`"data":${body}}`), stored);
  assert.equal(JSON.parse(stored.replace(body, "0")), { specversion: "1.0", id: headers["ce-id"], source: "urn:s", type: "com.example.x", datacontenttype: "application/json", traceparent: "00-a b", data: 0 });
  const structured = `{"type":"com.example.x","source":"urn:s","id":"${headers["ce-id"]}","specversion":"1.0","traceparent":"00-a b","data":{"n":18446744073709551616}}`;
  const again = await post(ctx, structured);
  assert.is(again.statusCode, 202, again.body);
  assert.is(again.headers["idempotent-replayed"], "true", "the structured form is the same payload: a replay");
});

test.run();
