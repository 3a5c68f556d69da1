// Which module stands in for which kind of AWS resource, in the order the local stack runs them:
// services before what uses them (tables and queues, each in its own supervised process, the bus
// and the secrets in this one, then the functions, then IAM, which tells those processes' gates the functions' credentials and roles,
// then the triggers).
// The stack stops them in reverse: no new requests, then no new batches, then no instances, then
// the queues are saved, then the servers close. A twin for a new resource type is one more entry.
import { localAwsEnv } from "./aws/local-account";
import { busTwins } from "./eventbridge/bus-twins";
import { tableTwins } from "./dynamodb/table-twins";
import { apiTwins } from "./http/api-twins";
import { iamTwins } from "./iam/iam-twins";
import { functionTwins } from "./lambda/function-twins";
import type { NewResourceArgs } from "./program/resource-record";
import { eventSourceMappingTwins } from "./sqs/event-source-mapping-twins";
import { secretTwins } from "./secretsmanager/secret-twins";
import { queueTwins } from "./sqs/queue-twins";
import type { TwinContext, TwinModule } from "./twin-module";

export function createTwinRegistry(ctx: TwinContext, opts: { port: number; outOfBandSecrets?: () => Record<string, string[]> }) {
  // First, so that the twin processes start with its gate (the tool credentials only, until the
  // program has run); it learns the functions' identities once they are made.
  const iam = iamTwins(ctx, { functions: () => functions.identities() });
  const tables = tableTwins(ctx);
  const queues = queueTwins(ctx);
  // Before the functions: they reach it, and it must outlive their last invocation at stop.
  const buses = busTwins(ctx);
  // In this process, with the same IAM gate config the twin processes get.
  const secrets = secretTwins(ctx, { outOfBand: opts.outOfBandSecrets ?? (() => ({})) });
  const functions = functionTwins(ctx, {
    awsEnv: () => localAwsEnv({ dynamodb: tables.endpoint(), sqs: queues.endpoint(), eventbridge: buses.endpoint(), secretsmanager: secrets.endpoint() }),
  });
  const mappings = eventSourceMappingTwins(ctx, { functions, queues });
  const apis = apiTwins(ctx, { functions, port: opts.port, iam });
  const modules: TwinModule[] = [tables, queues, buses, secrets, functions, iam, mappings, apis];

  return {
    modules,
    tables,
    queues,
    buses,
    secrets,
    functions,
    apis,
    iam,
    /** The supervised processes the services run in. */
    twins: () => [tables.twin(), queues.twin()],
    /** Routes a resource the program registers to the module that makes its twin now, if any. */
    async declare(args: NewResourceArgs, state: Record<string, any>): Promise<Record<string, unknown>> {
      const m = modules.find((x) => x.declare && args.type in x.emulates);
      return m ? m.declare!(args, state) : {};
    },
    /** What stands in for a resource of `type` locally, or "recorded" when nothing needs to run. */
    describe(type: string): string {
      return modules.find((m) => type in m.emulates)?.emulates[type] ?? "recorded";
    },
  };
}

export type TwinRegistry = ReturnType<typeof createTwinRegistry>;
