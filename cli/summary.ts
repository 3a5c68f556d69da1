// The closing summary: counts per outcome, the reasons for everything not stored, and the exit code.
import type { ItemResult, Outcome } from "./outcome";

export interface Dropped {
  /** 0-based position in the pulled list. */
  index: number;
  reason: string;
}

export interface Summary {
  command: string;
  target?: string;
  total: number;
  accepted: number;
  replayed: number;
  rejected: number;
  failed: number;
  /** Locally valid events in a --dry-run. */
  valid: number;
  /** Pulled records dropped as invalid before sending. */
  dropped: number;
  /** Pulled records left out by --where. */
  filtered: number;
  dryRun: boolean;
  /** The run was stopped (SIGINT) before every event had an outcome. */
  interrupted: boolean;
  items: ItemResult[];
  droppedRecords: Dropped[];
}

export function summarize(command: string, items: ItemResult[], extra: Partial<Pick<Summary, "target" | "dryRun" | "filtered" | "droppedRecords" | "interrupted">> = {}): Summary {
  const count = (o: Outcome) => items.filter((i) => i.outcome === o).length;
  const droppedRecords = extra.droppedRecords ?? [];
  return {
    command,
    target: extra.target,
    total: items.length,
    accepted: count("accepted"),
    replayed: count("replayed"),
    rejected: count("rejected"),
    failed: count("failed"),
    valid: count("valid"),
    dropped: droppedRecords.length,
    filtered: extra.filtered ?? 0,
    dryRun: extra.dryRun ?? false,
    interrupted: extra.interrupted ?? false,
    items: [...items].sort((a, b) => a.index - b.index),
    droppedRecords,
  };
}

/**
 * A 401 or 403 answer to a producer request: the API's authorizer refused the credentials (the
 * ingest itself answers neither for an event on /events).
 */
export function refusedCredentials(httpStatus: number | undefined): boolean {
  return httpStatus === 401 || httpStatus === 403;
}

/** 0 when every event was stored (or valid in a dry run); 1 when any was rejected or failed; 3 when the credentials were refused. */
export function exitCode(s: Summary, strict = false): number {
  if (s.items.some((i) => i.outcome === "rejected" && refusedCredentials(i.httpStatus))) return 3;
  if (s.rejected > 0 || s.failed > 0) return 1;
  if (strict && s.dropped > 0) return 1;
  return 0;
}

function where(i: ItemResult): string {
  const at = i.line !== undefined ? `#${i.line}` : `#${i.index + 1}`;
  return i.eventId ? `${at} ${i.eventId}` : at;
}

export function renderSummary(s: Summary): string {
  const lines: string[] = [];
  const counts = s.dryRun
    ? `${s.valid} valid, ${s.rejected} invalid (dry run: nothing sent)`
    : `${s.accepted} accepted, ${s.replayed} replayed, ${s.rejected} rejected, ${s.failed} failed`;
  if (s.command === "pull") {
    lines.push(`${s.total + s.dropped + s.filtered} records pulled: ${s.dropped} dropped as invalid, ${s.filtered} left out by --where, ${s.total} to send`);
  }
  lines.push(`${s.total} events${s.target ? ` → ${s.target}` : ""}${s.interrupted ? " (interrupted)" : ""}: ${counts}`);
  const bad = s.items.filter((i) => i.outcome === "rejected" || i.outcome === "failed");
  if (bad.length > 0) {
    lines.push(s.dryRun ? "invalid:" : "not stored:");
    for (const i of bad) lines.push(`  ${where(i)} ${i.outcome}${i.httpStatus ? ` ${i.httpStatus}` : ""}: ${i.reason ?? "no reason given"}`);
  }
  if (s.droppedRecords.length > 0) {
    lines.push("dropped records:");
    for (const d of s.droppedRecords) lines.push(`  #${d.index + 1}: ${d.reason}`);
  }
  return `${lines.join("\n")}\n`;
}
