// Sees each request a local AWS server answers, with its API action, inside the server itself (no
// extra network hop): the functions, the pollers and the tools all reach DynamoDB and SQS there,
// so what is counted (request-metrics.ts) and journaled (sqs/journal.ts) is what AWS would see.
// The request gates (request-gate.ts: IAM, then chaos) run here too, before the server's own
// handler; an answer one gives is sent in the server's place.
import * as http from "node:http";
import { Readable } from "node:stream";
import { DROP_CONNECTION, runGates, type GateAnswer, type GatedRequest, type RequestGate } from "./request-gate";

export interface Exchange {
  action: string;
  status: number;
  requestBody: Buffer;
  responseBody: Buffer;
}

export interface RequestObserver {
  /**
   * Sees each exchange once the answer is complete and before it is sent: what is journaled here
   * is on disk before the client can take the answer as an acknowledgement.
   */
  onExchange(exchange: Exchange): void;
  /** May rewrite a request body before the server reads it (e.g. to ask for consumed capacity). */
  rewrite?: (action: string, body: Buffer) => Buffer;
  /** The gates in front of the server's handler (IAM, then chaos), asked per request: they change at run time. */
  gates?: () => readonly RequestGate[];
}

/** The API action of an AWS JSON request (X-Amz-Target) or of a query-protocol one (Action=). */
export function actionOf(headers: http.IncomingHttpHeaders, body: Buffer): string {
  const target = headers["x-amz-target"];
  if (typeof target === "string" && target.includes(".")) return target.slice(target.lastIndexOf(".") + 1);
  const match = /(?:^|&)Action=([A-Za-z]+)/.exec(body.toString("latin1", 0, Math.min(body.length, 4096)));
  return match?.[1] ?? "Unknown";
}

type RequestHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** The request as the server's handler reads it: `body` replayed as a stream, with the same headers. */
function replayRequest(req: http.IncomingMessage, body: Buffer): http.IncomingMessage {
  return Object.assign(Readable.from(body.length > 0 ? [body] : []), {
    headers: { ...req.headers, "content-length": String(body.length) },
    rawHeaders: req.rawHeaders,
    method: req.method,
    url: req.url,
    httpVersion: req.httpVersion,
    socket: req.socket,
    connection: req.socket,
    complete: true,
  }) as unknown as http.IncomingMessage;
}

/** Keeps a copy of what is written to `res` and hands the whole body to `ended` before the last write goes out. */
function captureResponse(res: http.ServerResponse, ended: (body: Buffer) => void): void {
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
    ended(Buffer.concat(out));
    return end(chunk, ...rest);
  }) as typeof res.end;
}

/**
 * What a gate is shown: the headers as received, plus the request line as HTTP/2-style
 * pseudo-headers (`:method`, `:path`), which a signature covers and the headers alone do not.
 */
export function gatedRequest(service: GatedRequest["service"], req: http.IncomingMessage, action: string, body: Buffer): GatedRequest {
  return { service, action, headers: { ...req.headers, ":method": req.method ?? "POST", ":path": req.url ?? "/" }, body };
}

function sendAnswer(req: http.IncomingMessage, res: http.ServerResponse, answer: GateAnswer): void {
  if (answer === DROP_CONNECTION || answer.status === 0) {
    req.socket.destroy();
    return;
  }
  res.writeHead(answer.status, { ...answer.headers, "content-length": String(Buffer.byteLength(answer.body)) });
  res.end(answer.body);
}

/**
 * Puts `observer` in front of the server's own request handler: the body is read once, passed
 * through the gates, maybe rewritten, and replayed to the handler as a stream with the same
 * headers; the response (the handler's or a gate's) is captured as it is written and observed
 * before its end goes out. A connection a gate drops is not counted: no answer came.
 */
export function observeRequests(server: http.Server, observer: RequestObserver, service: GatedRequest["service"]): void {
  const handlers = server.listeners("request") as RequestHandler[];
  server.removeAllListeners("request");
  server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const original = Buffer.concat(chunks);
      const action = actionOf(req.headers, original);
      captureResponse(res, (responseBody) => observer.onExchange({ action, status: res.statusCode, requestBody: original, responseBody }));
      const pass = () => {
        const body = observer.rewrite ? observer.rewrite(action, original) : original;
        const replay = replayRequest(req, body);
        for (const handler of handlers) handler.call(server, replay, res);
      };
      const gates = observer.gates?.() ?? [];
      if (gates.length === 0) return pass();
      runGates(gates, gatedRequest(service, req, action, original)).then(
        (answer) => (answer ? sendAnswer(req, res, answer) : pass()),
        // A gate that throws is a bug of ours; AWS would answer its own 500, never run the request.
        (err: Error) => sendAnswer(req, res, { status: 500, headers: { "content-type": "application/x-amz-json-1.0" }, body: JSON.stringify({ __type: "com.amazon.coral.service#InternalFailure", message: `local request gate failed: ${err.message}` }) }),
      );
    });
  });
}
