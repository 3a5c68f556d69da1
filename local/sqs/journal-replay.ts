// A journal set aside to be sent again: by the next start after a crash of the stack ("replay":
// once the program made its queues), or by a restarted SQS twin ("restart": it makes the queues of
// this run again first). The journal is moved aside (not deleted) until the resend is done, and
// merged with an aside file an earlier attempt left, so a crash during the resend loses nothing.
import * as fs from "node:fs";
import { SqsJournal } from "./journal";
import { emptyJournalState, expired, readJournal, resendQueue, stateLines, type JournaledMessage, type JournalState } from "./journal-state";
import { ResendGuard, type ResendOutcome } from "./resend-guard";

export type AsideKind = "replay" | "restart";

export class JournalReplay {
  private constructor(
    private readonly file: string,
    private readonly guard: ResendGuard,
    readonly state: JournalState,
  ) {}

  /**
   * Moves the journal in `dataDir` aside as `kind`, merged with what an earlier attempt left
   * there. Call it before a new journal is opened in `dataDir`.
   */
  static setAside(dataDir: string, kind: AsideKind): void {
    const journal = SqsJournal.fileIn(dataDir);
    const aside = `${journal}.${kind}`;
    // A new run also takes over what a twin restart of the last run had not re-sent yet.
    const sources = [journal, ...(kind === "replay" ? [`${journal}.restart`] : [])].filter((f) => fs.existsSync(f));
    if (sources.length === 0) return;
    if (sources.length === 1 && !fs.existsSync(aside)) return fs.renameSync(sources[0], aside);
    const merged = emptyJournalState();
    for (const f of [aside, ...sources]) readJournal(f, merged);
    fs.writeFileSync(`${aside}.tmp`, stateLines(merged, Date.now()).map((l) => JSON.stringify(l) + "\n").join(""));
    fs.renameSync(`${aside}.tmp`, aside);
    for (const f of sources) fs.rmSync(f);
  }

  /** What was set aside as `kind` (nothing when there is none). */
  static load(dataDir: string, kind: AsideKind): JournalReplay {
    const file = `${SqsJournal.fileIn(dataDir)}.${kind}`;
    return new JournalReplay(file, new ResendGuard(dataDir, `journal-${kind}`), fs.existsSync(file) ? readJournal(file) : emptyJournalState());
  }

  /** Messages accepted and never deleted, still within their queue's retention. */
  pending(): JournaledMessage[] {
    const now = Date.now();
    return [...this.state.live.values()].filter((m) => !expired(m, this.state, now));
  }

  /**
   * Sends each pending message back with `send` (through the guard): to its queue, or to the DLQ
   * when its last allowed receive was used; then forgets the aside file. Messages for a queue that
   * does not `exist` are dropped, as SQS drops them with the queue.
   */
  async resend(exists: (queue: string) => boolean, send: (queue: string, batch: JournaledMessage[]) => Promise<void>): Promise<ResendOutcome<JournaledMessage>> {
    const target = (m: JournaledMessage) => resendQueue(m, this.state);
    const pending = this.pending().filter((m) => exists(target(m)));
    // One queue per send, in journal order within each queue.
    const byQueue = this.groupBy(pending, target);
    const outcome = await this.guard.resend([...byQueue.values()].flat(), async (batch) => {
      for (const [queue, group] of this.groupBy(batch, target)) await send(queue, group);
    });
    fs.rmSync(this.file, { force: true });
    return outcome;
  }

  private groupBy(messages: JournaledMessage[], key: (m: JournaledMessage) => string): Map<string, JournaledMessage[]> {
    const out = new Map<string, JournaledMessage[]>();
    for (const m of messages) out.set(key(m), [...(out.get(key(m)) ?? []), m]);
    return out;
  }
}
