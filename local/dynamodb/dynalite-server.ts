// dynalite on loopback: the DynamoDB JSON API, with its LevelDB store on disk when given a data
// dir. The local stack, the runtime tests and the bench share it.
import type * as http from "node:http";
import * as fs from "node:fs";
import { listen, localServer, type LocalServer, type ServerOptions } from "../aws/loopback-server";
import { observeRequests } from "../aws/request-observer";

/** dynalite on loopback; with `dataDir` its LevelDB store survives restarts. */
export async function startDynalite(opts: ServerOptions & { dataDir?: string } = {}): Promise<LocalServer> {
  // dynalite ships no types; its factory returns a plain http.Server.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const dynalite = require("dynalite") as (o: Record<string, unknown>) => http.Server;
  if (opts.dataDir) fs.mkdirSync(opts.dataDir, { recursive: true });
  const server = dynalite({ path: opts.dataDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  if (opts.observer) observeRequests(server, opts.observer, "dynamodb");
  const host = opts.host ?? "127.0.0.1";
  await listen(server, opts.port ?? 0, host);
  return localServer(server, host);
}
