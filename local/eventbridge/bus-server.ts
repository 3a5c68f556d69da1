// The EventBridge twin's server on loopback: PutEvents as EventBridge answers it (put-events.ts),
// behind the IAM gate like the other twins, every accepted event appended to a JSONL file in the
// data dir (one line per event, as a target would receive it), and a small control surface for
// tests and users:
//   GET    /_sluice/events   {"events":[…]}   what was put on the stack's buses, oldest first
//   GET    /_sluice/fault    {"fault":…}      the fault in force, or null
//   PUT    /_sluice/fault    {"mode":"request"|"entries","rate":0.5,"forSeconds":10}
//          request: every PutEvents fails as a whole (500 InternalException); entries: each entry
//          fails with InternalFailure at `rate` (default 1), a partial FailedEntryCount; for
//          `forSeconds` (default: until DELETE)
//   DELETE /_sluice/fault    no fault any more
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import { listen, localServer, type LocalServer } from "../aws/loopback-server";
import { DROP_CONNECTION, type RequestGate } from "../aws/request-gate";
import { gatedRequest } from "../aws/request-observer";
import { eventsErrorAnswer, putEvents, type RecordedEvent } from "./put-events";

export interface BusFault {
  mode: "request" | "entries";
  /** Fraction of the entries (or requests) that fail. Default 1. */
  rate: number;
  /** Epoch ms when the fault ends by itself; undefined: until cleared. */
  until?: number;
}

export interface BusServerOptions {
  /** The JSONL file accepted events are appended to. */
  eventsFile: string;
  accountId: string;
  region: string;
  /** The bus names the program declared. */
  buses(): readonly string[];
  /** The IAM gate in force (or none). */
  gate(): RequestGate | undefined;
  log(line: string): void;
  random?: () => number;
}

export interface BusServer extends LocalServer {
  fault(): BusFault | undefined;
  setFault(fault: BusFault | undefined): void;
  /** Every event in the events file, oldest first. */
  events(): RecordedEvent[];
  /** PutEvents requests answered, and events accepted, since start. */
  counters: { requests: number; events: number; failedEntries: number };
}

export function readEventsFile(file: string): RecordedEvent[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as RecordedEvent);
}

/** A fault from the control body, or a message saying what is wrong with it. */
export function parseFault(body: string, nowMs: number): BusFault | string {
  let v: { mode?: unknown; rate?: unknown; forSeconds?: unknown };
  try {
    v = JSON.parse(body);
  } catch {
    return 'the body must be JSON: {"mode":"request"|"entries","rate":0.5,"forSeconds":10}';
  }
  if (v?.mode !== "request" && v?.mode !== "entries") return "mode must be request (each PutEvents fails) or entries (entries fail, FailedEntryCount)";
  const rate = v.rate === undefined ? 1 : Number(v.rate);
  if (!(rate > 0 && rate <= 1)) return "rate must be above 0 and at most 1";
  const seconds = v.forSeconds === undefined ? undefined : Number(v.forSeconds);
  if (seconds !== undefined && !(seconds > 0)) return "forSeconds must be a positive number";
  return { mode: v.mode, rate, until: seconds === undefined ? undefined : nowMs + seconds * 1000 };
}

function reply(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body) + "\n");
}

export async function startBusServer(opts: BusServerOptions): Promise<BusServer> {
  let fault: BusFault | undefined;
  const random = opts.random ?? Math.random;
  const counters = { requests: 0, events: 0, failedEntries: 0 };
  const current = () => {
    if (fault?.until !== undefined && Date.now() >= fault.until) fault = undefined;
    return fault;
  };
  fs.mkdirSync(path.dirname(opts.eventsFile), { recursive: true });

  const control = (method: string, route: string, body: string, res: http.ServerResponse) => {
    if (route === "/_sluice/events" && method === "GET") return reply(res, 200, { events: readEventsFile(opts.eventsFile) });
    if (route === "/_sluice/fault") {
      if (method === "GET") return reply(res, 200, { fault: current() ?? null });
      if (method === "DELETE") {
        fault = undefined;
        return reply(res, 200, { fault: null });
      }
      if (method === "PUT") {
        const parsed = parseFault(body, Date.now());
        if (typeof parsed === "string") return reply(res, 400, { message: parsed });
        fault = parsed;
        opts.log(JSON.stringify({ level: "warn", source: "local", service: "events", msg: "bus fault on", ...parsed }));
        return reply(res, 200, { fault });
      }
    }
    return reply(res, 404, { message: "the bus twin's control: GET /_sluice/events, GET|PUT|DELETE /_sluice/fault" });
  };

  const answerAws = async (req: http.IncomingMessage, body: Buffer, res: http.ServerResponse) => {
    const target = String(req.headers["x-amz-target"] ?? "");
    const action = target.slice(target.lastIndexOf(".") + 1);
    const denied = await opts.gate()?.(gatedRequest("events", req, action, body));
    const send = (a: { status: number; headers: Record<string, string>; body: string }) => {
      res.writeHead(a.status, { ...a.headers, "content-length": String(Buffer.byteLength(a.body)) });
      res.end(a.body);
    };
    // A hang from the chaos gate ends without an answer, as a dependency that stopped responding does.
    if (denied?.status === DROP_CONNECTION.status) return void req.socket.destroy();
    if (denied) return send(denied);
    if (target !== "AWSEvents.PutEvents") return send(eventsErrorAnswer(400, "UnknownOperationException", `the local bus twin answers PutEvents only, not ${action || "this request"}`));
    counters.requests += 1;
    const f = current();
    if (f?.mode === "request" && random() < f.rate) return send(eventsErrorAnswer(500, "InternalException", "Internal service error (injected by the local bus twin)"));
    const result = putEvents(body, { accountId: opts.accountId, region: opts.region, buses: opts.buses(), failEntry: f?.mode === "entries" ? () => random() < f.rate : undefined });
    if (result.accepted.length > 0) fs.appendFileSync(opts.eventsFile, result.accepted.map((e) => JSON.stringify(e) + "\n").join(""));
    counters.events += result.accepted.length;
    if (result.answer.status === 200) counters.failedEntries += (JSON.parse(result.answer.body) as { FailedEntryCount: number }).FailedEntryCount;
    send(result.answer);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const route = (req.url ?? "/").split("?")[0];
      const method = (req.method ?? "GET").toUpperCase();
      const work = route.startsWith("/_sluice/") ? Promise.resolve(control(method, route, body.toString("utf8"), res)) : answerAws(req, body, res);
      work.catch((err: Error) => {
        opts.log(JSON.stringify({ level: "error", source: "local", service: "events", msg: "bus twin failed a request", error: err.message }));
        if (!res.headersSent) reply(res, 500, { __type: "InternalException", message: err.message });
      });
    });
  });
  await listen(server, 0, "127.0.0.1");
  const base = localServer(server, "127.0.0.1");
  return { ...base, fault: current, setFault: (f) => (fault = f), events: () => readEventsFile(opts.eventsFile), counters };
}
