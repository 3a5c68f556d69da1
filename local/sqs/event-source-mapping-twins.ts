// The registry entry for aws.lambda.EventSourceMapping on an SQS queue: one poller per mapping,
// on the local queue of its ARN, invoking the local function it names, with Lambda's defaults. As on
// AWS, the poller calls SQS with the function's execution role, so the role's poll grant is checked.
import { SQSClient } from "@aws-sdk/client-sqs";
import { LOCAL_REGION } from "../aws/local-account";
import type { FunctionTwins } from "../lambda/function-twins";
import { numberInput as num } from "../program/resource-record";
import type { TwinContext, TwinModule } from "../twin-module";
import { SqsPoller } from "./poller";
import type { QueueTwins } from "./queue-twins";

export function eventSourceMappingTwins(ctx: TwinContext, deps: { functions: FunctionTwins; queues: QueueTwins }): TwinModule {
  const pollers: SqsPoller[] = [];
  const clients: SQSClient[] = [];
  return {
    emulates: { "aws:lambda/eventSourceMapping:EventSourceMapping": "SQS poller" },
    async create(run) {
      for (const m of run.resources.filter((r) => r.type === "aws:lambda/eventSourceMapping:EventSourceMapping")) {
        const fn = deps.functions.find(m.inputs.functionName);
        const q = deps.queues.byArn(String(m.inputs.eventSourceArn ?? ""));
        if (!fn || !q) {
          ctx.log(JSON.stringify({ level: "warn", source: "local", msg: "event source mapping not emulated (not an SQS queue of this program, or unknown function)", mapping: m.name }));
          continue;
        }
        fn.metrics.triggers.push(`sqs:${q.name}`);
        const batchSize = num(m.inputs.batchSize, 10);
        const roleClient = new SQSClient({ region: LOCAL_REGION, credentials: fn.credentials, maxAttempts: 2, endpoint: deps.queues.endpoint() });
        clients.push(roleClient);
        const poller = new SqsPoller(
          {
            logicalName: m.name,
            functionName: fn.record.name,
            queueUrl: q.url,
            queueArn: q.arn,
            region: LOCAL_REGION,
            batchSize,
            batchingWindowSeconds: num(m.inputs.maximumBatchingWindowInSeconds, batchSize > 10 ? 1 : 0),
            reportBatchItemFailures: ((m.inputs.functionResponseTypes ?? []) as string[]).includes("ReportBatchItemFailures"),
            maxConcurrency: Math.min(num(m.inputs.scalingConfig?.maximumConcurrency, 5), fn.host.spec.maxInstances),
            enabled: m.inputs.enabled !== false,
          },
          { sqs: roleClient, admin: deps.queues.client(), invoke: (event) => fn.host.invoke(event), log: ctx.log },
        );
        pollers.push(poller);
      }
    },
    start() {
      for (const p of pollers) p.start();
    },
    async stop() {
      // Each waits for its batch in flight and makes what it held back visible again.
      await Promise.all(pollers.map((p) => p.stop()));
      for (const c of clients.splice(0)) c.destroy();
    },
  };
}
