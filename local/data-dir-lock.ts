// One local stack per data dir: dynalite's LevelDB cannot be opened twice, and fails late and
// loudly if it is. The lock names its holder; a lock whose process is gone is taken over.
import * as fs from "node:fs";
import * as path from "node:path";

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
  // A killed process whose parent has not reaped it yet still answers signal 0 (Linux: state Z).
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true;
  }
}

/** Takes the data dir (creating it) or throws a message that says who holds it; returns the release. */
export function lockDataDir(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, "LOCK.local-stack");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: "wx" });
      return () => fs.rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = Number(fs.readFileSync(file, "utf8"));
      if (holder && holder !== process.pid && processAlive(holder)) {
        throw new Error(`the data dir ${dataDir} is in use by process ${holder} (another local stack?): stop it, or pick another --data-dir`);
      }
      if (holder === process.pid) throw new Error(`the data dir ${dataDir} is already in use by a local stack in this process: give each its own data dir`);
      fs.rmSync(file, { force: true });
    }
  }
  throw new Error(`could not lock the data dir ${dataDir}`);
}
