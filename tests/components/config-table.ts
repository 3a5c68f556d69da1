// The README's config reference, rendered from Pulumi.yaml (type, default, description) and the
// stack files (dev and prod overrides), so a test can hold the two in sync.
import * as fs from "node:fs";
import * as path from "node:path";
import { load } from "js-yaml";
import { PROJECT_DIR, PROJECT_NAME } from "../../local/program/project";
import { knownStacks, readProjectConfigSchema } from "../../local/program/stack-config";

function cell(value: unknown): string {
  if (value === undefined) return "";
  // An object (sources, their secrets) is named by its keys; its settings are described in the README.
  if (value !== null && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length > 0) {
    return Object.keys(value).map((k) => "`" + k + "`").join(", ");
  }
  return "`" + JSON.stringify(value) + "`";
}

export function stackOverrides(stack: string): Record<string, unknown> {
  const doc = load(fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8")) as { config?: Record<string, unknown> };
  return doc.config ?? {};
}

export function renderConfigTable(): string {
  const stacks = knownStacks();
  const overrides = stacks.map(stackOverrides);
  const lines = [
    `| key | type | default | ${stacks.join(" | ")} | description |`,
    `|---|---|---|${stacks.map(() => "---|").join("")}---|`,
  ];
  for (const [key, entry] of Object.entries(readProjectConfigSchema())) {
    const perStack = overrides.map((o) => cell(o[`${PROJECT_NAME}:${key}`]));
    // An object is declared untyped (Pulumi's project schema has none), with an object default.
    lines.push(`| \`${key}\` | ${entry.type ?? "object"} | ${cell(entry.default)} | ${perStack.join(" | ")} | ${entry.description} |`);
  }
  return lines.join("\n");
}

/** The lines of the README's `config` section that form the table. */
export function readmeConfigTable(readme: string): string {
  const match = /<!-- section:config -->([\s\S]*?)<!-- \/section:config -->/.exec(readme);
  if (!match) throw new Error("README has no config section");
  return match[1]
    .split("\n")
    .filter((l) => l.startsWith("|"))
    .join("\n");
}
