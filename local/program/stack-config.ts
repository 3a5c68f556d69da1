// The config a stack would get from the Pulumi CLI: Pulumi.yaml defaults under the project
// namespace, overlaid with Pulumi.<stack>.yaml.
import * as fs from "node:fs";
import * as path from "node:path";
import { load as loadYaml } from "js-yaml";
import { PROJECT_DIR, PROJECT_NAME } from "./project";

type YamlConfigEntry = { type?: string; default?: unknown; description?: string; items?: unknown; secret?: boolean };

function stringifyConfigValue(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** A key as the CLI stores it: a bare key belongs to the project's namespace. */
export function qualifiedConfigKey(key: string): string {
  return key.includes(":") ? key : `${PROJECT_NAME}:${key}`;
}

/** Reads the `config:` schema of Pulumi.yaml: key (without namespace) → entry. */
export function readProjectConfigSchema(projectDir = PROJECT_DIR): Record<string, YamlConfigEntry> {
  const doc = loadYaml(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as { config?: Record<string, YamlConfigEntry | unknown> };
  const out: Record<string, YamlConfigEntry> = {};
  for (const [key, entry] of Object.entries(doc.config ?? {})) {
    out[key] = entry !== null && typeof entry === "object" && !Array.isArray(entry) ? (entry as YamlConfigEntry) : { default: entry };
  }
  return out;
}

/**
 * The config map the Pulumi CLI would hand the program for `stack`: project defaults from
 * Pulumi.yaml under the project namespace, overlaid with Pulumi.<stack>.yaml.
 */
export function loadStackConfig(stack: string, projectDir = PROJECT_DIR): Record<string, string> {
  const config: Record<string, string> = {};
  for (const [key, entry] of Object.entries(readProjectConfigSchema(projectDir))) {
    if (entry.default === undefined) continue;
    config[qualifiedConfigKey(key)] = stringifyConfigValue(entry.default);
  }
  const stackFile = path.join(projectDir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(stackFile)) throw new Error(`no stack file ${path.basename(stackFile)} (known stacks: ${knownStacks(projectDir).join(", ")})`);
  const doc = loadYaml(fs.readFileSync(stackFile, "utf8")) as { config?: Record<string, unknown> };
  for (const [key, value] of Object.entries(doc.config ?? {})) config[qualifiedConfigKey(key)] = stringifyConfigValue(value);
  return config;
}

export function knownStacks(projectDir = PROJECT_DIR): string[] {
  return fs
    .readdirSync(projectDir)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => Boolean(s))
    .sort();
}
