// The DynamoDB twin, as its own process runs it (twin-process.ts): dynalite on its LevelDB store in
// the data dir, behind the request gates, its requests counted as AWS would bill them. A crash
// loses nothing it acknowledged: LevelDB has it, and the restarted twin opens the same store.
import * as path from "node:path";
import type { LocalServer } from "../aws/loopback-server";
import { askForCapacity, recordDynamoDb } from "../aws/request-metrics";
import type { TwinServiceFactory } from "../aws/twin-service";
import { emptyMetrics } from "../metrics";
import { startDynalite } from "./dynalite-server";

export const dynamodbService: TwinServiceFactory = (ctx) => {
  let counters = emptyMetrics().dynamodb;
  let server: LocalServer | undefined;
  return {
    async listen(port) {
      server = await startDynalite({
        port,
        dataDir: path.join(ctx.dataDir, "dynamodb"),
        observer: { rewrite: askForCapacity, gates: ctx.gates, onExchange: (x) => recordDynamoDb(counters, x.action, x.status, x.requestBody, x.responseBody) },
      });
      return server.port;
    },
    takeCounters() {
      const out = counters;
      counters = emptyMetrics().dynamodb;
      return out;
    },
    calls: {},
    async stop() {
      await server?.close();
    },
  };
};
