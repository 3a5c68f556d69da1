// The process one twin (dynalite or local-aws-sqs) runs in, started and restarted by the stack's
// supervisor (twin-supervisor.ts), so that a twin that throws takes only itself down. It speaks
// twin-protocol.ts over IPC, runs the request gates in front of the service, and pushes what it
// counted to the stack. It exits when the stack goes away (the IPC channel closes).
import { buildGates } from "./gate-factories";
import type { RequestGate } from "./request-gate";
import type { FromTwin, GateConfig, StartMessage, ToTwin, TwinServiceName } from "./twin-protocol";
import type { TwinService, TwinServiceFactory } from "./twin-service";

const SERVICES: Record<TwinServiceName, () => TwinServiceFactory> = {
  // Each process loads only its own service.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  dynamodb: () => (require("../dynamodb/dynamodb-service") as { dynamodbService: TwinServiceFactory }).dynamodbService,
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  sqs: () => (require("../sqs/sqs-service") as { sqsService: TwinServiceFactory }).sqsService,
};

/** How often the counters are pushed to the stack when requests came in (the stack can also ask). */
const COUNTER_PUSH_MS = 500;

let name = "twin";
let service: TwinService | undefined;
let gates: readonly RequestGate[] = [];

function send(msg: FromTwin): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected) return resolve();
    process.send!(msg, () => resolve());
  });
}

function log(fields: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify({ level: "info", source: "local", twin: name, pid: process.pid, ...fields }) + "\n");
}

function takeCounters(): object | undefined {
  const delta = service?.takeCounters();
  return delta && delta.requests > 0 ? delta : undefined;
}

function setGates(config: GateConfig): void {
  // A gate's lines (IAM's refusals) are JSON already: the stack passes them on as they are.
  gates = buildGates(config, { log: (line) => process.stdout.write(line + "\n") });
}

async function start(msg: StartMessage): Promise<void> {
  name = msg.service;
  setGates(msg.gates);
  service = SERVICES[msg.service]()({ dataDir: msg.dataDir, restart: msg.restart, gates: () => gates, log });
  try {
    const port = await service.listen(msg.port);
    await send({ type: "listening", port });
  } catch (err) {
    await send({ type: "start-failed", error: (err as Error).message, code: (err as NodeJS.ErrnoException).code });
    process.exit(1);
  }
  setInterval(() => {
    const delta = takeCounters();
    if (delta) void send({ type: "counters", delta });
  }, COUNTER_PUSH_MS).unref();
}

async function handle(msg: ToTwin): Promise<void> {
  switch (msg.type) {
    case "start":
      return start(msg);
    case "flush":
      return send({ type: "reply", id: msg.id, ok: true, value: takeCounters() ?? {} });
    case "call":
      try {
        const value = msg.method === "gates" ? setGates(msg.args as GateConfig) : await service!.calls[msg.method](msg.args);
        return send({ type: "reply", id: msg.id, ok: true, value });
      } catch (err) {
        return send({ type: "reply", id: msg.id, ok: false, error: (err as Error).message });
      }
    case "stop": {
      let reply: FromTwin = { type: "reply", id: msg.id, ok: true, value: takeCounters() ?? {} };
      try {
        await service?.stop();
      } catch (err) {
        reply = { type: "reply", id: msg.id, ok: false, error: (err as Error).message };
      }
      await send(reply);
      process.exit(0);
    }
  }
}

// The stack went away (stopped, crashed, killed): so does its twin.
process.on("disconnect", () => process.exit(0));
process.on("uncaughtException", (err) => {
  process.stderr.write(JSON.stringify({ level: "error", source: "local", twin: name, pid: process.pid, msg: "the twin process crashed", error: err.message, stack: String(err.stack ?? "").split("\n").slice(0, 8) }) + "\n");
  process.exit(70);
});
process.on("message", (msg: ToTwin) => void handle(msg));
