// The request gate: what runs inside a twin's process in front of the twin's own handler, on every
// request, with no extra network hop. The gates of a twin run in order (IAM first, then chaos:
// on AWS a denied call never reaches the service); the first that answers decides, and the twin
// never sees the request.

export interface GatedRequest {
  service: "dynamodb" | "sqs" | "events" | "secretsmanager";
  action: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface GateAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** undefined lets the request through; an answer is sent instead of the twin's; a promise may delay (latency) or hold (hang). */
export type RequestGate = (req: GatedRequest) => GateAnswer | undefined | Promise<GateAnswer | undefined>;

/**
 * The answer that is no answer: the connection is dropped without a response, as a dependency
 * that stopped responding finally drops it. (Status 0 is never a real HTTP status.)
 */
export const DROP_CONNECTION: GateAnswer = Object.freeze({ status: 0, headers: {}, body: "" }) as GateAnswer;

/** Runs `gates` in order; the first answer wins, undefined when all let the request through. */
export async function runGates(gates: readonly RequestGate[], req: GatedRequest): Promise<GateAnswer | undefined> {
  for (const gate of gates) {
    const answer = await gate(req);
    if (answer) return answer;
  }
  return undefined;
}
