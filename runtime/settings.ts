// Reads a function's SLUICE_* environment (docs/architecture.md) once per cold start.
export interface Settings {
  stage: string;
  version: string;
  tableName: string;
  queueUrl: string;
  maxBodyBytes: number;
  windowSeconds: number;
  leaseSeconds: number;
  unknownTypes: "accept" | "reject";
  testEvents: boolean;
  demoSource: boolean;
  logLevel: string;
}

type Env = Record<string, string | undefined>;

function positiveInt(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return n;
}

function required(env: Env, name: string): string {
  const v = env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
}

function flag(env: Env, name: string): boolean {
  return (env[name] ?? "").toLowerCase() === "on";
}

/**
 * `need` lists what this function cannot run without, so a miswired function fails at cold start
 * with a clear message rather than on its first request.
 */
export function readSettings(env: Env, need: { table?: boolean; queue?: boolean } = {}): Settings {
  const unknownTypes = (env.SLUICE_UNKNOWN_TYPES ?? "accept").toLowerCase();
  if (unknownTypes !== "accept" && unknownTypes !== "reject") throw new Error(`SLUICE_UNKNOWN_TYPES must be accept or reject, got ${JSON.stringify(env.SLUICE_UNKNOWN_TYPES)}`);
  return {
    stage: env.SLUICE_STAGE ?? "dev",
    version: env.SLUICE_VERSION ?? "0.0.0",
    tableName: need.table ? required(env, "SLUICE_TABLE_NAME") : (env.SLUICE_TABLE_NAME ?? ""),
    queueUrl: need.queue ? required(env, "SLUICE_QUEUE_URL") : (env.SLUICE_QUEUE_URL ?? ""),
    // Default leaves room under SQS's 256 KiB message limit for the enrichment around the event.
    maxBodyBytes: positiveInt(env, "SLUICE_MAX_BODY_BYTES", 200 * 1024),
    windowSeconds: positiveInt(env, "SLUICE_IDEMPOTENCY_WINDOW_SECONDS", 24 * 3600),
    leaseSeconds: positiveInt(env, "SLUICE_LEASE_SECONDS", 60),
    unknownTypes,
    testEvents: flag(env, "SLUICE_TEST_EVENTS"),
    demoSource: flag(env, "SLUICE_DEMO_SOURCE"),
    logLevel: env.SLUICE_LOG_LEVEL ?? "info",
  };
}
