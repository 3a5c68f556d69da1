// A one-line progress bar on stderr, redrawn in place; only where a person is watching (a TTY).
import type { ItemResult } from "./outcome";

export interface Progress {
  tick(result: ItemResult): void;
  done(): void;
}

export interface Counts {
  done: number;
  total: number;
  ok: number;
  rejected: number;
  failed: number;
}

const BAR_MAX = 30;
const BAR_MIN = 10;
/** Assumed when the stream does not report its width. */
const DEFAULT_COLUMNS = 80;

function ratioOf(c: Counts): number {
  return c.total === 0 ? 1 : Math.min(1, c.done / c.total);
}

function bar(ratio: number, width: number): string {
  const filled = Math.round(ratio * width);
  return `${"█".repeat(filled)}${"░".repeat(width - filled)}`;
}

export function renderBar(c: Counts, width = BAR_MAX): string {
  const ratio = ratioOf(c);
  return `${bar(ratio, width)} ${c.done}/${c.total} ${Math.floor(ratio * 100)}%  ok ${c.ok}  rejected ${c.rejected}  failed ${c.failed}`;
}

/**
 * The most informative line that fits a terminal `columns` wide: the bar (10 to 30 cells) with the
 * counts spelled out, then abbreviated, then the counts without the bar, down to the percentage.
 * A line that reached the last column would wrap on some terminals, and `\r` returns only to the
 * start of the last row, so every redraw would stack a new row: the line stays one column short.
 */
export function renderLine(c: Counts, columns: number): string {
  const room = Math.max(1, Math.floor(columns) - 1);
  const ratio = ratioOf(c);
  const pct = `${Math.floor(ratio * 100)}%`;
  const long = `${c.done}/${c.total} ${pct}  ok ${c.ok}  rejected ${c.rejected}  failed ${c.failed}`;
  const short = `${c.done}/${c.total} ${pct} ok ${c.ok} rej ${c.rejected} fail ${c.failed}`;
  for (const text of [long, short]) {
    const width = Math.min(BAR_MAX, room - text.length - 1);
    if (width >= BAR_MIN) return `${bar(ratio, width)} ${text}`;
  }
  for (const text of [long, short, `${c.done}/${c.total} ${pct}`, pct]) if (text.length <= room) return text;
  return pct.slice(0, room);
}

function columnsOf(stream: NodeJS.WriteStream): number {
  const n = stream.columns;
  return typeof n === "number" && n > 0 ? n : DEFAULT_COLUMNS;
}

const NOOP: Progress = { tick() {}, done() {} };

export function createProgress(total: number, stream: NodeJS.WriteStream = process.stderr, enabled = stream.isTTY === true): Progress {
  if (!enabled || total === 0) return NOOP;
  const c: Counts = { done: 0, total, ok: 0, rejected: 0, failed: 0 };
  let lastDraw = 0;
  // The width is read on every frame, so a resized terminal gets a fitting line from the next one.
  const draw = () => stream.write(`\r${renderLine(c, columnsOf(stream))}\x1b[K`);
  return {
    tick(r) {
      c.done++;
      if (r.outcome === "rejected") c.rejected++;
      else if (r.outcome === "failed") c.failed++;
      else c.ok++;
      // Redrawing on every event would cost more than sending it; ten frames a second is plenty.
      const now = Date.now();
      if (now - lastDraw >= 100 || c.done === c.total) {
        lastDraw = now;
        draw();
      }
    },
    done() {
      draw();
      stream.write("\n");
    },
  };
}
