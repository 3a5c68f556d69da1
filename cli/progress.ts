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

export function renderBar(c: Counts, width = 30): string {
  const ratio = c.total === 0 ? 1 : Math.min(1, c.done / c.total);
  const filled = Math.round(ratio * width);
  const bar = `${"█".repeat(filled)}${"░".repeat(width - filled)}`;
  return `${bar} ${c.done}/${c.total} ${Math.floor(ratio * 100)}%  ok ${c.ok}  rejected ${c.rejected}  failed ${c.failed}`;
}

const NOOP: Progress = { tick() {}, done() {} };

export function createProgress(total: number, stream: NodeJS.WriteStream = process.stderr, enabled = stream.isTTY === true): Progress {
  if (!enabled || total === 0) return NOOP;
  const c: Counts = { done: 0, total, ok: 0, rejected: 0, failed: 0 };
  let lastDraw = 0;
  const draw = () => stream.write(`\r\x1b[2K${renderBar(c)}`);
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
