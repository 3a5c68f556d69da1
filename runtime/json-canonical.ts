// Lossless canonical JSON over a scanned tree: member names sorted at every level, numbers by
// their literal text (so 18446744073709551616 and 18446744073709551617 stay different), strings by
// their decoded value (so "\u0041" and "A" are the same). Built with an explicit work list, so any
// depth the scanner allowed costs no stack.
import type { JsonNode } from "./json-scan";

/** Which members of the top-level object take part (CloudEvents' "null means absent", say). */
export type TopLevelFilter = (name: string, value: JsonNode) => boolean;

export function canonicalText(text: string, root: JsonNode, keepTopLevel?: TopLevelFilter): string {
  const out: string[] = [];
  const work: (JsonNode | string)[] = [root];
  let top = true;
  while (work.length > 0) {
    const w = work.pop()!;
    if (typeof w === "string") {
      out.push(w);
      continue;
    }
    switch (w.k) {
      case "object": {
        let order = w.keys.map((_, n) => n);
        if (top && keepTopLevel) order = order.filter((n) => keepTopLevel(w.keys[n], w.values[n]));
        order.sort((a, b) => (w.keys[a] < w.keys[b] ? -1 : w.keys[a] > w.keys[b] ? 1 : 0));
        out.push("{");
        work.push("}");
        for (let n = order.length - 1; n >= 0; n--) {
          work.push(w.values[order[n]]);
          work.push((n > 0 ? "," : "") + JSON.stringify(w.keys[order[n]]) + ":");
        }
        break;
      }
      case "array":
        out.push("[");
        work.push("]");
        for (let n = w.items.length - 1; n >= 0; n--) {
          work.push(w.items[n]);
          if (n > 0) work.push(",");
        }
        break;
      case "string":
        out.push(JSON.stringify(w.v));
        break;
      case "number":
        out.push(text.slice(w.s, w.e));
        break;
      default:
        out.push(w.k);
    }
    top = false;
  }
  return out.join("");
}
