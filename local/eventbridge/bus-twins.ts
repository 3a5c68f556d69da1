// The registry entry for aws.cloudwatch.EventBus: one bus twin server (bus-server.ts) for every bus
// the program declares, in the stack's own process, with the gate chain of the other twins in front
// (IAM: a function may put events only on a bus its role allows; then the --chaos rules for
// `events`), and every accepted event recorded in the data dir (`eventbridge-events.jsonl`, one
// event a line, kept across restarts) where a test or a user reads it; `GET
// <endpoint>/_sluice/events` serves the same, and `/_sluice/fault` makes the bus fail, as a whole or
// entry by entry.
import * as path from "node:path";
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from "../aws/local-account";
import { buildGates } from "../aws/gate-factories";
import { runGates, type RequestGate } from "../aws/request-gate";
import type { GateConfig } from "../aws/twin-protocol";
import type { TwinContext, TwinModule } from "../twin-module";
import { startBusServer, type BusFault, type BusServer } from "./bus-server";
import type { RecordedEvent } from "./put-events";

/** Where the accepted events are recorded, inside the data dir. */
export const EVENTS_FILE = "eventbridge-events.jsonl";

export const EVENT_BUS_TYPE = "aws:cloudwatch/eventBus:EventBus";

export interface BusTwins extends TwinModule {
  /** The EventBridge endpoint (AWS_ENDPOINT_URL_EVENTBRIDGE), once open. */
  endpoint(): string;
  /** The JSONL file of accepted events. */
  eventsFile(): string;
  events(): RecordedEvent[];
  setFault(fault: BusFault | undefined): void;
}

export function busTwins(ctx: TwinContext): BusTwins {
  let server: BusServer | undefined;
  const buses: string[] = [];
  const file = path.join(ctx.dataDir, EVENTS_FILE);
  // Rebuilt whenever the stack's gate config changes (IAM once the program ran, chaos at run time).
  let gateFor: { config: GateConfig; gate: RequestGate } | undefined;
  const gate = (): RequestGate => {
    const config = ctx.gates.current();
    if (gateFor?.config !== config) {
      const gates = buildGates(config, { log: ctx.log });
      gateFor = { config, gate: (req) => runGates(gates, req) };
    }
    return gateFor.gate;
  };
  return {
    emulates: { [EVENT_BUS_TYPE]: `bus twin, events in ${EVENTS_FILE}` },
    async open() {
      server = await startBusServer({ eventsFile: file, accountId: LOCAL_ACCOUNT_ID, region: LOCAL_REGION, buses: () => buses, gate, log: ctx.log });
    },
    async declare(args, state) {
      buses.push(String(state.name ?? args.inputs?.name ?? args.name));
      return {};
    },
    endpoint: () => {
      if (!server) throw new Error("the bus twin is not open");
      return server.endpoint;
    },
    eventsFile: () => file,
    events: () => server?.events() ?? [],
    setFault: (f) => server?.setFault(f),
    async stop() {
      await server?.close();
      server = undefined;
    },
  };
}
