// Applying a type's declared coercions to the text as received: where the coerced value differs
// from the value read, only that value's text is replaced; every other byte (numbers digit for
// digit, escapes, spacing, member order) stays as the producer sent it.
import type { JsonNode, ObjectNode } from "./json-scan";

/** Replace `text[s, e)` by `text` (an insertion when s === e). Edits never overlap. */
export interface TextEdit {
  s: number;
  e: number;
  text: string;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function json(value: unknown): string {
  const out = JSON.stringify(value);
  if (out === undefined) throw new Error("a coercion produced a value that JSON cannot hold");
  return out;
}

/** `text[from, to)` with the edits applied. */
export function applyEdits(text: string, edits: readonly TextEdit[], from = 0, to = text.length): string {
  if (edits.length === 0) return from === 0 && to === text.length ? text : text.slice(from, to);
  const sorted = [...edits].sort((a, b) => a.s - b.s || a.e - b.e);
  let out = "";
  let cursor = from;
  for (const edit of sorted) {
    out += text.slice(cursor, edit.s) + edit.text;
    cursor = edit.e;
  }
  return out + text.slice(cursor, to);
}

// An object that lost members is rebuilt from what it keeps: each kept member's own text, with
// its own edits. Coercions that drop members are rare (superstruct's `mask`); the depth here is
// bounded by the scanner's limit.
function rebuiltObject(text: string, node: ObjectNode, original: Record<string, unknown>, coerced: Record<string, unknown>): string {
  const members: string[] = [];
  node.keys.forEach((key, n) => {
    if (!Object.prototype.hasOwnProperty.call(coerced, key) || coerced[key] === undefined) return;
    const value = node.values[n];
    const edits = coercionEdits(text, value, original[key], coerced[key]);
    members.push(text.slice(node.keyStarts[n], value.s) + applyEdits(text, edits, value.s, value.e));
  });
  const read = new Set(node.keys);
  for (const key of Object.keys(coerced)) {
    if (!read.has(key) && coerced[key] !== undefined) members.push(json(key) + ":" + json(coerced[key]));
  }
  return "{" + members.join(",") + "}";
}

/**
 * The edits that turn the text of `node` (whose parsed value is `original`) into `coerced`,
 * replacing only the values that differ.
 */
export function coercionEdits(text: string, node: JsonNode, original: unknown, coerced: unknown): TextEdit[] {
  const edits: TextEdit[] = [];
  const work: { node: JsonNode; original: unknown; coerced: unknown }[] = [{ node, original, coerced }];
  while (work.length > 0) {
    const w = work.pop()!;
    if (Object.is(w.original, w.coerced)) continue;
    if (w.node.k === "object" && isPlainObject(w.original) && isPlainObject(w.coerced)) {
      const o = w.node;
      const target = w.coerced;
      const dropped = o.keys.some((key) => !Object.prototype.hasOwnProperty.call(target, key) || target[key] === undefined);
      if (dropped) {
        edits.push({ s: o.s, e: o.e, text: rebuiltObject(text, o, w.original, target) });
        continue;
      }
      o.keys.forEach((key, n) => work.push({ node: o.values[n], original: (w.original as Record<string, unknown>)[key], coerced: target[key] }));
      // A Set, not keys.includes: an object of 25,000 members must cost 25,000 look-ups, not their square.
      const read = new Set(o.keys);
      const added = Object.keys(target).filter((key) => !read.has(key) && target[key] !== undefined);
      if (added.length > 0) {
        const members = added.map((key) => json(key) + ":" + json(target[key])).join(",");
        edits.push({ s: o.e - 1, e: o.e - 1, text: (o.keys.length > 0 ? "," : "") + members });
      }
      continue;
    }
    if (w.node.k === "array" && Array.isArray(w.original) && Array.isArray(w.coerced) && w.original.length === w.coerced.length) {
      const a = w.node;
      const target = w.coerced;
      a.items.forEach((item, n) => work.push({ node: item, original: (w.original as unknown[])[n], coerced: target[n] }));
      continue;
    }
    edits.push({ s: w.node.s, e: w.node.e, text: json(w.coerced) });
  }
  return edits;
}
