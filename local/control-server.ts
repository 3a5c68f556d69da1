// The local stack's control endpoint: a small HTTP server on loopback (its URL is `control` under
// `localEndpoints` in the outputs file) to change a running stack's faults and see its processes.
//   GET    /chaos      {"chaos":["sqs:SendMessage=error:0.3", …]}  the rules in force
//   PUT    /chaos      body ["SPEC", …] (or {"chaos":[…]}): replaces them; 400 says what is wrong
//   DELETE /chaos      no faults any more
//   GET    /processes  the stack's pid, each twin's process and restarts, each function's instances
// A PUT or DELETE answers once every twin process applies the change.
import * as http from "node:http";
import { ChaosSpecError } from "./aws/chaos-spec";
import { listen, localServer, type LocalServer } from "./aws/loopback-server";

export interface ControlTarget {
  chaos(): string[];
  setChaos(specs: string[]): Promise<void>;
  processes(): Record<string, unknown>;
}

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body) + "\n");
}

function specsOf(body: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new ChaosSpecError('the body must be JSON: ["SERVICE:OPERATION=FAULT", …] or {"chaos": […]}');
  }
  const list = Array.isArray(parsed) ? parsed : (parsed as { chaos?: unknown } | null)?.chaos;
  if (!Array.isArray(list) || !list.every((s) => typeof s === "string")) throw new ChaosSpecError('the body must be a list of rules: ["SERVICE:OPERATION=FAULT", …] or {"chaos": […]}');
  return list as string[];
}

async function answer(target: ControlTarget, method: string, path: string, body: string, res: http.ServerResponse): Promise<void> {
  if (path === "/chaos") {
    if (method === "GET") return reply(res, 200, { chaos: target.chaos() });
    if (method === "PUT" || method === "DELETE") {
      try {
        await target.setChaos(method === "PUT" ? specsOf(body) : []);
      } catch (err) {
        if (err instanceof ChaosSpecError) return reply(res, 400, { message: err.message });
        throw err;
      }
      return reply(res, 200, { chaos: target.chaos() });
    }
    res.setHeader("allow", "GET, PUT, DELETE");
    return reply(res, 405, { message: `${path} takes GET, PUT or DELETE` });
  }
  if (path === "/processes") {
    if (method === "GET") return reply(res, 200, target.processes());
    res.setHeader("allow", "GET");
    return reply(res, 405, { message: `${path} takes GET` });
  }
  return reply(res, 404, { message: `no ${path} here: /chaos and /processes are` });
}

export async function startControlServer(target: ControlTarget): Promise<LocalServer> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      answer(target, (req.method ?? "GET").toUpperCase(), (req.url ?? "/").split("?")[0], Buffer.concat(chunks).toString("utf8"), res).catch((err: Error) => reply(res, 500, { message: err.message }));
    });
  });
  await listen(server, 0, "127.0.0.1");
  return localServer(server, "127.0.0.1");
}
