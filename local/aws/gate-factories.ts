// Where the request gates of a twin process are built from their plain-data config, in the order
// they run: IAM first, then chaos (on AWS a denied call never reaches the service, so it is never
// throttled either). The IAM gate plugs in here: local/iam/iam-gate.ts exports
// `createIamGate(policyData: unknown): RequestGate`, set as GATE_FACTORIES.iam.
import { createChaosGate } from "./chaos-gate";
import type { RequestGate } from "./request-gate";
import type { GateConfig } from "./twin-protocol";

export const GATE_FACTORIES: { iam?: (policyData: unknown) => RequestGate; chaos: typeof createChaosGate } = {
  chaos: createChaosGate,
};

export function buildGates(config: GateConfig): RequestGate[] {
  const gates: RequestGate[] = [];
  if (config.iam !== undefined) {
    if (!GATE_FACTORIES.iam) throw new Error("IAM policy data reached a twin, but no IAM gate is installed (local/aws/gate-factories.ts)");
    gates.push(GATE_FACTORIES.iam(config.iam));
  }
  if (config.chaos.length > 0) gates.push(GATE_FACTORIES.chaos(config.chaos));
  return gates;
}
