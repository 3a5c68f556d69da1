// Reads the README's `console` blocks as transcripts (a `$ ` command, then what it prints) and
// compares printed output with them. Pure: the test that runs the commands is readme-examples.test.ts.

export interface TranscriptCommand {
  /** The `<!-- section:NAME -->` the block is in, or "" outside every section. */
  section: string;
  /** 1-based line of the `$ ` prompt in the README. */
  line: number;
  /** The command as bash reads it (continuation lines kept, prompt removed). */
  command: string;
  /** The lines printed after it, up to the next prompt or the end of the block. */
  expected: string;
}

const SECTION_OPEN = /^<!--\s*section:([\w-]+)\s*-->\s*$/;
const SECTION_CLOSE = /^<!--\s*\/section:([\w-]+)\s*-->\s*$/;

/** Every command of every ```console block, in document order. */
export function transcriptCommands(markdown: string): TranscriptCommand[] {
  const lines = markdown.split(/\r?\n/);
  const out: TranscriptCommand[] = [];
  let section = "";
  let inConsole = false;
  let current: { section: string; line: number; command: string[]; expected: string[]; continued: boolean } | undefined;
  const flush = () => {
    if (!current) return;
    while (current.expected.length > 0 && current.expected[current.expected.length - 1].trim() === "") current.expected.pop();
    out.push({ section: current.section, line: current.line, command: current.command.join("\n"), expected: current.expected.join("\n") });
    current = undefined;
  };
  lines.forEach((text, i) => {
    if (!inConsole) {
      const open = SECTION_OPEN.exec(text);
      if (open) section = open[1];
      else if (SECTION_CLOSE.test(text)) section = "";
      else if (/^```console\s*$/.test(text)) inConsole = true;
      return;
    }
    if (/^```\s*$/.test(text)) {
      flush();
      inConsole = false;
    } else if (current?.continued) {
      current.command.push(text);
      current.continued = text.endsWith("\\");
    } else if (text.startsWith("$ ")) {
      flush();
      current = { section, line: i + 1, command: [text.slice(2)], expected: [], continued: text.endsWith("\\") };
    } else if (current) current.expected.push(text);
    else if (text.trim() !== "") throw new Error(`README line ${i + 1}: a console block must start with a "$ " command`);
  });
  if (inConsole) throw new Error("README: a console block is not closed");
  return out;
}

/**
 * The README's output as a pattern: `…` stands for anything (also several lines or nothing), and a
 * run of whitespace for any whitespace or none, so long lines may be wrapped and indented.
 */
export function expectedPattern(expected: string): RegExp {
  const body = expected
    .trim()
    .split(/(…|\s+)/)
    .filter((part) => part !== "")
    .map((part) => (part === "…" ? "[\\s\\S]*?" : /^\s+$/.test(part) ? "\\s*" : part.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")))
    .join("");
  return new RegExp(`^\\s*${body}\\s*$`);
}

export function outputMatches(expected: string, actual: string): boolean {
  return expectedPattern(expected).test(actual.replace(/\r\n/g, "\n"));
}
