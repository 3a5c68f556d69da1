// The scanner that reads all untrusted JSON: syntax as RFC 8259 writes it, the nesting limit
// checked without recursion, numbers kept as literals (and refused only when not finite), member
// names once per object, spans that point at the text. Cross-checked against JSON.parse.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { scanJson } from "../../runtime/json-scan";
import type { JsonNode } from "../../runtime/json-scan";
import { INPUT_LIMITS } from "../../runtime/contract/limits";

const scan = (text: string, maxDepth: number = INPUT_LIMITS.maxDepth) => scanJson(text, { maxDepth });

function nested(depth: number, inner = "1"): string {
  return "[".repeat(depth) + inner + "]".repeat(depth);
}

test("valid JSON of every kind scans, and agrees with JSON.parse on what is valid", () => {
  const valid = ['{"a":[1,-2.5e+3,0,true,false,null,"x"]}', " [ ] ", "{}", '"\\u00e9\\n\\"\\\\\\/"', "0", "-0.0e-0", '{"a":{"b":{}}}', '["\\ud83d\\ude00"]'];
  for (const text of valid) {
    assert.ok(scan(text).ok, text);
    JSON.parse(text);
  }
  const invalid = ["", "{", "[1,]", '{"a":1,}', "01", "1.", ".5", "+1", "1e", "tru", "nul", "[1 2]", '{"a" 1}', '{a:1}', "'x'", '"\t"', '"\\x"', '"\\u12"', "[1]]", "1 2", "NaN", "Infinity", "\ufeff{}"];
  for (const text of invalid) {
    const r = scan(text);
    assert.is(r.ok, false, JSON.stringify(text));
    if (!r.ok) assert.is(r.error.kind, "syntax", JSON.stringify(text));
    assert.throws(() => JSON.parse(text), undefined, JSON.stringify(text));
  }
});

test("depth: exactly the limit scans; one more is refused with the path of the first level too deep", () => {
  assert.ok(scan(nested(64)).ok);
  const over = scan(nested(65));
  assert.is(over.ok, false);
  if (!over.ok) {
    assert.is(over.error.kind, "invalid");
    if (over.error.kind === "invalid") assert.is(over.error.path, "/0".repeat(64));
  }
  // Deep input is refused by the limit, not by the stack: 5,000 and 1,000,000 levels.
  for (const depth of [5_000, 1_000_000]) {
    const r = scan(nested(depth));
    assert.ok(!r.ok && r.error.kind === "invalid", `${depth} levels`);
  }
  const objects = '{"a":'.repeat(65) + "1" + "}".repeat(65);
  const r = scan(objects);
  assert.ok(!r.ok && r.error.kind === "invalid" && r.error.path === "/a".repeat(64));
  assert.ok(scanJson(nested(63), { maxDepth: 64, depthOffset: 1 }).ok, "an offset counts the levels above");
  assert.not.ok(scanJson(nested(64), { maxDepth: 64, depthOffset: 1 }).ok);
});

test("numbers keep their literal; only a literal that is not finite as a double is refused, with its path", () => {
  const text = '{"big":18446744073709551616,"bigger":18446744073709551617,"tiny":1e-400,"long":0.10000000000000000000000000001}';
  const r = scan(text);
  assert.ok(r.ok);
  if (r.ok && r.node.k === "object") {
    assert.equal(r.node.values.map((v) => text.slice(v.s, v.e)), ["18446744073709551616", "18446744073709551617", "1e-400", "0.10000000000000000000000000001"]);
  }
  for (const [body, path] of [['{"n":1e400}', "/n"], ['{"a":[1,{"b":-1E+999}]}', "/a/1/b"], ["[" + "9".repeat(400) + "]", "/0"]] as const) {
    const bad = scan(body);
    assert.ok(!bad.ok && bad.error.kind === "invalid" && bad.error.path === path, body);
  }
});

test("a member name twice in one object is refused (parsers disagree on which one wins)", () => {
  const r = scan('{"a":{"x":1,"y":2,"x":3}}');
  assert.ok(!r.ok && r.error.kind === "invalid" && r.error.path === "/a/x");
  assert.ok(scan('{"a":{"x":1},"b":{"x":1}}').ok, "the same name in two objects is fine");
  assert.ok(!scan('{"\\u0061":1,"a":2}').ok, "names compare by value, not by spelling");
});

test("strings: decoded values, raw control characters and lone surrogates refused, paired ones kept", () => {
  const r = scan('["a\\u0041\\ud83d\\ude00😀"]');
  assert.ok(r.ok && r.node.k === "array" && (r.node.items[0] as Extract<JsonNode, { k: "string" }>).v === "aA😀😀");
  assert.is(scan('["\u0001"]').ok, false);
  assert.is(scan('["a\ud800b"]').ok, false, "a lone surrogate in the text is not UTF-8");
  assert.is(scan('["a\udc00"]').ok, false);
  assert.ok(scan('["\\ud800"]').ok, "an escaped lone surrogate is valid JSON syntax (CloudEvents attributes refuse it later)");
});

test("spans point at each value's text; a range scans one value inside a larger text", () => {
  const text = ' {"k" : [ 1 , "two" ] } ';
  const r = scan(text);
  assert.ok(r.ok && r.node.k === "object");
  if (!r.ok || r.node.k !== "object") return;
  assert.is(text.slice(r.node.s, r.node.e), '{"k" : [ 1 , "two" ] }');
  assert.is(text.slice(r.node.keyStarts[0], r.node.keyStarts[0] + 3), '"k"');
  const arr = r.node.values[0];
  assert.is(text.slice(arr.s, arr.e), '[ 1 , "two" ]');
  const host = 'PREFIX{"a":1}SUFFIX';
  const part = scanJson(host, { maxDepth: 64, start: 6, end: 13 });
  assert.ok(part.ok && part.node.s === 6 && part.node.e === 13);
  assert.not.ok(scanJson(host, { maxDepth: 64, start: 6, end: 14 }).ok, "nothing but the value in the range");
});

test("extreme but legal: 10,000 small keys, and 200 KB of emoji", () => {
  const keys = "{" + Array.from({ length: 10_000 }, (_, i) => `"k${i}":${i}`).join(",") + "}";
  const r = scan(keys);
  assert.ok(r.ok && r.node.k === "object" && r.node.keys.length === 10_000);
  const emoji = JSON.stringify({ s: "😀".repeat(50_000) });
  assert.ok(scan(emoji).ok);
});

test.run();
