// The registry entry for SQS: local-aws-sqs (its requests counted and journaled), one queue per
// aws.sqs.Queue made while the program runs, and the messages of the last run sent back before
// anything polls: those a clean stop saved, and those a crash left in the journal.
import { SQSClient } from "@aws-sdk/client-sqs";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../aws/local-account";
import type { LocalServer } from "../aws/loopback-server";
import type { RequestGate } from "../aws/request-gate";
import { recordSqs } from "../aws/request-metrics";
import type { TwinContext, TwinModule } from "../twin-module";
import { createQueueTwin, localQueueArn, queueAttributes, queueName, type LocalQueue, type QueueInputs } from "./create-queue";
import { SqsJournal } from "./journal";
import { JournalReplay } from "./journal-replay";
import { restoreQueuedMessages, saveQueuedMessages } from "./saved-messages";
import { startSqs } from "./sqs-server";

export interface QueueTwins extends TwinModule {
  /** The local SQS endpoint (once open). */
  endpoint(): string;
  /** The client the local stack itself uses (pollers, save and restore). */
  client(): SQSClient;
  /** The local queue of an SQS ARN of the program, if it declared one. */
  byArn(arn: string): LocalQueue | undefined;
}

/** `gate` sees every request first (IAM). */
export function queueTwins(ctx: TwinContext, deps: { gate?: RequestGate } = {}): QueueTwins {
  const queues: LocalQueue[] = [];
  let replay: JournalReplay | undefined;
  let journal: SqsJournal | undefined;
  let server: LocalServer | undefined;
  let client: SQSClient | undefined;

  /** Drained sources first, so a message the redrive moves on its last receive is still saved. */
  const saveOrder = () => [...queues.filter((q) => q.attributes.RedrivePolicy !== undefined), ...queues.filter((q) => q.attributes.RedrivePolicy === undefined)];

  return {
    emulates: { "aws:sqs/queue:Queue": "local-aws-sqs queue" },
    endpoint: () => server?.endpoint ?? "",
    client: () => client!,
    byArn: (arn) => queues.find((q) => q.arn === localQueueArn(arn)),
    async open() {
      replay = JournalReplay.takeOver(ctx.dataDir);
      const j = (journal = new SqsJournal(SqsJournal.fileIn(ctx.dataDir)));
      server = await startSqs({
        observer: {
          gate: deps.gate,
          onExchange: (x) => {
            recordSqs(ctx.metrics.sqs, x.action, x.status, x.requestBody, x.responseBody);
            j.record(x);
          },
        },
      });
      client = new SQSClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 2, endpoint: server.endpoint });
    },
    async declare(args, state) {
      const inputs = args.inputs as QueueInputs;
      const q = await createQueueTwin(client!, queueName(String(state.name), inputs), queueAttributes(inputs, localQueueArn), server!.endpoint);
      queues.push(q);
      return { name: q.name, url: q.url, arn: q.arn, id: q.url };
    },
    async create() {
      const restored = await restoreQueuedMessages(client!, queues, ctx.dataDir, ctx.log);
      if (restored > 0) ctx.log(JSON.stringify({ level: "info", source: "local", msg: "re-sent the messages saved at the last stop", count: restored }));
      await replay!.resend(client!, queues, ctx.log);
    },
    async stop() {
      // What is still queued is saved before the in-memory queue server goes away; only then may
      // the journal go.
      let clean = false;
      if (client) {
        try {
          const saved = await saveQueuedMessages(client, saveOrder(), ctx.dataDir);
          if (saved > 0) ctx.log(JSON.stringify({ level: "info", source: "local", msg: "saved the messages still queued; the next start sends them again", count: saved }));
          clean = true;
        } catch (err) {
          ctx.log(JSON.stringify({ level: "error", source: "local", msg: "could not save the queued messages", error: (err as Error).message }));
        }
        client.destroy();
      }
      journal?.close(clean);
      await server?.close();
    },
  };
}
