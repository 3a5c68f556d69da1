// The one reader of untrusted JSON: a non-recursive scanner (an explicit stack, so no input can
// overflow ours) that checks syntax, the nesting limit, numbers and member names in one pass and
// returns a lossless tree: every value keeps its span in the text, numbers keep their literal, so
// what is stored can be the text itself. Nothing else walks user input before this has passed.

export interface NodeSpan {
  /** Offset of the value's first character in the scanned text. */
  s: number;
  /** Offset just after its last character. */
  e: number;
}
export interface ObjectNode extends NodeSpan {
  k: "object";
  keys: string[];
  values: JsonNode[];
  /** Offset of each member's opening quote (for removing a member). */
  keyStarts: number[];
}
export interface ArrayNode extends NodeSpan {
  k: "array";
  items: JsonNode[];
}
export interface StringNode extends NodeSpan {
  k: "string";
  /** The decoded value. */
  v: string;
}
/** A number: its literal is `text.slice(s, e)`, kept digit for digit. */
export interface NumberNode extends NodeSpan {
  k: "number";
}
export interface LiteralNode extends NodeSpan {
  k: "true" | "false" | "null";
}
export type JsonNode = ObjectNode | ArrayNode | StringNode | NumberNode | LiteralNode;

/** `syntax`: not JSON (400). `invalid`: JSON we refuse, at a path (422): too deep, a non-finite number, a repeated name. */
export type ScanError = { kind: "syntax"; offset: number; message: string } | { kind: "invalid"; path: string; message: string };
export type ScanResult = { ok: true; node: JsonNode } | { ok: false; error: ScanError };

export interface ScanOptions {
  /** Deepest nesting allowed, counting `depthOffset` levels already above the scanned value. */
  maxDepth: number;
  depthOffset?: number;
  /** JSON pointer of the scanned value inside the event, for error paths (e.g. `/data`). */
  pathPrefix?: string;
  /** Range of `text` that holds exactly one JSON value (whitespace around it allowed). Default all. */
  start?: number;
  end?: number;
}

interface Frame {
  node: ObjectNode | ArrayNode;
  /** Object frames: the member name whose value is being read, and the names seen so far. */
  key?: string;
  names?: Set<string>;
}

