// Reads the events to send: NDJSON or one JSON array, from a file or stdin ("-").
// A row that cannot be parsed is kept as a local rejection so the summary can name its line.
import * as fs from "node:fs";

export interface InputRow {
  /** 0-based position among the rows of the input. */
  index: number;
  /** 1-based line (NDJSON) or 1-based element position (JSON array), for messages. */
  line: number;
  value?: unknown;
  /** Why the row could not be read; set instead of `value`. */
  error?: string;
}

export async function readSource(file: string | undefined, stdin: NodeJS.ReadableStream = process.stdin): Promise<string> {
  if (file === undefined || file === "-") return readStream(stdin);
  return fs.promises.readFile(file, "utf8");
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

/** A JSON array when the text starts with "[", NDJSON otherwise (blank lines ignored). */
export function parseRows(text: string): InputRow[] {
  const body = text.replace(/^\uFEFF/, "");
  if (body.trimStart().startsWith("[")) return parseArray(body);
  return parseNdjson(body);
}

function parseArray(body: string): InputRow[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (err) {
    // One broken array loses every row: say so once, against the whole input.
    return [{ index: 0, line: 1, error: `input is not a valid JSON array: ${(err as Error).message}` }];
  }
  if (!Array.isArray(parsed)) return [{ index: 0, line: 1, error: "input is not a JSON array" }];
  return parsed.map((value, i) => ({ index: i, line: i + 1, value }));
}

function parseNdjson(body: string): InputRow[] {
  const rows: InputRow[] = [];
  const lines = body.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i].trim();
    if (text === "") continue;
    const row: InputRow = { index: rows.length, line: i + 1 };
    try {
      row.value = JSON.parse(text);
    } catch (err) {
      row.error = `line ${i + 1} is not valid JSON: ${(err as Error).message}`;
    }
    rows.push(row);
  }
  return rows;
}
