// A tiny HTTP proxy in front of a local AWS server that counts each request by API action. The
// functions, the pollers and the tools all reach DynamoDB and SQS through it, so the counts are
// what AWS would bill.
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { LocalServer } from "./servers";

export interface Exchange {
  action: string;
  status: number;
  requestBody: Buffer;
  responseBody: Buffer;
}

export interface ProxyOptions {
  /** Base URL of the real server, e.g. http://127.0.0.1:4567 */
  target: string;
  onExchange(exchange: Exchange): void;
  /** May rewrite a request body before it is forwarded (e.g. to ask for consumed capacity). */
  rewrite?: (action: string, body: Buffer) => Buffer;
  host?: string;
  port?: number;
}

/** The API action of an AWS JSON request (X-Amz-Target) or of a query-protocol one (Action=). */
export function actionOf(headers: http.IncomingHttpHeaders, body: Buffer): string {
  const target = headers["x-amz-target"];
  if (typeof target === "string" && target.includes(".")) return target.slice(target.lastIndexOf(".") + 1);
  const match = /(?:^|&)Action=([A-Za-z]+)/.exec(body.toString("latin1", 0, Math.min(body.length, 4096)));
  return match?.[1] ?? "Unknown";
}

function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => resolve(Buffer.concat(chunks)));
    stream.on("error", reject);
  });
}

export async function startCountingProxy(opts: ProxyOptions): Promise<LocalServer> {
  const target = new URL(opts.target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const server = http.createServer(async (req, res) => {
    try {
      const original = await readAll(req);
      const action = actionOf(req.headers, original);
      const body = opts.rewrite ? opts.rewrite(action, original) : original;
      // The Host header is kept: servers that build URLs from it (SQS queue URLs) then point
      // callers back at this proxy, so nothing bypasses the count.
      const headers = { ...req.headers, "content-length": String(body.length) };
      const upstream = http.request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent },
        async (up) => {
          const responseBody = await readAll(up);
          const status = up.statusCode ?? 502;
          opts.onExchange({ action, status, requestBody: original, responseBody });
          const outHeaders = { ...up.headers, "content-length": String(responseBody.length) };
          res.writeHead(status, outHeaders);
          res.end(responseBody);
        },
      );
      upstream.on("error", (err) => {
        if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
        res.end(`local proxy: ${err.message}`);
      });
      upstream.end(body);
    } catch (err) {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(`local proxy: ${(err as Error).message}`);
    }
  });
  const host = opts.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}
