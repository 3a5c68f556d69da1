// The rules that keep runtime/ serializable by Pulumi's closure serializer (docs/architecture.md),
// checked on the source so a break shows up here, with its file name, before any archive is built.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as path from "node:path";

const RUNTIME_DIR = path.resolve(__dirname, "../../runtime");
// Subfolders too (runtime/contract/): the serializer captures them like any other module.
const files = (fs.readdirSync(RUNTIME_DIR, { recursive: true }) as string[]).map((f) => f.split(path.sep).join("/")).filter((f) => f.endsWith(".ts"));
const sources = files.map((f) => ({ file: f, text: fs.readFileSync(path.join(RUNTIME_DIR, f), "utf8") }));

// Node globals a module-level declaration would shadow: the serializer then silently does not
// capture the declaration, and the deployed code throws ReferenceError.
const NODE_GLOBALS = [
  "Event", "EventTarget", "Request", "Response", "Headers", "URL", "URLSearchParams", "crypto", "fetch", "performance",
  "Blob", "File", "FormData", "AbortController", "AbortSignal", "TextEncoder", "TextDecoder", "structuredClone",
  "process", "Buffer", "console", "global", "globalThis", "setTimeout", "setInterval", "queueMicrotask", "WebSocket",
  "MessageChannel", "BroadcastChannel", "navigator", "atob", "btoa",
];

test("runtime/ has the files the other parts import", () => {
  for (const f of ["ingest-handler.ts", "worker-handler.ts", "query-handler.ts", "contract/permissions.ts", "event-types.ts", "idempotency-key.ts"]) {
    assert.ok(files.includes(f), f);
  }
});

test("no @pulumi import anywhere under runtime/", () => {
  for (const { file, text } of sources) assert.not.match(text, /from\s+["']@pulumi\//, file);
});

test("packages are imported by name only: no namespace or default imports", () => {
  for (const { file, text } of sources) {
    for (const m of text.matchAll(/^import\s+(?!type\b)(.+?)\s+from\s+["']([^"']+)["']/gm)) {
      const [, clause, from] = m;
      if (from.startsWith(".")) continue;
      assert.ok(clause.trim().startsWith("{"), `${file}: import ${clause} from "${from}" must be a named import`);
    }
  }
});

test("no module-level declaration shadows a Node global", () => {
  for (const { file, text } of sources) {
    for (const m of text.matchAll(/^(?:export\s+)?(?:const|let|var|function|class|async function)\s+([A-Za-z_$][\w$]*)/gm)) {
      assert.not.ok(NODE_GLOBALS.includes(m[1]), `${file}: module-level ${m[1]} shadows a Node global`);
      // Anything the global object answers to counts, inherited names too: a function named
      // `valueOf` is not captured and calls Object.prototype.valueOf in the deployed code.
      assert.not.ok(m[1] in globalThis, `${file}: module-level ${m[1]} is a name the global object has`);
    }
  }
});

test("no module-level struct, client, Set, Map or class instance (they do not serialize)", () => {
  for (const { file, text } of sources) {
    for (const m of text.matchAll(/^(?:export\s+)?(?:const|let|var)\s+\w+\s*(?::[^=]+)?=\s*(new\s+\w+|object\(|type\(|string\(|coerce\(|\w+Client\b)/gm)) {
      assert.unreachable(`${file}: module-level value built with ${m[1]}`);
    }
  }
});

test.run();