/** RFC 6901 pointer segment. */
export function pointerSegment(key: string | number): string {
  return "/" + String(key).replace(/~/g, "~0").replace(/\//g, "~1");
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function describeAt(text: string, i: number, end: number): string {
  if (i >= end) return "the end of the input";
  const cp = text.codePointAt(i) ?? 0;
  return cp >= 0x21 && cp <= 0x7e ? `"${String.fromCharCode(cp)}"` : `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
}

const ESCAPES: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };

export function scanJson(text: string, opts: ScanOptions): ScanResult {
  const end = opts.end ?? text.length;
  const depthOffset = opts.depthOffset ?? 0;
  const stack: Frame[] = [];
  let i = opts.start ?? 0;

  const syntax = (offset: number, message: string): ScanResult => ({ ok: false, error: { kind: "syntax", offset, message } });
  // The pointer of the value being read; with `member`, of that member of the innermost object instead.
  const pathHere = (member?: string): string => {
    let p = opts.pathPrefix ?? "";
    const frames = member === undefined ? stack : stack.slice(0, -1);
    for (const f of frames) p += pointerSegment(f.node.k === "object" ? (f.key as string) : f.node.items.length);
    return member === undefined ? p : p + pointerSegment(member);
  };
  const invalid = (path: string, message: string): ScanResult => ({ ok: false, error: { kind: "invalid", path, message } });
  const skipWs = () => {
    while (i < end && isWs(text.charCodeAt(i))) i++;
  };

  // Reads a string starting at the quote at i; leaves i after the closing quote.
  const readString = (): string | ScanResult => {
    let out = "";
    let chunk = ++i;
    while (i < end) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(chunk, i++);
        return out;
      }
      if (c === 0x5c) {
        out += text.slice(chunk, i);
        const esc = text[i + 1];
        if (esc === "u") {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9A-Fa-f]{4}$/.test(hex) || i + 6 > end) return syntax(i, "a \\u escape needs four hex digits");
          out += String.fromCharCode(parseInt(hex, 16));
          i += 6;
        } else if (esc !== undefined && i + 1 < end && ESCAPES[esc] !== undefined) {
          out += ESCAPES[esc];
          i += 2;
        } else {
          return syntax(i, `invalid escape \\${esc ?? ""} in a string`);
        }
        chunk = i;
        continue;
      }
      if (c < 0x20) return syntax(i, `unescaped control character U+${c.toString(16).toUpperCase().padStart(4, "0")} in a string`);
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < end ? text.charCodeAt(i + 1) : 0;
        if (c > 0xdbff || next < 0xdc00 || next > 0xdfff) return syntax(i, "the text is not valid Unicode (a lone surrogate), so it is not UTF-8");
        i += 2;
        continue;
      }
      i++;
    }
    return syntax(i, "unterminated string");
  };

  const readNumber = (): NumberNode | ScanResult => {
    const s = i;
    if (text.charCodeAt(i) === 0x2d) i++;
    const digits = () => {
      const from = i;
      while (i < end && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) i++;
      return i - from;
    };
    if (text.charCodeAt(i) === 0x30) i++;
    else if (digits() === 0) return syntax(i, `expected a digit, found ${describeAt(text, i, end)}`);
    let exponent = false;
    if (i < end && text.charCodeAt(i) === 0x2e) {
      i++;
      if (digits() === 0) return syntax(i, "expected a digit after the decimal point");
    }
    if (i < end && (text.charCodeAt(i) | 0x20) === 0x65) {
      exponent = true;
      i++;
      if (text[i] === "+" || text[i] === "-") i++;
      if (digits() === 0) return syntax(i, "expected a digit in the exponent");
    }
    // Only an exponent or a very long literal can leave the range of a double.
    if ((exponent || i - s > 300) && !Number.isFinite(Number(text.slice(s, i)))) {
      return invalid(pathHere(), `the number ${text.slice(s, Math.min(i, s + 40))} is not finite as a 64-bit float (IEEE 754); the largest magnitude is 1.7976931348623157e308`);
    }
    return { k: "number", s, e: i };
  };

  // After `{` or `,` in an object: the member name and its colon.
  const readKey = (frame: Frame): ScanResult | undefined => {
    skipWs();
    if (text.charCodeAt(i) !== 0x22) return syntax(i, `expected a member name in double quotes, found ${describeAt(text, i, end)}`);
    const keyStart = i;
    const key = readString();
    if (typeof key !== "string") return key;
    if (frame.names!.has(key)) return invalid(pathHere(key), "the member name appears twice in one object");
    frame.names!.add(key);
    frame.key = key;
    (frame.node as ObjectNode).keyStarts.push(keyStart);
    skipWs();
    if (text.charCodeAt(i) !== 0x3a) return syntax(i, `expected ":" after a member name, found ${describeAt(text, i, end)}`);
    i++;
    return undefined;
  };

  skipWs();
  if (i === (opts.start ?? 0) && text.charCodeAt(i) === 0xfeff) return syntax(i, "a byte order mark is not allowed before JSON text");
  for (;;) {
    skipWs();
    if (i >= end) return syntax(i, "unexpected end of input: expected a value");
    const c = text.charCodeAt(i);
    let value: JsonNode;
    if (c === 0x7b || c === 0x5b) {
      if (depthOffset + stack.length + 1 > opts.maxDepth) {
        return invalid(pathHere(), `nested deeper than ${opts.maxDepth} levels (objects and arrays, the event itself counting as 1)`);
      }
      const s = i++;
      skipWs();
      if (c === 0x7b) {
        const node: ObjectNode = { k: "object", s, e: -1, keys: [], values: [], keyStarts: [] };
        if (text.charCodeAt(i) === 0x7d) {
          node.e = ++i;
          value = node;
        } else {
          const frame: Frame = { node, names: new Set<string>() };
          stack.push(frame);
          const err = readKey(frame);
          if (err) return err;
          continue;
        }
      } else {
        const node: ArrayNode = { k: "array", s, e: -1, items: [] };
        if (text.charCodeAt(i) === 0x5d) {
          node.e = ++i;
          value = node;
        } else {
          stack.push({ node });
          continue;
        }
      }
    } else if (c === 0x22) {
      const s = i;
      const v = readString();
      if (typeof v !== "string") return v;
      value = { k: "string", s, e: i, v };
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      const n = readNumber();
      if ("ok" in n) return n;
      value = n;
    } else {
      const word = text.startsWith("true", i) ? "true" : text.startsWith("false", i) ? "false" : text.startsWith("null", i) ? "null" : undefined;
      if (!word || i + word.length > end) return syntax(i, `expected a value, found ${describeAt(text, i, end)}`);
      value = { k: word, s: i, e: (i += word.length) };
    }

    // Attach the value to its container; close every container that ends here.
    for (;;) {
      const top = stack[stack.length - 1];
      if (!top) {
        skipWs();
        if (i < end) return syntax(i, `unexpected ${describeAt(text, i, end)} after the JSON value`);
        return { ok: true, node: value };
      }
      if (top.node.k === "object") {
        top.node.keys.push(top.key as string);
        top.node.values.push(value);
      } else {
        top.node.items.push(value);
      }
      skipWs();
      const close = top.node.k === "object" ? 0x7d : 0x5d;
      const ch = text.charCodeAt(i);
      if (i < end && ch === 0x2c) {
        i++;
        if (top.node.k === "object") {
          const err = readKey(top);
          if (err) return err;
        }
        break;
      }
      if (i < end && ch === close) {
        top.node.e = ++i;
        stack.pop();
        value = top.node;
        continue;
      }
      return syntax(i, `expected "," or "${String.fromCharCode(close)}", found ${describeAt(text, i, end)}`);
    }
  }
}

/** "line L, column C" of an offset, for error messages a person can act on. */
export function lineAndColumn(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let j = 0; j < offset && j < text.length; j++) {
    if (text.charCodeAt(j) === 0x0a) {
      line++;
      lineStart = j + 1;
    }
  }
  return `line ${line}, column ${offset - lineStart + 1}`;
}
