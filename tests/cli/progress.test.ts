// The progress bar on terminals of several widths: a small terminal model (autowrap at the last
// column, as the strictest terminals do) shows whether redraws stay on one row.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createProgress, renderLine, type Counts } from "../../cli/progress";
import type { Outcome } from "../../cli/outcome";

/** What a terminal `columns` wide shows after `output`: rows of text, and how often a row wrapped. */
function terminal(output: string, columns: number): { rows: string[]; wraps: number } {
  const rows: string[][] = [[]];
  let row = 0;
  let col = 0;
  let wraps = 0;
  for (let i = 0; i < output.length; i++) {
    const ch = output[i];
    if (ch === "\r") col = 0;
    else if (ch === "\n") {
      row++;
      col = 0;
      rows[row] ??= [];
    } else if (ch === "\x1b") {
      const m = /^\x1b\[([0-9]*)K/.exec(output.slice(i));
      if (!m) throw new Error(`unexpected escape sequence at ${i}: ${JSON.stringify(output.slice(i, i + 8))}`);
      if (m[1] === "2") rows[row] = [];
      else rows[row].length = Math.min(rows[row].length, col);
      i += m[0].length - 1;
    } else {
      rows[row][col] = ch;
      col++;
      if (col === columns) {
        wraps++;
        row++;
        col = 0;
        rows[row] ??= [];
      }
    }
  }
  return { rows: rows.map((r) => Array.from(r, (ch) => ch ?? " ").join("")), wraps };
}

function fakeTty(columns: number): { stream: NodeJS.WriteStream; output: () => string } {
  let written = "";
  const stream = { isTTY: true, columns, write: (s: string) => ((written += s), true) } as unknown as NodeJS.WriteStream;
  return { stream, output: () => written };
}

/** Sends `total` results through a progress bar on a fake terminal and returns what it shows. */
function run(columns: number, total: number, outcomes: (i: number) => Outcome) {
  const tty = fakeTty(columns);
  const p = createProgress(total, tty.stream);
  for (let i = 0; i < total; i++) p.tick({ index: i, outcome: outcomes(i) });
  p.done();
  return { ...terminal(tty.output(), columns), output: tty.output() };
}

const mixed = (i: number): Outcome => (i % 97 === 0 ? "failed" : i % 13 === 0 ? "rejected" : "accepted");

for (const columns of [40, 70, 120]) {
  test(`${columns} columns: every redraw stays on one row, no line reaches the last column`, () => {
    const shown = run(columns, 12_345, mixed);
    assert.is(shown.wraps, 0, JSON.stringify(shown.output));
    const frames = shown.output.split(/[\r\n]/).map((f) => f.replace(/\x1b\[[0-9]*K/g, "")).filter(Boolean);
    assert.ok(frames.length >= 2, "at least the first and the last frame are drawn");
    for (const f of frames) assert.ok(f.length < columns, `${f.length} >= ${columns}: ${f}`);
    // One row with the final counts, then the cursor on a fresh row.
    assert.equal(shown.rows, [frames[frames.length - 1], ""]);
    assert.match(frames[frames.length - 1], /12345\/12345 100%/);
  });
}

test("the line keeps as much as fits: a full bar at 120, a shorter one at 70, abbreviated counts at 40", () => {
  const c: Counts = { done: 600, total: 1200, ok: 590, rejected: 9, failed: 1 };
  assert.is(renderLine(c, 120), `${"█".repeat(15)}${"░".repeat(15)} 600/1200 50%  ok 590  rejected 9  failed 1`);
  const seventy = renderLine(c, 70);
  assert.match(seventy, /^█+░+ 600\/1200 50%  ok 590  rejected 9  failed 1$/);
  assert.ok(seventy.length === 69, seventy);
  assert.is(renderLine(c, 40), "600/1200 50% ok 590 rej 9 fail 1");
  assert.is(renderLine(c, 16), "600/1200 50%");
  assert.is(renderLine(c, 6), "50%");
  assert.is(renderLine(c, 3), "50");
});

test("no width from 1 to 200 columns, no count up to a million gets a line that reaches the last column", () => {
  const samples: Counts[] = [
    { done: 0, total: 1, ok: 0, rejected: 0, failed: 0 },
    { done: 7, total: 10, ok: 5, rejected: 1, failed: 1 },
    { done: 999_999, total: 1_000_000, ok: 888_888, rejected: 100_000, failed: 11_111 },
  ];
  for (let columns = 1; columns <= 200; columns++) {
    for (const c of samples) {
      const line = renderLine(c, columns);
      assert.ok(line.length >= 1 && line.length <= Math.max(1, columns - 1), `${columns} columns: ${JSON.stringify(line)}`);
    }
  }
});

test("a stream that reports no width is treated as 80 columns", () => {
  let written = "";
  const stream = { isTTY: true, write: (s: string) => ((written += s), true) } as unknown as NodeJS.WriteStream;
  const p = createProgress(1, stream);
  p.tick({ index: 0, outcome: "accepted" });
  p.done();
  assert.is(terminal(written, 80).wraps, 0);
  assert.match(written, /█{30} 1\/1 100%  ok 1  rejected 0  failed 0/);
});

test.run();
