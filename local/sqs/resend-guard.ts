// Sending messages again (after a crash, a twin restart or a clean stop) must not let one message
// crash the SQS twin at every start. Before each send, the ids it carries are written to a marker
// file; the marker goes when every send is done. A start that finds a marker knows the last resend
// died on one of those messages: it sends them one at a time, and a message whose own send died
// (the marker named only it) is set aside in the quarantine file, logged, and not sent again.
import * as fs from "node:fs";
import * as path from "node:path";

export const QUARANTINE_FILE = "sqs-quarantine.jsonl";

export interface Resendable {
  /** Stable across attempts: the id it was journaled or saved under. */
  id: string;
}

export interface ResendOutcome<T> {
  sent: number;
  quarantined: T[];
}

export class ResendGuard {
  private readonly marker: string;
  private readonly quarantine: string;

  /** `source` names what is re-sent (each source its own marker, so one resend never clears another's). */
  constructor(dataDir: string, source: string) {
    this.marker = path.join(dataDir, `sqs-resend-${source}.marker`);
    this.quarantine = path.join(dataDir, QUARANTINE_FILE);
  }

  private suspects(): string[] {
    try {
      return (JSON.parse(fs.readFileSync(this.marker, "utf8")) as { ids: string[] }).ids;
    } catch {
      return [];
    }
  }

  private mark(ids: string[]): void {
    fs.writeFileSync(this.marker, JSON.stringify({ ids }));
  }

  /**
   * Sends `messages` through `send`, ten at a time, except those a crashed resend named: one at a
   * time, and the one it named alone is quarantined instead.
   */
  async resend<T extends Resendable>(messages: T[], send: (batch: T[]) => Promise<void>): Promise<ResendOutcome<T>> {
    const suspects = new Set(this.suspects());
    const quarantined: T[] = [];
    const ordinary: T[] = [];
    const alone: T[] = [];
    for (const m of messages) {
      if (suspects.size === 1 && suspects.has(m.id)) quarantined.push(m);
      else (suspects.has(m.id) ? alone : ordinary).push(m);
    }
    if (quarantined.length > 0) fs.appendFileSync(this.quarantine, quarantined.map((m) => JSON.stringify({ at: new Date().toISOString(), message: m }) + "\n").join(""));
    const batches = [...alone.map((m) => [m]), ...Array.from({ length: Math.ceil(ordinary.length / 10) }, (_, i) => ordinary.slice(i * 10, i * 10 + 10))];
    let sent = 0;
    try {
      for (const batch of batches) {
        this.mark(batch.map((m) => m.id));
        await send(batch);
        sent += batch.length;
      }
    } finally {
      // Reached only while the process lives: a send that failed with an error is no crash.
      fs.rmSync(this.marker, { force: true });
    }
    return { sent, quarantined };
  }
}
