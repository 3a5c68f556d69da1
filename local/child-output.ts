// The output of a child process of the stack (a function instance, a twin) as JSON log lines:
// lines that are JSON already pass as they are, anything else is wrapped, so every line stays JSON.
import * as readline from "node:readline";

export function forwardLines(stream: NodeJS.ReadableStream | null, log: (line: string) => void, wrap: (msg: string) => Record<string, unknown>): void {
  if (!stream) return;
  const rl = readline.createInterface({ input: stream });
  rl.on("line", (line) => {
    if (line.trim() === "") return;
    if (line.startsWith("{")) log(line);
    else log(JSON.stringify(wrap(line)));
  });
}
