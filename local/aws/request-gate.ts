export interface GatedRequest { service: "dynamodb" | "sqs" | "secretsmanager"; action: string; headers: Record<string, string | string[] | undefined>; body: Buffer; }
export interface GateAnswer { status: number; headers: Record<string, string>; body: string; }
/** undefined lets the request through; an answer is sent instead of the twin's; a promise may delay (latency) or hold (hang). */
export type RequestGate = (req: GatedRequest) => GateAnswer | undefined | Promise<GateAnswer | undefined>;
