// `sluice:sources` and `sluice:sourceSecrets` as the program and the ingest read them: defaults
// per scheme, every bad value refused with the key that holds it (and never a secret's value),
// and SLUICE_SOURCES read back as written.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { parseSources, parseSourceSecrets } from "../../runtime/sources/source-config";
import { checkSourcesFit, readSourcesEnvironment, sourcesEnvironment } from "../../runtime/sources/sources-environment";

function refused(fn: () => unknown, key: string, why?: RegExp): string {
  try {
    fn();
  } catch (err) {
    const message = (err as Error).message;
    assert.ok(message.startsWith(key + " "), `"${message}" names ${key} first`);
    if (why) assert.match(message, why);
    assert.is((err as Error).name, "SourceConfigError");
    return message;
  }
  assert.unreachable(`${key} was accepted`);
  return "";
}

test("the three sources of DESIGN §2b read as written, with their defaults", () => {
  const [github, orders, stripe] = parseSources({
    github: { verify: "github", id: "header:x-github-delivery", type: "com.github.{header:x-github-event}" },
    stripe: { verify: "stripe", id: "json:/id", type: "com.stripe.{json:/type}" },
    orders: { verify: "none", id: "sha256", type: "com.example.order" },
  });
  assert.equal(github, { name: "github", verify: "github", id: "header:x-github-delivery", type: "com.github.{header:x-github-event}", toleranceSeconds: 300, jsonOnly: false, webhookOrigins: [] });
  assert.is(stripe.id, "json:/id");
  assert.is(orders.verify, "none");
  assert.equal(parseSources(undefined), []);
});

test("what a provider sends is the default id and type; a plain source must say its type", () => {
  const byName = Object.fromEntries(parseSources({ gh: { verify: "github" }, st: { verify: "stripe" }, sw: { verify: "standard-webhooks" }, h: { verify: "none", type: "t" } }).map((s) => [s.name, s]));
  assert.is(byName.gh.id, "header:x-github-delivery");
  assert.is(byName.gh.type, "com.github.{header:x-github-event}");
  assert.is(byName.st.type, "com.stripe.{json:/type}");
  assert.is(byName.sw.id, "header:webhook-id");
  assert.is(byName.h.id, "sha256");
  refused(() => parseSources({ plain: { verify: "none" } }), "sluice:sources.plain.type", /required/);
  refused(() => parseSources({ h: { verify: "hmac-sha256", signatureHeader: "x-sig" } }), "sluice:sources.h.type");
});

test("every bad setting is refused with its key", () => {
  refused(() => parseSources([]), "sluice:sources", /object keyed by source name/);
  refused(() => parseSources({ GitHub: { verify: "github" } }), "sluice:sources.GitHub", /lower-case/);
  refused(() => parseSources({ "a/b": { verify: "github" } }), "sluice:sources.a/b");
  refused(() => parseSources({ gh: "github" }), "sluice:sources.gh", /object/);
  refused(() => parseSources({ gh: { verify: "gitlab" } }), "sluice:sources.gh.verify", /none, standard-webhooks, github, stripe, hmac-sha256/);
  refused(() => parseSources({ gh: { verify: "github", secret: "x" } }), "sluice:sources.gh.secret", /not a source setting/);
  refused(() => parseSources({ gh: { verify: "github", id: "header:" } }), "sluice:sources.gh.id");
  refused(() => parseSources({ gh: { verify: "github", id: "json:id" } }), "sluice:sources.gh.id", /JSON pointer/);
  refused(() => parseSources({ gh: { verify: "github", id: "uuid" } }), "sluice:sources.gh.id");
  refused(() => parseSources({ gh: { verify: "github", type: "a.{body:x}" } }), "sluice:sources.gh.type", /header:NAME or json/);
  refused(() => parseSources({ gh: { verify: "github", type: "a.{header:x" } }), "sluice:sources.gh.type", /without its }/);
  refused(() => parseSources({ gh: { verify: "github", toleranceSeconds: 0 } }), "sluice:sources.gh.toleranceSeconds");
  refused(() => parseSources({ gh: { verify: "github", jsonOnly: "yes" } }), "sluice:sources.gh.jsonOnly");
  refused(() => parseSources({ gh: { verify: "github", webhookOrigins: "x.example" } }), "sluice:sources.gh.webhookOrigins");
  refused(() => parseSources({ gh: { verify: "github", webhookOrigins: ["https://x.example/"] } }), "sluice:sources.gh.webhookOrigins[0]");
  refused(() => parseSources({ gh: { verify: "github", burstLimit: 5 } }), "sluice:sources.gh.burstLimit", /needs rateLimit/);
  refused(() => parseSources({ gh: { verify: "github", rateLimit: 1.5 } }), "sluice:sources.gh.rateLimit");
  refused(() => parseSources({ gh: { verify: "github", signatureHeader: "x" } }), "sluice:sources.gh.signatureHeader", /hmac-sha256 only/);
  refused(() => parseSources({ h: { verify: "hmac-sha256", type: "t" } }), "sluice:sources.h.signatureHeader");
  refused(() => parseSources({ h: { verify: "hmac-sha256", type: "t", signatureHeader: "x", signatureEncoding: "base32" } }), "sluice:sources.h.signatureEncoding");
  refused(() => parseSources({ o: { verify: "none", type: "t", secretName: "x" } }), "sluice:sources.o.secretName", /verifies nothing/);
  // An ARN becomes the ingest's policy Resource: a wildcard would let it read every secret.
  refused(() => parseSources({ s: { verify: "stripe", secretName: "arn:aws:secretsmanager:*:*:secret:*" } }), "sluice:sources.s.secretName");
  refused(() => parseSources({ s: { verify: "stripe", secretName: "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/*" } }), "sluice:sources.s.secretName");
  assert.is(parseSources({ s: { verify: "stripe", secretName: "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/stripe-AbCdEf" } })[0].secretName, "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/stripe-AbCdEf");
});

