// Indents JSON text for a person without parsing it into values: numbers keep their digits and
// strings their escapes (`sluice status` shows an event exactly as stored). Laid out as
// JSON.stringify(value, null, 2) would, walked with an explicit stack like the scanner itself.
import { scanJson } from "../runtime/json-scan";
import type { JsonNode } from "../runtime/json-scan";

/** End of the string literal that starts at the quote at `start`. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === '"') return i + 1;
  }
  return text.length;
}

/** `text` indented; text that is not JSON comes back as it is. */
export function prettyJson(text: string, indent = 2): string {
  const scanned = scanJson(text, { maxDepth: Number.MAX_SAFE_INTEGER });
  if (!scanned.ok) return text;
  const out: string[] = [];
  const work: ({ node: JsonNode; depth: number } | string)[] = [{ node: scanned.node, depth: 0 }];
  const newline = (depth: number) => "\n" + " ".repeat(depth * indent);
  while (work.length > 0) {
    const w = work.pop()!;
    if (typeof w === "string") {
      out.push(w);
      continue;
    }
    const { node, depth } = w;
    const members = node.k === "object" ? node.values : node.k === "array" ? node.items : undefined;
    if (!members) {
      out.push(text.slice(node.s, node.e));
      continue;
    }
    const [open, close] = node.k === "object" ? ["{", "}"] : ["[", "]"];
    if (members.length === 0) {
      out.push(open + close);
      continue;
    }
    out.push(open);
    work.push(newline(depth) + close);
    for (let i = members.length - 1; i >= 0; i--) {
      work.push({ node: members[i], depth: depth + 1 });
      const name = node.k === "object" ? text.slice(node.keyStarts[i], stringEnd(text, node.keyStarts[i])) + ": " : "";
      work.push(newline(depth + 1) + name);
      if (i > 0) work.push(",");
    }
  }
  return out.join("");
}
