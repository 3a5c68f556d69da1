// A source's id rule and type template (DESIGN §2b): parsed once from config, evaluated per
// request against the headers and the scanned JSON body. Pure: no I/O.
import { createHash } from "node:crypto";
import type { JsonNode } from "../json-scan";
import { headerOf } from "../http-request";

/** What the id rule or a template placeholder reads. */
export type ValueRef = { kind: "header"; name: string } | { kind: "json"; pointer: string; segments: string[] };
export type IdRule = ValueRef | { kind: "sha256" };
export type TemplatePart = { kind: "text"; text: string } | ValueRef;

// RFC 9110 token characters: what a header name may hold.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** RFC 6901: "/a/b~1c" → ["a", "b/c"]; undefined when not a pointer (or the whole document, ""). */
export function parsePointer(pointer: string): string[] | undefined {
  if (!pointer.startsWith("/")) return undefined;
  const segments: string[] = [];
  for (const raw of pointer.slice(1).split("/")) {
    if (/~(?![01])/.test(raw)) return undefined;
    segments.push(raw.replace(/~1/g, "/").replace(/~0/g, "~"));
  }
  return segments;
}

/** `header:NAME` or `json:/POINTER` as a reference, or a reason it is neither. */
export function parseValueRef(text: string): ValueRef | string {
  if (text.startsWith("header:")) {
    const name = text.slice("header:".length);
    return HEADER_NAME.test(name) ? { kind: "header", name: name.toLowerCase() } : `"${name}" is not a header name`;
  }
  if (text.startsWith("json:")) {
    const pointer = text.slice("json:".length);
    const segments = parsePointer(pointer);
    return segments ? { kind: "json", pointer, segments } : `"${pointer}" is not a JSON pointer (RFC 6901, starting with /)`;
  }
  return "expected header:NAME or json:/POINTER";
}

export function parseIdRule(text: string): IdRule | string {
  return text === "sha256" ? { kind: "sha256" } : parseValueRef(text);
}

/** `com.github.{header:x-github-event}` → its parts; a reason when a brace is not a placeholder. */
export function parseTemplate(text: string): TemplatePart[] | string {
  const parts: TemplatePart[] = [];
  let rest = text;
  while (rest.length > 0) {
    const open = rest.indexOf("{");
    const close = rest.indexOf("}");
    if (close !== -1 && (open === -1 || close < open)) return "a } without its {";
    if (open === -1) {
      parts.push({ kind: "text", text: rest });
      break;
    }
    if (open > 0) parts.push({ kind: "text", text: rest.slice(0, open) });
    const end = rest.indexOf("}", open);
    if (end === -1) return "a { without its }";
    const ref = parseValueRef(rest.slice(open + 1, end));
    if (typeof ref === "string") return `{${rest.slice(open + 1, end)}}: ${ref}`;
    parts.push(ref);
    rest = rest.slice(end + 1);
  }
  return parts.length > 0 ? parts : "it is empty";
}

/** Normal text of an id rule, as config and SLUICE_SOURCES spell it. */
export function idRuleText(rule: IdRule): string {
  return rule.kind === "sha256" ? "sha256" : rule.kind === "header" ? `header:${rule.name}` : `json:${rule.pointer}`;
}

/** What the rules read from one request. */
export interface RuleInput {
  headers: Record<string, string | undefined>;
  /** The body's JSON text and its scanned tree, when the body is JSON. */
  json?: { text: string; root: JsonNode };
  raw: Uint8Array;
}

/** The node at `segments` under `root`: object members by name, array items by index. */
export function nodeAt(root: JsonNode, segments: readonly string[]): JsonNode | undefined {
  let node: JsonNode | undefined = root;
  for (const seg of segments) {
    if (node?.k === "object") {
      const i: number = node.keys.indexOf(seg);
      node = i === -1 ? undefined : node.values[i];
    } else if (node?.k === "array") {
      node = /^(0|[1-9]\d*)$/.test(seg) ? node.items[Number(seg)] : undefined;
    } else {
      return undefined;
    }
  }
  return node;
}

/** A reference's value as text: a header as sent, a JSON string's value, a number's literal, true/false. */
export function refValue(ref: ValueRef, input: RuleInput): string | undefined {
  if (ref.kind === "header") return headerOf(input.headers, ref.name)?.trim() || undefined;
  if (!input.json) return undefined;
  const node = nodeAt(input.json.root, ref.segments);
  if (!node) return undefined;
  if (node.k === "string") return node.v === "" ? undefined : node.v;
  if (node.k === "number" || node.k === "true" || node.k === "false") return input.json.text.slice(node.s, node.e);
  return undefined;
}

export type RuleValue = { ok: true; value: string } | { ok: false; missing: string };

export function evaluateId(rule: IdRule, input: RuleInput): RuleValue {
  if (rule.kind === "sha256") return { ok: true, value: createHash("sha256").update(input.raw).digest("hex") };
  const value = refValue(rule, input);
  return value === undefined ? { ok: false, missing: describeRef(rule) } : { ok: true, value };
}

export function evaluateTemplate(parts: readonly TemplatePart[], input: RuleInput): RuleValue {
  let out = "";
  for (const part of parts) {
    if (part.kind === "text") {
      out += part.text;
      continue;
    }
    const value = refValue(part, input);
    if (value === undefined) return { ok: false, missing: describeRef(part) };
    out += value;
  }
  return { ok: true, value: out };
}

function describeRef(ref: ValueRef): string {
  return ref.kind === "header" ? `the ${ref.name} header` : `a string, number or boolean at ${ref.pointer} in the JSON body`;
}
