// What the local AWS servers (dynalite, local-aws-sqs) have in common: they listen on loopback,
// may be watched by a request observer, and close without waiting for idle keep-alive sockets.
import type * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { RequestObserver } from "./request-observer";

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
  /** Sees (and may rewrite) every request the server answers; see request-observer.ts. */
  observer?: RequestObserver;
}

export function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections?.();
  });
}

export function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** The LocalServer of an http.Server already listening on `host`. */
export function localServer(server: http.Server, host: string): LocalServer {
  const port = (server.address() as AddressInfo).port;
  return { endpoint: `http://${host}:${port}`, port, close: () => closeServer(server) };
}
