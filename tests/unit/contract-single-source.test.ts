// Every contract two layers share is written once (runtime/contract/): a SLUICE_* function variable,
// an API route key and the table's attribute names each appear in exactly one non-test source
// file, the contract module itself; everything else imports it. Comments do not count: a comment
// may name a route, only code may not spell one.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { ENV_NAMES } from "../../runtime/contract/environment";
import { API_ROUTES } from "../../runtime/contract/routes";
import { BY_SOURCE_INDEX, FAILED_INDEX, FAILURE_MODE_ITEM_ID, TABLE_HASH_KEY, TABLE_TTL_ATTRIBUTE } from "../../runtime/contract/table";
import { PROBLEM_TYPE_PREFIX } from "../../runtime/contract/problems";
import { METRICS_NAMESPACE } from "../../runtime/contract/metrics";
import { FAN_OUT_DETAIL_TYPES } from "../../runtime/contract/fan-out";
import { SOURCE_SECRET_VARIABLE_PREFIX } from "../../runtime/contract/sources";

const ROOT = path.resolve(__dirname, "../..");
const SOURCE_DIRS = ["components", "runtime", "local", "cli", "bench"];

/** The CLI's own variables (its default target, a bearer token), read only by the CLI: not function settings. */
const CLI_VARIABLES = ["SLUICE_URL", "SLUICE_TOKEN"];

function listSources(): string[] {
  const out = ["index.ts"];
  for (const dir of SOURCE_DIRS) {
    for (const f of fs.readdirSync(path.join(ROOT, dir), { recursive: true }) as string[]) {
      if (/\.(ts|js)$/.test(f)) out.push(path.join(dir, f).split(path.sep).join("/"));
    }
  }
  return out;
}

/** Source text without its comments (line comments only where `//` starts a comment, not a URL). */
function code(file: string): string {
  return fs
    .readFileSync(path.join(ROOT, file), "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/(^|[\s;,)}])\/\/.*$/gm, "$1");
}

const sources = listSources().map((file) => ({ file, text: code(file) }));

function filesSpelling(pattern: RegExp): string[] {
  return sources.filter((s) => pattern.test(s.text)).map((s) => s.file);
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

test("the scan sees the program, the runtime, the local stack, the CLI and the bench", () => {
  for (const f of ["index.ts", "runtime/settings.ts", "runtime/contract/environment.ts", "cli/main.ts", "bench/run.ts"]) {
    assert.ok(sources.some((s) => s.file === f), f);
  }
  assert.ok(sources.some((s) => s.file.startsWith("local/") && s.file.includes("http")), "a local/ http file");
  assert.ok(sources.some((s) => s.file.startsWith("components/")), "components/");
});

test("every SLUICE_* function variable is named in runtime/contract/environment.ts only", () => {
  for (const name of Object.values(ENV_NAMES)) {
    assert.equal(filesSpelling(new RegExp(`\\b${name}\\b`)), ["runtime/contract/environment.ts"], name);
  }
});

test("no SLUICE_* name outside the contract, but the CLI's own in cli/", () => {
  const known: string[] = Object.values(ENV_NAMES);
  for (const { file, text } of sources) {
    for (const [name] of text.matchAll(/\bSLUICE_[A-Z0-9_]+\b/g)) {
      if (known.includes(name)) continue;
      // The operators' per-source secret variables: their prefix is written once, in the sources contract.
      if (name === SOURCE_SECRET_VARIABLE_PREFIX && file === "runtime/contract/sources.ts") continue;
      assert.ok(CLI_VARIABLES.includes(name) && file.startsWith("cli/"), `${file}: ${name} is neither a contract variable nor the CLI's own`);
    }
  }
});

test("every API route key is written in runtime/contract/routes.ts only", () => {
  for (const { key } of API_ROUTES) {
    // `POST /events` must not match inside `POST /events/batch`.
    assert.equal(filesSpelling(new RegExp(`${escape(key)}(?![\\w/{}-])`)), ["runtime/contract/routes.ts"], key);
  }
});

test("no route key literal outside the contract", () => {
  for (const { file, text } of sources) {
    if (file === "runtime/contract/routes.ts") continue;
    const m = /["'`](GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|ANY) \/[^"'`]*["'`]/.exec(text);
    assert.not.ok(m, `${file} spells the route key ${m?.[0]}`);
  }
});

test("the table's attribute and index names are written in runtime/contract/table.ts only", () => {
  for (const name of [TABLE_HASH_KEY, TABLE_TTL_ATTRIBUTE, BY_SOURCE_INDEX, FAILED_INDEX]) {
    assert.equal(filesSpelling(new RegExp(`\\b${name}\\b`)), ["runtime/contract/table.ts"], name);
  }
  assert.equal(filesSpelling(new RegExp(escape(FAILURE_MODE_ITEM_ID))), ["runtime/contract/table.ts"], FAILURE_MODE_ITEM_ID);
});

test("the problem type URN is written in runtime/contract/problems.ts only", () => {
  assert.equal(filesSpelling(new RegExp(escape(PROBLEM_TYPE_PREFIX))), ["runtime/contract/problems.ts"]);
});

test("the metrics namespace and the fan-out detail types are written in their contract modules only", () => {
  assert.equal(filesSpelling(new RegExp(`["'\`]${escape(METRICS_NAMESPACE)}["'\`]`)), ["runtime/contract/metrics.ts"]);
  for (const t of Object.values(FAN_OUT_DETAIL_TYPES)) assert.equal(filesSpelling(new RegExp(escape(t))), ["runtime/contract/fan-out.ts"], t);
});

test.run();
