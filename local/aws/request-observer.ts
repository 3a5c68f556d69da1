// Sees each request a local AWS server answers, with its API action, inside the server itself (no
// extra network hop): the functions, the pollers and the tools all reach DynamoDB and SQS there,
// so what is counted (request-metrics.ts) and journaled (sqs/journal.ts) is what AWS would see.
// A gate (request-gate.ts) may answer in the server's place: IAM, faults.
import * as http from "node:http";
import { Readable } from "node:stream";
import type { GateAnswer, GatedRequest, RequestGate } from "./request-gate";

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
  /** Sees each request first, as received; an answer it gives is sent instead of the server's. */
  gate?: RequestGate;
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
 * What a gate is shown: the headers as received, plus the request line as HTTP/2-style
 * pseudo-headers (`:method`, `:path`), which a signature covers and the headers alone do not.
 */
export function gatedRequest(service: GatedRequest["service"], req: http.IncomingMessage, action: string, body: Buffer): GatedRequest {
  return { service, action, headers: { ...req.headers, ":method": req.method ?? "POST", ":path": req.url ?? "/" }, body };
}

function sendAnswer(res: http.ServerResponse, answer: GateAnswer): void {
  const body = Buffer.from(answer.body, "utf8");
  res.writeHead(answer.status, { ...answer.headers, "content-length": String(body.length) });
  res.end(body);
}

/**
 * Puts `observer` in front of the server's own request handler: the body is read once, shown to
 * the gate, maybe rewritten, and replayed to the handler as a stream with the same headers; the
 * response (the gate's or the server's) is captured as it is written.
 */
export function observeRequests(server: http.Server, observer: RequestObserver, service: GatedRequest["service"]): void {
  const handlers = server.listeners("request") as RequestHandler[];
  server.removeAllListeners("request");
  server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const original = Buffer.concat(chunks);
      const action = actionOf(req.headers, original);
      let answer: GateAnswer | undefined;
      try {
        answer = observer.gate ? await observer.gate(gatedRequest(service, req, action, original)) : undefined;
      } catch (err) {
        // A gate that throws is a bug of ours; AWS would answer its own 500, never run the request.
        answer = { status: 500, headers: { "content-type": "application/x-amz-json-1.0" }, body: JSON.stringify({ __type: "com.amazon.coral.service#InternalFailure", message: (err as Error).message }) };
      }
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
      if (answer) return sendAnswer(res, answer);
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
      for (const handler of handlers) handler.call(server, replay, res);
    });
  });
}
