// `--where field=value` (and `field!=value`) filters over normalized records. Values compare as
// text, so `active=true` matches the boolean true the coercions produced and `id=3` the number 3.

export interface WhereClause {
  path: string[];
  op: "=" | "!=";
  value: string;
}

export function parseWhere(expr: string): WhereClause {
  const m = /^([^=!]+?)\s*(!=|=)\s*(.*)$/.exec(expr);
  if (!m || m[1].trim() === "") throw new Error(`--where expects field=value or field!=value, got ${JSON.stringify(expr)}`);
  return { path: m[1].trim().split("."), op: m[2] as WhereClause["op"], value: m[3].trim() };
}

function lookup(record: unknown, path: string[]): unknown {
  let cur = record;
  for (const part of path) {
    if (!cur || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function asText(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** True when the record satisfies every clause. */
export function matchesWhere(record: unknown, clauses: readonly WhereClause[]): boolean {
  return clauses.every((c) => {
    const equal = asText(lookup(record, c.path)) === c.value;
    return c.op === "=" ? equal : !equal;
  });
}
