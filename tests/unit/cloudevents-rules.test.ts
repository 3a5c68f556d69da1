// The CloudEvents 1.0 rules as the spec words them: content types per RFC 9110 (quoted strings),
// RFC 3339 instants with real calendar dates, and the attribute type system (String characters,
// URI-references, Integers, extension names and value types).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { attributeNameProblem, attributeProblem, stringProblem } from "../../runtime/cloudevent-attributes";
import { isDefaultDataContentType, isJsonMediaType, isUtf8Charset, parseMediaType } from "../../runtime/media-type";
import { rfc3339Problem } from "../../runtime/rfc3339";

test("media types: parameters per RFC 9110, a quoted value may hold ; and charset=", () => {
  const quoted = parseMediaType('application/json; profile="a;charset=latin1"');
  assert.equal(quoted, { essence: "application/json", params: [{ name: "profile", value: "a;charset=latin1" }] });
  assert.ok(quoted && isUtf8Charset(quoted), "no charset parameter: UTF-8");
  const escaped = parseMediaType('text/plain;a="x\\"y";;CHARSET=UTF-8');
  assert.equal(escaped?.params, [{ name: "a", value: 'x"y' }, { name: "charset", value: "UTF-8" }]);
  assert.ok(escaped && isUtf8Charset(escaped));
  const latin = parseMediaType("application/json; charset=iso-8859-1");
  assert.ok(latin && !isUtf8Charset(latin));
  for (const bad of ["", "json", "application/", "a/b; x", "a/b; x=", 'a/b; x="open', "a/b c", "a/b; x = 1"]) assert.is(parseMediaType(bad), undefined, bad);
  assert.ok(isJsonMediaType(parseMediaType("application/vnd.acme+json")!));
  assert.ok(isJsonMediaType(parseMediaType("text/json")!));
  assert.not.ok(isJsonMediaType(parseMediaType("application/jsonx")!));
  assert.ok(isDefaultDataContentType("Application/JSON; charset=utf-8"));
  assert.not.ok(isDefaultDataContentType("application/json; profile=x"));
});

test("RFC 3339: real dates and times, the leap second only at 23:59:60 UTC", () => {
  for (const ok of ["2026-11-24T10:00:00Z", "2024-02-29T00:00:00.123456789+01:00", "2016-12-31T23:59:60Z", "2016-12-31t15:59:60-08:00", "2000-02-29T23:59:59z", "0000-01-01T00:00:00-00:00"]) {
    assert.is(rfc3339Problem(ok), undefined, ok);
  }
  for (const bad of ["2021-02-30T00:00:00Z", "2021-04-31T00:00:00Z", "2100-02-29T00:00:00Z", "2021-01-01T24:00:00Z", "2021-01-01T00:60:00Z", "2021-13-01T00:00:00Z", "2016-12-31T23:58:60Z", "2021-01-01T00:00:00+24:00", " 2021-01-01T00:00:00Z", "2021-01-01T00:00:00Z ", "2021-01-01 00:00:00Z", "2021-01-01T00:00:00", "2021-1-01T00:00:00Z"]) {
    assert.type(rfc3339Problem(bad), "string", bad);
  }
});

test("String: no control characters, noncharacters or lone surrogates; a length limit in bytes", () => {
  for (const bad of ["a\u0000", "\u001f", "\u007f", "\u0085", "\u009f", "\ufffe", "\uffff", "\ufdd0", "\ud83f\udffe", "a\ud800", "\udc00b", "x".repeat(1025), "é".repeat(513)]) {
    assert.type(stringProblem(bad), "string", JSON.stringify(bad));
  }
  for (const ok of ["plain", "😀 emoji", "\ud800\udc00", "tab\u00a0nbsp", "x".repeat(1024)]) assert.is(stringProblem(ok), undefined, JSON.stringify(ok));
});

test("attributes: required ones, types, URI-references, and extension values", () => {
  const str = (value: string) => ({ kind: "string" as const, value });
  assert.is(attributeProblem("source", str("   ")), "must not be blank");
  assert.type(attributeProblem("source", str("has space")), "string");
  assert.type(attributeProblem("source", str("1:2")), "string", "a ':' before the first '/' must end a scheme");
  for (const ok of ["https://github.com/cloudevents", "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66", "/sensors/tn-1234567/alerts", "1-555-123-4567", "mailto:a@b.c", "a%20b"]) {
    assert.is(attributeProblem("source", str(ok)), undefined, ok);
  }
  assert.type(attributeProblem("source", str("bad%zz")), "string");
  assert.type(attributeProblem("dataschema", str("/relative")), "string", "dataschema is an absolute URI");
  assert.is(attributeProblem("dataschema", str("https://example.com/schema")), undefined);
  assert.type(attributeProblem("specversion", str("0.3")), "string");
  assert.type(attributeProblem("id", str("")), "string");
  assert.type(attributeProblem("id", { kind: "number", literal: "1" }), "string", "core attributes are strings");
  assert.is(attributeProblem("id", { kind: "null" }), "is required");
  assert.is(attributeProblem("subject", { kind: "null" }), undefined, "null is an absent optional attribute");
  assert.type(attributeProblem("datacontenttype", str("not a type")), "string");
  assert.type(attributeProblem("time", str("2021-02-30T00:00:00Z")), "string");
  // Extensions: String, Integer (32 bits, no fraction or exponent), Boolean; nothing else.
  assert.is(attributeProblem("traceparent", str("00-abc")), undefined);
  assert.is(attributeProblem("count", { kind: "number", literal: "-2147483648" }), undefined);
  for (const literal of ["2147483648", "1.5", "1e3", "18446744073709551616"]) assert.type(attributeProblem("count", { kind: "number", literal }), "string", literal);
  assert.is(attributeProblem("flag", { kind: "boolean" }), undefined);
  assert.type(attributeProblem("obj", { kind: "object" }), "string");
  assert.type(attributeProblem("arr", { kind: "array" }), "string");
  assert.type(attributeProblem("ext", str("a\u0000")), "string");
});

test("attribute names: lower-case letters and digits, longer than 20 allowed (a SHOULD), within our limit", () => {
  for (const ok of ["a", "traceparent", "abc123", "a".repeat(30)]) assert.is(attributeNameProblem(ok), undefined, ok);
  for (const bad of ["Bad-Name", "with_underscore", "UPPER", "", "a".repeat(65), "é"]) assert.type(attributeNameProblem(bad), "string", bad);
});

test.run();
