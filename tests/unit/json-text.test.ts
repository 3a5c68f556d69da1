// What is built on the scanner's tree: the lossless canonical form the payload hash is taken over,
// and the splicing of coerced values into the text as received.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { canonicalText } from "../../runtime/json-canonical";
import { scanJson } from "../../runtime/json-scan";
import type { JsonNode } from "../../runtime/json-scan";
import { applyEdits, coercionEdits } from "../../runtime/json-splice";

function tree(text: string): JsonNode {
  const r = scanJson(text, { maxDepth: 64 });
  if (!r.ok) throw new Error(r.error.message);
  return r.node;
}

const canonical = (text: string) => canonicalText(text, tree(text));

test("canonical form: sorted names at every level, numbers by their literal, strings by value", () => {
  assert.is(canonical('{ "b" : 1, "a" : { "d" : [3, {"z":1,"y":2}], "c" : null } }'), '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  assert.is(canonical('{"n":18446744073709551616}') === canonical('{"n":18446744073709551617}'), false, "2^64 and 2^64+1 differ");
  assert.is(canonical('{"n":1.0}') === canonical('{"n":1}'), false, "another literal is another payload");
  assert.is(canonical('{"s":"\\u0041\\/"}'), canonical('{"s":"A/"}'), "escapes spell the same string");
  assert.is(canonical('{"s":"\\ud800"}'), '{"s":"\\ud800"}', "a lone surrogate has one spelling");
  const top = (text: string) => canonicalText(text, tree(text), (name) => name !== "skip");
  assert.is(top('{"skip":1,"keep":{"skip":2}}'), '{"keep":{"skip":2}}', "the filter applies to the top level only");
});

test("canonical form of a 1,000,000-deep array costs no stack", () => {
  const text = "[".repeat(1_000_000) + "]".repeat(1_000_000);
  const r = scanJson(text, { maxDepth: 2_000_000 });
  assert.ok(r.ok);
  if (r.ok) assert.is(canonicalText(text, r.node).length, text.length);
});

function coerce(text: string, coerced: unknown): string {
  const node = tree(text);
  return applyEdits(text, coercionEdits(text, node, JSON.parse(text), coerced));
}

test("splicing: only changed values are replaced; every other byte is the producer's", () => {
  const text = '{ "id" : "42", "big": 18446744073709551616, "name":" Ada ", "s":"\\u0041", "list":[1, "2"] }';
  assert.is(
    coerce(text, { id: 42, big: 18446744073709551616, name: "Ada", s: "A", list: [1, 2] }),
    '{ "id" : 42, "big": 18446744073709551616, "name":"Ada", "s":"\\u0041", "list":[1, 2] }',
  );
  assert.is(coerce('{"a":1}', { a: 1 }), '{"a":1}', "nothing changed, nothing touched");
});

test("splicing: added members go before the closing brace; dropped ones rebuild that object only", () => {
  assert.is(coerce('{"a":1}', { a: 1, b: true }), '{"a":1,"b":true}');
  assert.is(coerce("{ }", { b: "x" }), '{ "b":"x"}');
  assert.is(coerce('{"keep":{"n":18446744073709551616,"x":"1"},"drop":1}', { keep: { n: 18446744073709551616, x: 1 } }), '{"keep":{"n":18446744073709551616,"x":1}}');
  assert.is(coerce('[1,2,3]', [1, 2]), "[1,2]", "an array of another length is replaced");
});

test.run();
