// local-aws-sqs on loopback: the SQS JSON and query protocols, queues in memory. The local stack,
// the runtime tests and the poller tests share it.
import type * as http from "node:http";
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from "../aws/local-account";
import { localServer, type LocalServer, type ServerOptions } from "../aws/loopback-server";
import { observeRequests } from "../aws/request-observer";
import { loadLocalAwsSqs } from "./local-aws-sqs";

/** local-aws-sqs on loopback. Queues live in memory. */
export async function startSqs(opts: ServerOptions = {}): Promise<LocalServer> {
  const host = opts.host ?? "127.0.0.1";
  // Corrected so that a visibility change is not counted as a receive (local-aws-sqs.ts).
  const { createSqsServer } = loadLocalAwsSqs();
  const server = (await createSqsServer({
    port: opts.port ?? 0,
    hostname: host,
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT_ID,
    // A restarted local stack recreates its queues at once; AWS's 60 s rule would only get in the way.
    emulateQueueCreationLifecycle: false,
  } as Parameters<typeof createSqsServer>[0])) as unknown as http.Server;
  if (opts.observer) observeRequests(server, opts.observer, "sqs");
  return localServer(server, host);
}
