// What a crashed run left in its journal, sent again at the next start. The journal is moved aside
// (not deleted) until the replay is done, so a crash during the replay loses nothing either.
import * as fs from "node:fs";
import * as path from "node:path";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { sendMessages, type LocalQueue } from "./create-queue";
import { SqsJournal, type JournaledMessage } from "./journal";

export class JournalReplay {
  private constructor(
    private readonly replayFile: string,
    private readonly messages: Map<string, JournaledMessage>,
  ) {}

  /**
   * Takes over the journal left in `dataDir` (and a replay that was itself cut short): call it
   * before a new journal is opened there.
   */
  static takeOver(dataDir: string): JournalReplay {
    const journalFile = SqsJournal.fileIn(dataDir);
    const replayFile = `${journalFile}.replay`;
    const messages = new Map<string, JournaledMessage>();
    for (const m of [...SqsJournal.pending(path.dirname(replayFile), replayFile), ...SqsJournal.pending(dataDir)]) messages.set(m.id, m);
    if (fs.existsSync(journalFile)) fs.renameSync(journalFile, replayFile);
    return new JournalReplay(replayFile, messages);
  }

  /** Sends each message accepted and never deleted back to its queue, then forgets the old journal. */
  async resend(client: SQSClient, queues: LocalQueue[], log: (line: string) => void): Promise<void> {
    if (this.messages.size > 0) {
      const byQueue = new Map<string, JournaledMessage[]>();
      for (const m of this.messages.values()) byQueue.set(m.queue, [...(byQueue.get(m.queue) ?? []), m]);
      for (const [name, messages] of byQueue) {
        const q = queues.find((x) => x.name === name);
        if (!q) continue;
        await sendMessages(client, q, messages.map((m) => ({ body: m.body, messageAttributes: m.attributes as never, groupId: m.groupId, deduplicationId: m.deduplicationId })));
      }
      log(JSON.stringify({ level: "warn", source: "local", msg: "the last run did not stop cleanly: re-sent the messages it had accepted and not yet deleted", count: this.messages.size }));
    }
    fs.rmSync(this.replayFile, { force: true });
  }
}
