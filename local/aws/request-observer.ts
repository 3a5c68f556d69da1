// Sees each request a local AWS server answers, with its API action, inside the server itself (no
// extra network hop): the functions, the pollers and the tools all reach DynamoDB and SQS there,
// so what is counted (request-metrics.ts) and journaled (sqs/journal.ts) is what AWS would see.
import * as http from "node:http";
import { Readable } from "node:stream";

export interface Exchange {
  action: string;
  status: number;
  requestBody: Buffer;
  responseBody: Buffer;
}

export interface RequestObserver {
  onExchange(exchange: Exchange): void;
  /** May rewrite a request body before the server reads it (e.g. to ask for consumed capacity). */
  rewrite?: (action: string, body: Buffer) => Buffer;
}

/** The API action of an AWS JSON request (X-Amz-Target) or of a query-protocol one (Action=). */
export function actionOf(headers: http.IncomingHttpHeaders, body: Buffer): string {
  const target = headers["x-amz-target"];
  if (typeof target === "string" && target.includes(".")) return target.slice(target.lastIndexOf(".") + 1);
  const match = /(?:^|&)Action=([A-Za-z]+)/.exec(body.toString("latin1", 0, Math.min(body.length, 4096)));
  return match?.[1] ?? "Unknown";
}

type RequestHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/**
 * Puts `observer` in front of the server's own request handler: the body is read once, maybe
 * rewritten, and replayed to the handler as a stream with the same headers; the response is
 * captured as it is written.
 */
export function observeRequests(server: http.Server, observer: RequestObserver): void {
  const handlers = server.listeners("request") as RequestHandler[];
  server.removeAllListeners("request");
  server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const original = Buffer.concat(chunks);
      const action = actionOf(req.headers, original);
      const body = observer.rewrite ? observer.rewrite(action, original) : original;
      const replay = Object.assign(Readable.from(body.length > 0 ? [body] : []), {
        headers: { ...req.headers, "content-length": String(body.length) },
        rawHeaders: req.rawHeaders,
        method: req.method,
        url: req.url,
        httpVersion: req.httpVersion,
        socket: req.socket,
        connection: req.socket,
        complete: true,
      }) as unknown as http.IncomingMessage;

      const out: Buffer[] = [];
      const keep = (chunk: unknown, encoding?: unknown) => {
        if (chunk === undefined || chunk === null || typeof chunk === "function") return;
        out.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string, typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8"));
      };
      const write = res.write.bind(res) as (...a: unknown[]) => boolean;
      const end = res.end.bind(res) as (...a: unknown[]) => http.ServerResponse;
      res.write = ((chunk: unknown, ...rest: unknown[]) => {
        keep(chunk, rest[0]);
        return write(chunk, ...rest);
      }) as typeof res.write;
      res.end = ((chunk?: unknown, ...rest: unknown[]) => {
        keep(chunk, rest[0]);
        return end(chunk, ...rest);
      }) as typeof res.end;
      res.once("finish", () => observer.onExchange({ action, status: res.statusCode, requestBody: original, responseBody: Buffer.concat(out) }));
      for (const handler of handlers) handler.call(server, replay, res);
    });
  });
}
