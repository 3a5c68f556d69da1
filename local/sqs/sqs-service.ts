// The SQS twin, as its own process runs it (twin-process.ts): local-aws-sqs on loopback behind the
// request gates, its requests counted and journaled where they are answered. Started again after a
// crash, it makes this run's queues again and re-sends what the journal says they held. It also
// does what needs the queues' contents: at the stack's start, sending back what the last run left
// ("replay"); at a clean stop, saving what is still queued.
import { SQSClient } from "@aws-sdk/client-sqs";
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS, LOCAL_REGION } from "../aws/local-account";
import type { LocalServer } from "../aws/loopback-server";
import { recordSqs } from "../aws/request-metrics";
import type { TwinServiceFactory } from "../aws/twin-service";
import { emptyServiceMetrics } from "../metrics";
import { createQueueTwin, sendMessages, type LocalQueue, type SavedMessage } from "./create-queue";
import { SqsJournal, type JournaledMessage } from "./journal";
import { JournalReplay } from "./journal-replay";
import type { ResendOutcome } from "./resend-guard";
import { QUARANTINE_FILE } from "./resend-guard";
import { restoreQueuedMessages, saveQueuedMessages } from "./saved-messages";
import { startSqs } from "./sqs-server";

function asSaved(m: JournaledMessage): SavedMessage {
  return { body: m.body, messageAttributes: m.attributes as SavedMessage["messageAttributes"], groupId: m.groupId, deduplicationId: m.deduplicationId };
}

export const sqsService: TwinServiceFactory = (ctx) => {
  let counters = emptyServiceMetrics();
  let journal: SqsJournal | undefined;
  let server: LocalServer | undefined;
  let client: SQSClient | undefined;

  /** This run's queues, as the journal saw them made; drained sources before their DLQs. */
  const queues = (): LocalQueue[] => {
    const all = [...journal!.state.queues].map(([name, attributes]) => ({ name, url: `${server!.endpoint}/${LOCAL_ACCOUNT_ID}/${name}`, arn: "", attributes }));
    return [...all.filter((q) => q.attributes.RedrivePolicy !== undefined), ...all.filter((q) => q.attributes.RedrivePolicy === undefined)];
  };
  const byName = (name: string) => queues().find((q) => q.name === name);
  const report = (what: string, outcome: ResendOutcome<unknown>, extra: Record<string, unknown> = {}) => {
    if (outcome.quarantined.length > 0) {
      ctx.log({ level: "error", msg: `${what}: messages whose resend crashed the SQS twin twice were set aside, not sent`, count: outcome.quarantined.length, file: QUARANTINE_FILE });
    }
    return { sent: outcome.sent, quarantined: outcome.quarantined.length, ...extra };
  };

  /** After a crash of this twin: the run's queues again, then what they held. */
  const recover = async () => {
    const aside = JournalReplay.load(ctx.dataDir, "restart");
    const made = new Map<string, LocalQueue>();
    for (const [name, attributes] of aside.state.queues) made.set(name, await createQueueTwin(client!, name, attributes, server!.endpoint));
    const outcome = await aside.resend(
      (q) => made.has(q),
      (q, batch) => sendMessages(client!, made.get(q)!, batch.map(asSaved)),
    );
    ctx.log({ level: "warn", msg: "the SQS twin restarted: made this run's queues again and re-sent the messages they held", queues: made.size, ...report("restart", outcome) });
  };

  return {
    async listen(port) {
      JournalReplay.setAside(ctx.dataDir, ctx.restart ? "restart" : "replay");
      const j = (journal = new SqsJournal(SqsJournal.fileIn(ctx.dataDir)));
      server = await startSqs({
        port,
        observer: {
          gates: ctx.gates,
          onExchange: (x) => {
            recordSqs(counters, x.action, x.status, x.requestBody, x.responseBody);
            j.record(x);
          },
        },
      });
      // Its own client signs with the tool credentials: neither denied nor faulted by its gates.
      client = new SQSClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 2, endpoint: server.endpoint });
      if (ctx.restart) await recover();
      return server.port;
    },
    takeCounters() {
      const out = counters;
      counters = emptyServiceMetrics();
      return out;
    },
    calls: {
      /** At the stack's start, once the program made its queues: what the last run left, sent back. */
      async replay() {
        const restored = await restoreQueuedMessages(client!, queues(), ctx.dataDir, ctx.log);
        if (restored.sent > 0) ctx.log({ level: "info", msg: "re-sent the messages saved at the last stop", count: restored.sent });
        const aside = JournalReplay.load(ctx.dataDir, "replay");
        const replayed = await aside.resend(
          (q) => byName(q) !== undefined,
          (q, batch) => sendMessages(client!, byName(q)!, batch.map(asSaved)),
        );
        if (replayed.sent > 0) ctx.log({ level: "warn", msg: "the last run did not stop cleanly: re-sent the messages it had accepted and not yet deleted", count: replayed.sent });
        return { restored: report("saved messages", restored), replayed: report("replay", replayed) };
      },
    },
    async stop() {
      // What is still queued is saved before the in-memory queue server goes away; only then may
      // the journal go.
      let clean = false;
      try {
        const saved = await saveQueuedMessages(client!, queues(), ctx.dataDir);
        if (saved > 0) ctx.log({ level: "info", msg: "saved the messages still queued; the next start sends them again", count: saved });
        clean = true;
      } finally {
        client?.destroy();
        journal?.close(clean);
        await server?.close();
      }
    },
  };
};
