// The registry entry for DynamoDB: dynalite on the data dir, in its own supervised process (its
// requests gated and counted there, see dynamodb-service.ts), and one table per
// aws.dynamodb.Table, made while the program runs.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../aws/local-account";
import { TwinSupervisor } from "../aws/twin-supervisor";
import { addCounters } from "../metrics";
import type { TwinContext, TwinModule } from "../twin-module";
import { ensureTable, type TableInputs } from "./create-table";

export interface TableTwins extends TwinModule {
  /** The local DynamoDB endpoint (once open). */
  endpoint(): string;
  /** The process dynalite runs in (once open). */
  twin(): TwinSupervisor;
}

export function tableTwins(ctx: TwinContext): TableTwins {
  let twin: TwinSupervisor | undefined;
  let client: DynamoDBClient | undefined;
  return {
    emulates: { "aws:dynamodb/table:Table": "dynalite table" },
    endpoint: () => twin?.endpoint ?? "",
    twin: () => twin!,
    async open() {
      twin = new TwinSupervisor({ service: "dynamodb", dataDir: ctx.dataDir, gates: ctx.gates, log: ctx.log, onCounters: (d) => addCounters(ctx.metrics.dynamodb, d) });
      await twin.start();
      // The tool credentials: the twin's gates let the stack's own table making through, unfaulted.
      client = new DynamoDBClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 2, endpoint: twin.endpoint });
    },
    async declare(args, state) {
      const how = await ensureTable(client!, String(state.name), args.inputs as TableInputs);
      ctx.log(JSON.stringify({ level: "info", source: "local", msg: how === "created" ? "table created" : "table kept from the data dir", table: state.name }));
      return {};
    },
    async stop() {
      client?.destroy();
      await twin?.stop();
    },
  };
}
