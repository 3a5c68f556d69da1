// What a source's secret holds, read the same way from Secrets Manager, from SLUICE_SOURCE_SECRET_<NAME>
// and by `sluice verify`: a JSON list of secrets, the current one first, or one plain secret.

/** A secret's value as the list it holds: a JSON array of strings, or one plain secret. */
export function parseSecretValue(value: string): string[] | undefined {
  if (value.trimStart().startsWith("[")) {
    try {
      const list = JSON.parse(value) as unknown;
      if (Array.isArray(list) && list.length > 0 && list.every((s) => typeof s === "string" && s !== "")) return list as string[];
    } catch {
      // Not JSON after all: one secret that starts with a bracket.
    }
    return value.trim().endsWith("]") ? undefined : [value];
  }
  return value === "" ? undefined : [value];
}
