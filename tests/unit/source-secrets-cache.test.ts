// A source's secrets as the ingest holds them: the value of a secret read as a list, kept for the
// cache time, one read for concurrent requests, and the value read before used (and a read tried
// again later, not on every request) while Secrets Manager fails.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { cachedSecrets, parseSecretValue } from "../../runtime/sources/secret-store";
import type { SecretReader } from "../../runtime/sources/secret-store";
import { webhookHandshake } from "../../runtime/sources/webhook-handshake";
import { parseSources } from "../../runtime/sources/source-config";

test("a secret's value: a JSON list (current first), or one plain secret", () => {
  assert.equal(parseSecretValue('["new","old"]'), ["new", "old"]);
  assert.equal(parseSecretValue("plain-secret"), ["plain-secret"]);
  assert.equal(parseSecretValue("[not json"), ["[not json"]);
  assert.is(parseSecretValue("[]"), undefined);
  assert.is(parseSecretValue('["a", 1]'), undefined);
  assert.is(parseSecretValue(""), undefined);
});

function counting(values: () => string[] | Error): SecretReader & { reads: number } {
  const r = {
    reads: 0,
    async read(_id: string) {
      r.reads += 1;
      const v = values();
      if (v instanceof Error) throw v;
      return { values: v, version: `v${r.reads}` };
    },
  };
  return r;
}

test("kept for the cache time, then read again: a rotated value arrives within it", async () => {
  let clock = 0;
  let current = ["a"];
  const reader = counting(() => current);
  const cache = cachedSecrets(reader, { ttlMs: 300_000, now: () => clock });
  assert.equal((await cache.read("s")).values, ["a"]);
  current = ["b", "a"];
  clock = 299_999;
  assert.equal((await cache.read("s")).values, ["a"], "still the cached value");
  clock = 300_000;
  assert.equal((await cache.read("s")).values, ["b", "a"], "read again after the cache time");
  assert.is(reader.reads, 2);
});

test("concurrent requests share one read", async () => {
  const reader = counting(() => ["a"]);
  const cache = cachedSecrets(reader, { ttlMs: 1000, now: () => 0 });
  await Promise.all(Array.from({ length: 10 }, () => cache.read("s")));
  assert.is(reader.reads, 1);
});

test("while Secrets Manager fails: the value read before, with a new try 30 s later; with none, the failure", async () => {
  let clock = 0;
  let fail = false;
  const reader = counting(() => (fail ? new Error("down") : ["a"]));
  const cache = cachedSecrets(reader, { ttlMs: 300_000, now: () => clock });
  await cache.read("s");
  fail = true;
  clock = 400_000;
  assert.equal((await cache.read("s")).values, ["a"]);
  assert.equal((await cache.read("s")).values, ["a"]);
  assert.is(reader.reads, 2, "the second request did not try again");
  clock = 430_000;
  await cache.read("s");
  assert.is(reader.reads, 3, "tried again after 30 s");
  let threw = false;
  await cache.read("other").catch(() => (threw = true));
  assert.ok(threw, "a secret never read fails");
});

test("the webhook handshake: consent headers for a listed origin only, 405 for a source without origins", () => {
  const [withOrigins, without] = parseSources({ a: { verify: "none", type: "t", webhookOrigins: ["eventgrid.azure.net"] }, b: { verify: "none", type: "t" } });
  const a = { ...withOrigins, allowedRatePerMinute: 600 };
  const ok = webhookHandshake(a, "a", { "webhook-request-origin": "EventGrid.Azure.net" }, "r");
  assert.is(ok.statusCode, 200);
  assert.equal([ok.headers["webhook-allowed-origin"], ok.headers["webhook-allowed-rate"], ok.headers.allow], ["EventGrid.Azure.net", "600", "OPTIONS, POST"]);
  const other = webhookHandshake(a, "a", { "webhook-request-origin": "evil.example" }, "r");
  assert.is(other.statusCode, 403);
  assert.is(other.headers["webhook-allowed-origin"], undefined);
  assert.is(webhookHandshake(a, "a", {}, "r").statusCode, 204);
  const none = webhookHandshake({ ...without, allowedRatePerMinute: 60 }, "b", { "webhook-request-origin": "x" }, "r");
  assert.is(none.statusCode, 405);
  assert.is(none.headers.allow, "POST");
  assert.is(webhookHandshake(undefined, "zz", {}, "r").statusCode, 404);
  const any = webhookHandshake({ ...a, webhookOrigins: ["*"] }, "a", { "webhook-request-origin": "anyone.example" }, "r");
  assert.is(any.headers["webhook-allowed-origin"], "anyone.example");
});

test.run();
