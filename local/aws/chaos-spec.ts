// The fault injection language of `npm start -- --chaos SPEC` and of the control endpoint:
//   SERVICE:OPERATION=FAULT
//   SERVICE    dynamodb | sqs | *
//   OPERATION  an API action of the service (PutItem, SendMessage, …) or *
//   FAULT      error:RATE            the service's own 5xx (InternalServerError, InternalFailure)
//              throttle:RATE         the service's own throttling error
//              latency:DURATION[@RATE]  answers DURATION later
//              hang:DURATION[@RATE]     holds the request DURATION, then drops the connection unanswered
//   RATE is a fraction of the matching requests (0.3 or 30%); DURATION is 200ms, 5s or 1.5s.
// Rules are plain data, so the stack can send them to the twin processes.

export type ChaosService = "dynamodb" | "sqs";

export type ChaosFault =
  | { kind: "error"; rate: number }
  | { kind: "throttle"; rate: number }
  | { kind: "latency"; ms: number; rate: number }
  | { kind: "hang"; ms: number; rate: number };

export interface ChaosRule {
  service: ChaosService | "*";
  /** An API action, or "*" for all. */
  operation: string;
  fault: ChaosFault;
  /** The rule as written, for logs and the control endpoint. */
  spec: string;
}

export class ChaosSpecError extends Error {}

export const CHAOS_SERVICES: readonly ChaosService[] = ["dynamodb", "sqs"];

const SDK_PACKAGES: Record<ChaosService, string> = { dynamodb: "@aws-sdk/client-dynamodb", sqs: "@aws-sdk/client-sqs" };
const actionCache = new Map<ChaosService, Set<string>>();

/** The service's API actions, as its SDK client models them (each has an `<Action>Command`). */
export function serviceActions(service: ChaosService): Set<string> {
  let actions = actionCache.get(service);
  if (!actions) {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const sdk = require(SDK_PACKAGES[service]) as Record<string, unknown>;
    actions = new Set(Object.keys(sdk).filter((k) => k.endsWith("Command") && k !== "Command" && typeof sdk[k] === "function").map((k) => k.slice(0, -"Command".length)));
    actionCache.set(service, actions);
  }
  return actions;
}

function parseRate(text: string, spec: string): number {
  const percent = text.endsWith("%");
  const n = Number(percent ? text.slice(0, -1) : text);
  const rate = percent ? n / 100 : n;
  if (text === "" || !Number.isFinite(rate) || rate <= 0 || rate > 1) throw new ChaosSpecError(`${JSON.stringify(spec)}: the rate must be a fraction above 0 and at most 1 (0.3 or 30%), got ${JSON.stringify(text)}`);
  return rate;
}

function parseDuration(text: string, spec: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)$/.exec(text);
  if (!m) throw new ChaosSpecError(`${JSON.stringify(spec)}: the duration must be like 200ms or 5s, got ${JSON.stringify(text)}`);
  return Math.round(Number(m[1]) * (m[2] === "s" ? 1000 : 1));
}

function parseFault(text: string, spec: string): ChaosFault {
  const colon = text.indexOf(":");
  const kind = colon === -1 ? text : text.slice(0, colon);
  const arg = colon === -1 ? "" : text.slice(colon + 1);
  switch (kind) {
    case "error":
    case "throttle":
      return { kind, rate: parseRate(arg, spec) };
    case "latency":
    case "hang": {
      const [duration, rate] = arg.split("@");
      return { kind, ms: parseDuration(duration, spec), rate: rate === undefined ? 1 : parseRate(rate, spec) };
    }
    default:
      throw new ChaosSpecError(`${JSON.stringify(spec)}: unknown fault ${JSON.stringify(kind)} (error:RATE, throttle:RATE, latency:DURATION, hang:DURATION)`);
  }
}

/** One rule, e.g. `sqs:SendMessage=error:0.3`; throws a ChaosSpecError that says what is wrong. */
export function parseChaosRule(spec: string): ChaosRule {
  const m = /^([a-z0-9*]+):([A-Za-z0-9*]+)=(.+)$/.exec(spec.trim());
  if (!m) throw new ChaosSpecError(`${JSON.stringify(spec)}: expected SERVICE:OPERATION=FAULT, e.g. sqs:SendMessage=error:0.3`);
  const [, service, operation, fault] = m;
  if (service !== "*" && !(CHAOS_SERVICES as readonly string[]).includes(service)) throw new ChaosSpecError(`${JSON.stringify(spec)}: unknown service ${JSON.stringify(service)} (${CHAOS_SERVICES.join(", ")} or *)`);
  if (operation !== "*") {
    const services = service === "*" ? CHAOS_SERVICES : [service as ChaosService];
    if (!services.some((s) => serviceActions(s).has(operation))) throw new ChaosSpecError(`${JSON.stringify(spec)}: ${service === "*" ? "no service has" : `${service} has no`} operation ${JSON.stringify(operation)}`);
  }
  return { service: service as ChaosRule["service"], operation, fault: parseFault(fault, spec), spec: spec.trim() };
}

export function parseChaos(specs: readonly string[]): ChaosRule[] {
  return specs.map(parseChaosRule);
}

/** Whether `rule` applies to a request for `action` of `service`. */
export function ruleMatches(rule: ChaosRule, service: ChaosService, action: string): boolean {
  return (rule.service === "*" || rule.service === service) && (rule.operation === "*" || rule.operation === action);
}
