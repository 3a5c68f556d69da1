// The registry entry for DynamoDB: dynalite on the data dir (its requests counted as AWS would
// bill them) and one table per aws.dynamodb.Table, made while the program runs.
import * as path from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../aws/local-account";
import type { LocalServer } from "../aws/loopback-server";
import type { RequestGate } from "../aws/request-gate";
import { askForCapacity, recordDynamoDb } from "../aws/request-metrics";
import type { TwinContext, TwinModule } from "../twin-module";
import { ensureTable, type TableInputs } from "./create-table";
import { startDynalite } from "./dynalite-server";

export interface TableTwins extends TwinModule {
  /** The local DynamoDB endpoint (once open). */
  endpoint(): string;
}

/** `gate` sees every request first (IAM). */
export function tableTwins(ctx: TwinContext, deps: { gate?: RequestGate } = {}): TableTwins {
  let server: LocalServer | undefined;
  let client: DynamoDBClient | undefined;
  return {
    emulates: { "aws:dynamodb/table:Table": "dynalite table" },
    endpoint: () => server?.endpoint ?? "",
    async open() {
      server = await startDynalite({
        dataDir: path.join(ctx.dataDir, "dynamodb"),
        observer: { gate: deps.gate, rewrite: askForCapacity, onExchange: (x) => recordDynamoDb(ctx.metrics.dynamodb, x.action, x.status, x.requestBody, x.responseBody) },
      });
      client = new DynamoDBClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 2, endpoint: server.endpoint });
    },
    async declare(args, state) {
      const how = await ensureTable(client!, String(state.name), args.inputs as TableInputs);
      ctx.log(JSON.stringify({ level: "info", source: "local", msg: how === "created" ? "table created" : "table kept from the data dir", table: state.name }));
      return {};
    },
    async stop() {
      client?.destroy();
      await server?.close();
    },
  };
}