test("settings: rate and burst, origins in lower case, hmac's header, prefix and encoding", () => {
  const [h] = parseSources({ h: { verify: "hmac-sha256", type: "t", signatureHeader: "X-Sig", signaturePrefix: "sha256=", rateLimit: 10, webhookOrigins: ["EventGrid.Azure.NET", "*"] } });
  assert.equal([h.signatureHeader, h.signaturePrefix, h.signatureEncoding, h.rateLimit, h.burstLimit], ["x-sig", "sha256=", "hex", 10, 20]);
  assert.equal(h.webhookOrigins, ["eventgrid.azure.net", "*"]);
});

test("sourceSecrets: a list per source that verifies, a string is a list of one; refusals name the key and never the value", () => {
  const sources = parseSources({ gh: { verify: "github" }, sw: { verify: "standard-webhooks" }, orders: { verify: "none", type: "t" }, ext: { verify: "stripe", secretName: "prod/stripe" } });
  const sw = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  assert.equal(parseSourceSecrets({ gh: ["new", "old"], sw }, sources), { gh: ["new", "old"], sw: [sw] });
  refused(() => parseSourceSecrets({ sw: [sw] }, sources), "sluice:sourceSecrets.gh", /is required/);
  refused(() => parseSourceSecrets({ gh: ["a"], sw: [sw], nope: ["a"] }, sources), "sluice:sourceSecrets.nope", /names no source/);
  refused(() => parseSourceSecrets({ gh: ["a"], sw: [sw], orders: ["a"] }, sources), "sluice:sourceSecrets.orders", /verifies nothing/);
  refused(() => parseSourceSecrets({ gh: ["a"], sw: [sw], ext: ["a"] }, sources), "sluice:sourceSecrets.ext", /outside the program.*SLUICE_SOURCE_SECRET_EXT/);
  refused(() => parseSourceSecrets({ gh: [], sw: [sw] }, sources), "sluice:sourceSecrets.gh", /non-empty list/);
  refused(() => parseSourceSecrets({ gh: ["a", ""], sw: [sw] }, sources), "sluice:sourceSecrets.gh[1]");
  const m = refused(() => parseSourceSecrets({ gh: ["a"], sw: ["not base64 at all!"] }, sources), "sluice:sourceSecrets.sw[0]", /whsec_/);
  assert.not.ok(m.includes("not base64 at all!"), "the value is not repeated");
  refused(() => parseSourceSecrets({ gh: [{ secure: "v1:abc" }], sw: [sw] }, sources), "sluice:sourceSecrets.gh[0]", /encrypted.*SLUICE_SOURCE_SECRET_GH/);
});

test("SLUICE_SOURCES: what the program writes the ingest reads back, defaults and all", () => {
  const sources = parseSources({ gh: { verify: "github", rateLimit: 5 }, orders: { verify: "none", type: "com.example.order", jsonOnly: true }, h: { verify: "hmac-sha256", type: "t", signatureHeader: "x-s", webhookOrigins: ["a.example"] } });
  const text = sourcesEnvironment(sources, { gh: "arn:aws:secretsmanager:us-east-1:1:secret:gh-abcdef", h: "arn:h" }, 50);
  const back = readSourcesEnvironment(text, "SLUICE_SOURCES");
  assert.equal([...back.keys()].sort(), ["gh", "h", "orders"]);
  for (const s of sources) {
    const { secretId, allowedRatePerMinute, ...settings } = back.get(s.name)!;
    assert.equal(settings, s, s.name);
    assert.is(secretId, s.name === "orders" ? undefined : s.name === "gh" ? "arn:aws:secretsmanager:us-east-1:1:secret:gh-abcdef" : "arn:h");
    assert.is(allowedRatePerMinute, s.name === "gh" ? 300 : 3000, "the route's rate, else the stage's, per minute");
  }
  assert.is(readSourcesEnvironment("", "SLUICE_SOURCES").size, 0);
  assert.throws(() => readSourcesEnvironment("{", "SLUICE_SOURCES"), /SLUICE_SOURCES is not JSON/);
  assert.throws(() => readSourcesEnvironment('{"gh":{"verify":"github"}}', "SLUICE_SOURCES"), /SLUICE_SOURCES.gh.secretId/);
  assert.throws(() => readSourcesEnvironment('{"gh":{"verify":"nope"}}', "SLUICE_SOURCES"), /^SLUICE_SOURCES.gh.verify/);
});

test("too many sources for Lambda's 4 KB of environment are refused at once, naming sluice:sources", () => {
  const many = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`source-${i}`, { verify: "github" }]));
  refused(() => checkSourcesFit(parseSources(many), 50), "sluice:sources", /4 KB/);
  checkSourcesFit(parseSources({ a: { verify: "github" }, b: { verify: "stripe" } }), 50);
});

test.run();
