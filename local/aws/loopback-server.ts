// Starts the real protocol servers that stand in for DynamoDB and SQS on loopback:
// dynalite (DynamoDB JSON API, LevelDB on disk when given a data dir) and local-aws-sqs
// (SQS JSON and query protocols, in memory). Tests, the local stack and the bench share these.
import * as http from "node:http";
import * as fs from "node:fs";
import type { AddressInfo } from "node:net";
import { createSqsServer } from "local-aws-sqs";
import { observeRequests, type RequestObserver } from "./request-counter";

export interface LocalServer {
  /** Base URL, e.g. http://127.0.0.1:4567 */
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

export interface ServerOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** Sees (and may rewrite) every request the server answers; see request-counter.ts. */
  observer?: RequestObserver;
}

// Fixed, fake credentials: the local servers accept any signature, and the SDK needs some.
export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };
export const LOCAL_REGION = "us-east-1";
export const LOCAL_ACCOUNT_ID = "123456789012";

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections?.();
  });
}

function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** dynalite on loopback; with `dataDir` its LevelDB store survives restarts. */
export async function startDynalite(opts: ServerOptions & { dataDir?: string } = {}): Promise<LocalServer> {
  // dynalite ships no types; its factory returns a plain http.Server.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const dynalite = require("dynalite") as (o: Record<string, unknown>) => http.Server;
  if (opts.dataDir) fs.mkdirSync(opts.dataDir, { recursive: true });
  const server = dynalite({ path: opts.dataDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  if (opts.observer) observeRequests(server, opts.observer);
  const host = opts.host ?? "127.0.0.1";
  const port = await listen(server, opts.port ?? 0, host);
  return { endpoint: `http://${host}:${port}`, port, close: () => closeServer(server) };
}

/** local-aws-sqs on loopback. Queues live in memory. */
export async function startSqs(opts: ServerOptions = {}): Promise<LocalServer> {
  const host = opts.host ?? "127.0.0.1";
  const server = (await createSqsServer({
    port: opts.port ?? 0,
    hostname: host,
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT_ID,
    // A restarted local stack recreates its queues at once; AWS's 60 s rule would only get in the way.
    emulateQueueCreationLifecycle: false,
  } as Parameters<typeof createSqsServer>[0])) as unknown as http.Server;
  if (opts.observer) observeRequests(server, opts.observer);
  const port = (server.address() as AddressInfo).port;
  return { endpoint: `http://${host}:${port}`, port, close: () => closeServer(server) };
}

/**
 * The environment an AWS SDK v3 client needs to talk to the local servers with no code change:
 * the standard service-specific endpoint variables, a region and fake credentials.
 */
export function localAwsEnv(endpoints: { dynamodb?: string; sqs?: string }): Record<string, string> {
  const env: Record<string, string> = {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  };
  if (endpoints.dynamodb) env.AWS_ENDPOINT_URL_DYNAMODB = endpoints.dynamodb;
  if (endpoints.sqs) env.AWS_ENDPOINT_URL_SQS = endpoints.sqs;
  return env;
}
