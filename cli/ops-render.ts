// How the operations commands print for a person: aligned tables, short ages, one summary line.
// Pure: strings in, strings out.

/** 42s, 17m, 5h, 3d. */
export function shortAge(seconds: number): string {
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

function cell(v: unknown, max: number): string {
  const s = v === undefined || v === null ? "-" : String(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** Columns as wide as their widest cell (each at most `max`), two spaces apart; the last is not padded. */
export function renderTable(headers: string[], rows: unknown[][], max = 48): string {
  const cells = [headers, ...rows.map((r) => r.map((v, i) => cell(v, i === r.length - 1 ? 120 : max)))];
  const widths = headers.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? "").length)));
  return cells.map((r) => r.map((v, c) => (c === r.length - 1 ? v : v.padEnd(widths[c]))).join("  ").trimEnd()).join("\n") + "\n";
}

export function eventsTable(items: Array<Record<string, any>>): string {
  if (items.length === 0) return "no events\n";
  return renderTable(
    ["RECEIVED", "ID", "STATUS", "ATTEMPTS", "TYPE", "SOURCE", "DETAIL"],
    items.map((e) => [
      e.receivedAt,
      e.id,
      e.status,
      e.attempts,
      e.type,
      e.source,
      e.status === "failed" ? `${e.errorCategory}: ${e.errorReason ?? ""}` : e.lastRetry ? `retrying after ${e.lastRetry.category}: ${e.lastRetry.reason ?? ""}` : "",
    ]),
  );
}

export function dlqGroupsTable(groups: Array<Record<string, any>>): string {
  if (groups.length === 0) return "nothing matching in the dead-letter queue\n";
  return renderTable(
    ["CATEGORY", "TYPE", "SOURCE", "COUNT", "OLDEST", "NEWEST", "SAMPLE", "REASON"],
    groups.map((g) => [g.category, g.type, g.source, g.count, shortAge(g.oldestAgeSeconds), shortAge(g.newestAgeSeconds), g.sampleIds?.[0], g.sampleReason ?? ""]),
    40,
  );
}

export function replayGroupsTable(groups: Array<Record<string, any>>): string {
  if (groups.length === 0) return "no stored events match\n";
  return renderTable(
    ["STATUS", "CATEGORY", "TYPE", "SOURCE", "COUNT", "SAMPLE"],
    groups.map((g) => [g.status, g.category, g.type, g.source, g.count, g.sampleIds?.[0]]),
  );
}

/** A fresh count of the groups of several runs, summed per group. */
export function mergeGroups(into: Array<Record<string, any>>, more: Array<Record<string, any>>, keyOf: (g: Record<string, any>) => string): Array<Record<string, any>> {
  const byKey = new Map(into.map((g) => [keyOf(g), { ...g }]));
  for (const g of more) {
    const k = keyOf(g);
    const have = byKey.get(k);
    if (!have) byKey.set(k, { ...g });
    else {
      have.count += g.count;
      have.sampleIds = [...(have.sampleIds ?? []), ...(g.sampleIds ?? [])].slice(0, 3);
      if (have.oldestAgeSeconds !== undefined) have.oldestAgeSeconds = Math.max(have.oldestAgeSeconds, g.oldestAgeSeconds);
      if (have.newestAgeSeconds !== undefined) have.newestAgeSeconds = Math.min(have.newestAgeSeconds, g.newestAgeSeconds);
    }
  }
  return [...byKey.values()].sort((a, b) => b.count - a.count);
}
