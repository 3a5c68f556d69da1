// The table the bench prints and the README shows: figure, measured, target, verdict.
export interface Row {
  figure: string;
  measured: string;
  target: string;
  /** undefined: a comparison line with no target of its own. */
  pass?: boolean;
}

export function verdict(pass: boolean | undefined): string {
  return pass === undefined ? "(info)" : pass ? "meets" : "MISSES";
}

export function markdownTable(rows: Row[]): string {
  const lines = ["| figure | measured | target | verdict |", "|---|---|---|---|"];
  for (const r of rows) lines.push(`| ${r.figure} | ${r.measured} | ${r.target} | ${verdict(r.pass)} |`);
  return lines.join("\n");
}

export function textTable(rows: Row[]): string {
  const cells = [["figure", "measured", "target", "verdict"], ...rows.map((r) => [r.figure, r.measured, r.target, verdict(r.pass)])];
  const widths = [0, 1, 2, 3].map((c) => Math.max(...cells.map((row) => row[c].length)));
  return cells.map((row) => row.map((cell, c) => cell.padEnd(widths[c])).join("  ")).join("\n");
}
