// The registry entry for SQS: local-aws-sqs in its own supervised process, which counts and
// journals its requests and keeps what it holds across its own crashes (sqs-service.ts); one queue
// per aws.sqs.Queue made while the program runs; and the messages of the last run sent back before
// anything polls: those a clean stop saved, and those a crash left in the journal.
import { SQSClient } from "@aws-sdk/client-sqs";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../aws/local-account";
import { TwinSupervisor } from "../aws/twin-supervisor";
import { addCounters } from "../metrics";
import type { TwinContext, TwinModule } from "../twin-module";
import { createQueueTwin, localQueueArn, queueAttributes, queueName, type LocalQueue, type QueueInputs } from "./create-queue";

export interface QueueTwins extends TwinModule {
  /** The local SQS endpoint (once open). */
  endpoint(): string;
  /**
   * The stack's own client, signed with its tool credentials (the account's admin, see
   * local-account.ts): for the stack's bookkeeping, never denied and never faulted. The pollers
   * call with their function's role instead (event-source-mapping-twins.ts).
   */
  client(): SQSClient;
  /** The local queue of an SQS ARN of the program, if it declared one. */
  byArn(arn: string): LocalQueue | undefined;
  /** The process local-aws-sqs runs in (once open). */
  twin(): TwinSupervisor;
}

export function queueTwins(ctx: TwinContext): QueueTwins {
  const queues: LocalQueue[] = [];
  let twin: TwinSupervisor | undefined;
  let tooling: SQSClient | undefined;

  return {
    emulates: { "aws:sqs/queue:Queue": "local-aws-sqs queue" },
    endpoint: () => twin?.endpoint ?? "",
    client: () => tooling!,
    byArn: (arn) => queues.find((q) => q.arn === localQueueArn(arn)),
    twin: () => twin!,
    async open() {
      twin = new TwinSupervisor({ service: "sqs", dataDir: ctx.dataDir, gates: ctx.gates, log: ctx.log, onCounters: (d) => addCounters(ctx.metrics.sqs, d) });
      await twin.start();
      tooling = new SQSClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 2, endpoint: twin.endpoint });
    },
    async declare(args, state) {
      const inputs = args.inputs as QueueInputs;
      const q = await createQueueTwin(tooling!, queueName(String(state.name), inputs), queueAttributes(inputs, localQueueArn), twin!.endpoint);
      queues.push(q);
      return { name: q.name, url: q.url, arn: q.arn, id: q.url };
    },
    async create() {
      // Before anything polls: what the last run left, sent back by the twin (which sets aside a
      // message whose resend crashes it, instead of crashing at every start).
      await twin!.callSurvivingCrashes("replay");
    },
    async stop() {
      tooling?.destroy();
      try {
        await twin?.stop();
      } catch (err) {
        ctx.log(JSON.stringify({ level: "error", source: "local", msg: "could not save the queued messages: the journal keeps them for the next start", error: (err as Error).message }));
      }
    },
  };
}
