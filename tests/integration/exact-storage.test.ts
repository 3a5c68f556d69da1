// Events stored exactly, end to end through a stack: the deepest legal event, the largest legal
// event (emoji, just under the body limit) and a 64-bit integer event read back byte for byte,
// and, on a local stack, still so after a restart; hostile bodies get a 4xx and the stack goes on.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startLocalStack, type LocalStack } from "../../local/stack";
import { INPUT_LIMITS } from "../../runtime/contract/limits";
import { eventually, httpClient, json, target, TARGET_ENV, unique } from "./target";

const deployed = (process.env[TARGET_ENV] ?? "").startsWith("deployed");

function eventText(payload: string): string {
  return `{"specversion":"1.0","id":"exact-${unique()}","source":"/sluice/integration/exact","type":"com.example.exact","data":{"payload":${payload}}}`;
}

/** Event 1, data 2, payload 3, then 61 arrays: the 64 levels the limit allows. */
const deepest = () => eventText("[".repeat(61) + "]".repeat(61));
const bigInteger = () => eventText('{"n":18446744073709551616,"m":-9223372036854775809,"x":1e300}');
function largest(): string {
  const shell = eventText('{"s":""}');
  const room = INPUT_LIMITS.defaultMaxBodyBytes - Buffer.byteLength(shell);
  const emoji = Array.from({ length: Math.floor(room / 4) }, (_, i) => String.fromCodePoint(0x1f300 + ((i * 7919) % 0x350))).join("");
  return shell.replace('"s":""', `"s":"${emoji}"`);
}

async function postAll(apiUrl: string, texts: string[]): Promise<string[]> {
  const api = httpClient(apiUrl);
  const ids: string[] = [];
  for (const text of texts) {
    const res = await api.post("events", { body: text, headers: { "content-type": "application/cloudevents+json" } });
    assert.is(res.statusCode, 202, res.body.slice(0, 300));
    ids.push(json(res).id);
  }
  return ids;
}

async function assertReadBack(apiUrl: string, ids: string[], texts: string[], when: string): Promise<void> {
  const api = httpClient(apiUrl);
  for (let i = 0; i < ids.length; i++) {
    const body = await eventually(`${ids[i]} processed (${when})`, async () => {
      const r = await api.get(`events/${ids[i]}`);
      return r.statusCode === 200 && json(r).status === "processed" ? r.body : undefined;
    });
    assert.ok(body.endsWith(`,"event":${texts[i]}}`), `${when}: event ${i} comes back byte for byte (${body.length} bytes)`);
  }
}

async function assertHostileRefused(apiUrl: string): Promise<void> {
  const api = httpClient(apiUrl);
  const hostile = [eventText("[".repeat(5_000) + "]".repeat(5_000)), eventText('{"n":1e400}'), eventText('{"a":1,"a":2}'), '{"specversion":"1.0"'];
  for (const text of hostile) {
    const res = await api.post("events", { body: text, headers: { "content-type": "application/cloudevents+json" } });
    assert.ok(res.statusCode === 400 || res.statusCode === 422, `${text.slice(0, 60)}…: ${res.statusCode} ${res.body.slice(0, 200)}`);
    assert.match(String(res.headers["content-type"]), /application\/problem\+json/);
  }
  assert.is((await api.get("health")).statusCode, 200, "the stack still answers");
}

test("the deepest, the largest and a 64-bit integer event are stored and read back exactly; hostile bodies are 4xx", async () => {
  const { apiUrl } = target();
  const texts = [deepest(), largest(), bigInteger()];
  const ids = await postAll(apiUrl, texts);
  await assertHostileRefused(apiUrl);
  await assertReadBack(apiUrl, ids, texts, "first read");
});

if (deployed) {
  test.skip("the same three events across a restart — skipped: local stack only", () => {});
} else {
  test("a local stack restarted on its data dir reads the three events back exactly, and never exits on hostile input", async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-exact-"));
    const dataDir = path.join(tmp, "data");
    let stack: LocalStack | undefined;
    try {
      stack = await startLocalStack({ stack: "dev", port: 0, dataDir, log: () => {} });
      const texts = [deepest(), largest(), bigInteger()];
      const ids = await postAll(stack.apiUrl, texts);
      await assertReadBack(stack.apiUrl, ids, texts, "before the restart");
      await assertHostileRefused(stack.apiUrl);
      await stack.stop();
      stack = undefined;
      stack = await startLocalStack({ stack: "dev", port: 0, dataDir, log: () => {} });
      await assertReadBack(stack.apiUrl, ids, texts, "after the restart");
      await assertHostileRefused(stack.apiUrl);
    } finally {
      await stack?.stop();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
}

test.run();
