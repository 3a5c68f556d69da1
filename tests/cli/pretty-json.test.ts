// `sluice status` indents the answer without parsing it: laid out as JSON.stringify(v, null, 2),
// but numbers keep their digits and strings their escapes.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { prettyJson } from "../../cli/pretty-json";

test("ordinary JSON is laid out exactly as JSON.stringify(value, null, 2)", () => {
  for (const value of [{ id: "evt_1", status: "processed", event: { a: [1, { b: null, c: [] }], d: {}, e: true, "k\"q": "v" } }, [], {}, [[1], [2, 3]], "s", 1]) {
    assert.is(prettyJson(JSON.stringify(value)), JSON.stringify(value, null, 2));
  }
});

test("numbers keep their digits and strings their escapes; text that is not JSON is left alone", () => {
  assert.is(prettyJson('{"n":18446744073709551616,"s":"\\u0041"}'), '{\n  "n": 18446744073709551616,\n  "s": "\\u0041"\n}');
  assert.is(prettyJson("not json"), "not json");
});

test.run();
