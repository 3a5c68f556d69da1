// The local stack's outputs file: the program's outputs in the shape `pulumi stack output --json`
// prints. Its existence means the stack takes requests, so it is written last at start and
// removed first at stop.
import * as fs from "node:fs";
import * as path from "node:path";

export function writeOutputsFile(file: string, outputs: Record<string, unknown>): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // Written then renamed: a reader never sees half a file.
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(outputs, null, 4) + "\n");
  fs.renameSync(`${file}.tmp`, file);
}

export function removeOutputsFile(file: string): void {
  fs.rmSync(file, { force: true });
}
