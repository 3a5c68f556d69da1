// The chaos gate: the faults of the --chaos rules (chaos-spec.ts), applied in the twin's process
// before the twin sees the request. For one request, every matching latency rule that is drawn
// adds its delay; then the first matching hang, throttle or error rule that is drawn decides the
// outcome (in the order the rules were given). What `exempt` recognizes (the local stack's own
// requests, see gate-factories.ts) is never faulted.
import { ruleMatches, type ChaosRule, type ChaosService } from "./chaos-spec";
import { faultAnswer } from "./fault-answers";
import { DROP_CONNECTION, type GateAnswer, type GatedRequest, type RequestGate } from "./request-gate";

/** What the rules decide for one request: a delay, then an answer (or the twin's own). */
export interface ChaosDecision {
  delayMs: number;
  answer?: GateAnswer;
}

export function decide(rules: readonly ChaosRule[], req: GatedRequest, random: () => number): ChaosDecision {
  let delayMs = 0;
  for (const rule of rules) {
    if (!ruleMatches(rule, req.service as ChaosService, req.action)) continue;
    const f = rule.fault;
    if (random() >= f.rate) continue;
    switch (f.kind) {
      case "latency":
        delayMs += f.ms;
        break;
      case "hang":
        return { delayMs: delayMs + f.ms, answer: DROP_CONNECTION };
      case "throttle":
      case "error":
        return { delayMs, answer: faultAnswer(f.kind, req) };
    }
  }
  return { delayMs };
}

export interface ChaosGateOptions {
  /** Requests the rules never apply to. Default: none. */
  exempt?(req: GatedRequest): boolean;
  /** A draw in [0, 1) per rule. Default Math.random. */
  random?(): number;
}

export function createChaosGate(rules: readonly ChaosRule[], opts: ChaosGateOptions = {}): RequestGate {
  const random = opts.random ?? Math.random;
  return (req) => {
    if (opts.exempt?.(req)) return undefined;
    const { delayMs, answer } = decide(rules, req, random);
    if (delayMs <= 0) return answer;
    return new Promise((resolve) => {
      // A held request must not keep a stopping twin alive.
      setTimeout(() => resolve(answer), delayMs).unref();
    });
  };
}
