// CloudEvents 1.0 context attributes, checked as the spec's type system says: names of lower-case
// letters and digits, String values without control characters, noncharacters or lone
// surrogates, URI-references, absolute URIs, RFC 3339 timestamps, Integers within 32 bits, and
// extension values that are only String, Integer or Boolean. A `null` is an absent attribute.
import { INPUT_LIMITS } from "./contract/limits";
import { parseMediaType } from "./media-type";
import { rfc3339Problem } from "./rfc3339";

/** An attribute's value as sent: a JSON value in structured mode, always a string from a header. */
export type AttributeValue =
  | { kind: "string"; value: string }
  | { kind: "number"; literal: string }
  | { kind: "boolean" }
  | { kind: "null" }
  | { kind: "object" | "array" };

type CoreType = "String" | "URI-reference" | "URI" | "Timestamp" | "media type";

/** The core context attributes, their type and whether an event must have them. */
export const CORE_ATTRIBUTES: Record<string, { type: CoreType; required: boolean }> = {
  specversion: { type: "String", required: true },
  id: { type: "String", required: true },
  source: { type: "URI-reference", required: true },
  type: { type: "String", required: true },
  datacontenttype: { type: "media type", required: false },
  dataschema: { type: "URI", required: false },
  subject: { type: "String", required: false },
  time: { type: "Timestamp", required: false },
};

/** The members of a JSON-format event that are not context attributes. */
export const DATA_MEMBERS = ["data", "data_base64"];

const NAME = /^[a-z0-9]+$/;
// RFC 3986 characters: unreserved, reserved, and %HH escapes; a scheme, if any, comes before the first ':'.
const URI_CHARACTERS = /^(?:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$/;
const SCHEME = /^[A-Za-z][A-Za-z0-9+\-.]*$/;
const INTEGER = /^-?(?:0|[1-9][0-9]*)$/;

export function attributeNameProblem(name: string): string | undefined {
  if (!NAME.test(name)) return "is not a CloudEvents attribute name: lower-case letters a-z and digits 0-9 only";
  if (name.length > INPUT_LIMITS.maxAttributeNameLength) return `is a name longer than ${INPUT_LIMITS.maxAttributeNameLength} characters`;
  return undefined;
}

/** Why `s` is not a CloudEvents String, or undefined. */
export function stringProblem(s: string): string | undefined {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const at = `at character ${i + 1}`;
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return `holds the control character U+${c.toString(16).toUpperCase().padStart(4, "0")} ${at}`;
    if ((c >= 0xfdd0 && c <= 0xfdef) || c === 0xfffe || c === 0xffff) return `holds the Unicode noncharacter U+${c.toString(16).toUpperCase()} ${at}`;
    if (c >= 0xd800 && c <= 0xdbff) {
      const low = s.charCodeAt(i + 1);
      if (!(low >= 0xdc00 && low <= 0xdfff)) return `holds a lone surrogate ${at}`;
      const cp = ((c - 0xd800) << 10) + (low - 0xdc00) + 0x10000;
      if ((cp & 0xfffe) === 0xfffe) return `holds the Unicode noncharacter U+${cp.toString(16).toUpperCase()} ${at}`;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return `holds a lone surrogate ${at}`;
    }
  }
  if (Buffer.byteLength(s, "utf8") > INPUT_LIMITS.maxAttributeBytes) return `is longer than ${INPUT_LIMITS.maxAttributeBytes} bytes in UTF-8`;
  return undefined;
}

function uriProblem(s: string, absolute: boolean): string | undefined {
  if (!URI_CHARACTERS.test(s)) return "is not a URI reference (RFC 3986): characters such as spaces must be percent-encoded";
  const firstDelimiter = s.search(/[/?#]/);
  const colon = s.indexOf(":");
  const hasScheme = colon > 0 && (firstDelimiter === -1 || colon < firstDelimiter) && SCHEME.test(s.slice(0, colon));
  if (colon >= 0 && (firstDelimiter === -1 || colon < firstDelimiter) && !hasScheme) return "is not a URI reference: a ':' before the first '/' must end a scheme";
  if (s.indexOf("#") !== s.lastIndexOf("#")) return "is not a URI reference: it holds more than one '#'";
  if (absolute && !hasScheme) return "must be an absolute URI (with a scheme, e.g. https:)";
  return undefined;
}

/** Why the value cannot be this attribute, or undefined when it can. */
export function attributeProblem(name: string, v: AttributeValue): string | undefined {
  const core = CORE_ATTRIBUTES[name];
  if (v.kind === "null") return core?.required ? "is required" : undefined;
  if (!core) {
    if (v.kind === "boolean") return undefined;
    if (v.kind === "number") {
      const n = Number(v.literal);
      return INTEGER.test(v.literal) && n >= -2147483648 && n <= 2147483647
        ? undefined
        : "is a number but not a CloudEvents Integer (a whole number from -2147483648 to 2147483647, no fraction or exponent)";
    }
    if (v.kind === "string") return stringProblem(v.value);
    return `is ${v.kind === "object" ? "an object" : "an array"}: extension values are strings, integers or booleans`;
  }
  if (v.kind !== "string") return `must be a string (${core.type})`;
  const text = v.value;
  if (text === "") return "must not be empty";
  const chars = stringProblem(text);
  if (chars) return chars;
  switch (core.type) {
    case "URI-reference":
      if (text.trim() === "") return "must not be blank";
      return uriProblem(text, false);
    case "URI":
      return uriProblem(text, true);
    case "Timestamp":
      return rfc3339Problem(text);
    case "media type":
      return parseMediaType(text) ? undefined : "is not a media type (RFC 2046), e.g. application/json";
    default:
      if (name === "specversion" && text !== "1.0") return 'must be "1.0" (the only CloudEvents version accepted)';
      return undefined;
  }
}
