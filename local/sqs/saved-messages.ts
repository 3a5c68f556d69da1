// local-aws-sqs keeps messages in memory, so a clean stop saves what is still queued to the data
// dir and the next start sends it again: an acknowledged event survives a restart. (A crash is
// covered by the journal, journal.ts.) Both run in the SQS twin's process (sqs-service.ts).
import * as fs from "node:fs";
import * as path from "node:path";
import { ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { sendMessages, type LocalQueue, type SavedMessage } from "./create-queue";
import { ResendGuard, type ResendOutcome } from "./resend-guard";

/** queue name → messages that were still queued when the stack stopped. */
export type SavedQueues = Record<string, SavedMessage[]>;

const SAVE_FILE = "sqs-undelivered.json";

/**
 * Takes every visible message out of each queue (they are hidden for 12 h, the stack is about to
 * stop) and writes them to `dataDir`. Queues are drained in the given order: sources before their
 * dead-letter queues, so a message the redrive moves on its last receive is still saved.
 */
export async function saveQueuedMessages(client: SQSClient, queues: LocalQueue[], dataDir: string): Promise<number> {
  const saved: SavedQueues = {};
  let count = 0;
  for (const q of queues) {
    const messages: SavedMessage[] = [];
    for (;;) {
      const got = await client.send(
        new ReceiveMessageCommand({ QueueUrl: q.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 43_200, MessageAttributeNames: ["All"], MessageSystemAttributeNames: ["MessageGroupId", "MessageDeduplicationId"], AttributeNames: ["All"] }),
      );
      const batch = got.Messages ?? [];
      if (batch.length === 0) break;
      for (const m of batch) {
        messages.push({
          id: m.MessageId,
          body: m.Body ?? "",
          ...(m.MessageAttributes ? { messageAttributes: m.MessageAttributes } : {}),
          ...(m.Attributes?.MessageGroupId ? { groupId: m.Attributes.MessageGroupId } : {}),
          ...(m.Attributes?.MessageDeduplicationId ? { deduplicationId: m.Attributes.MessageDeduplicationId } : {}),
        });
      }
    }
    if (messages.length > 0) saved[q.name] = messages;
    count += messages.length;
  }
  const file = path.join(dataDir, SAVE_FILE);
  if (count > 0) {
    fs.mkdirSync(dataDir, { recursive: true });
    // Written then renamed: a crash mid-write must not leave half a file that loses the rest.
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(saved));
    fs.renameSync(`${file}.tmp`, file);
  }
  return count;
}

/**
 * Sends the saved messages back to their queues (through the resend guard), then removes the
 * file; those of a queue the program no longer declares stay in it.
 */
export async function restoreQueuedMessages(client: SQSClient, queues: LocalQueue[], dataDir: string, log: (fields: Record<string, unknown>) => void): Promise<ResendOutcome<SavedMessage & { id: string }>> {
  const file = path.join(dataDir, SAVE_FILE);
  const outcome: ResendOutcome<SavedMessage & { id: string }> = { sent: 0, quarantined: [] };
  if (!fs.existsSync(file)) return outcome;
  const saved = JSON.parse(fs.readFileSync(file, "utf8")) as SavedQueues;
  const guard = new ResendGuard(dataDir, "saved");
  for (const [name, messages] of Object.entries(saved)) {
    const q = queues.find((x) => x.name === name);
    if (!q) {
      log({ level: "warn", msg: "saved messages for a queue the program no longer declares: kept in the file", queue: name, count: messages.length });
      continue;
    }
    const done = await guard.resend(
      messages.map((m, i) => ({ ...m, id: m.id ?? `${name}#${i}` })),
      (batch) => sendMessages(client, q, batch),
    );
    outcome.sent += done.sent;
    outcome.quarantined.push(...done.quarantined);
    delete saved[name];
  }
  if (Object.keys(saved).length === 0) fs.rmSync(file);
  else fs.writeFileSync(file, JSON.stringify(saved));
  return outcome;
}
