// Reads a function's SLUICE_* environment (runtime/contract/environment.ts) once per cold start:
// the defaults, the `on`/`off` flags, and a clear error naming the variable that is wrong.
import { ENV_NAMES } from "./contract/environment";
import type { Settings } from "./contract/environment";
import { FAILURE_MODE_REFRESH_RANGE } from "./contract/failure-modes";
import { PUBLISH_MODES } from "./contract/fan-out";
import type { PublishMode } from "./contract/fan-out";
import { INPUT_LIMITS } from "./contract/limits";

export type { Settings };

type Env = Record<string, string | undefined>;
type Name = keyof Settings;

function positiveInt(env: Env, setting: Name, fallback: number): number {
  const name = ENV_NAMES[setting];
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return n;
}

function nonNegativeInt(env: Env, setting: Name, fallback: number): number {
  const name = ENV_NAMES[setting];
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be 0 or a positive integer, got ${JSON.stringify(raw)}`);
  return n;
}

function boundedInt(env: Env, setting: Name, range: { min: number; max: number; initial: number }): number {
  const n = positiveInt(env, setting, range.initial);
  if (n < range.min || n > range.max) throw new Error(`${ENV_NAMES[setting]} must be from ${range.min} to ${range.max}, got ${n}`);
  return n;
}

function required(env: Env, setting: Name): string {
  const v = env[ENV_NAMES[setting]];
  if (!v) throw new Error(`${ENV_NAMES[setting]} is not set`);
  return v;
}

function optional(env: Env, setting: Name, fallback: string): string {
  return env[ENV_NAMES[setting]] ?? fallback;
}

function flag(env: Env, setting: Name): boolean {
  return (env[ENV_NAMES[setting]] ?? "").toLowerCase() === "on";
}

/**
 * `need` lists what this function cannot run without (FUNCTION_ENVIRONMENT[fn].needs), so a
 * miswired function fails at cold start with a clear message rather than on its first request.
 */
export function readSettings(env: Env, need: { table?: boolean; queue?: boolean; dlq?: boolean } = {}): Settings {
  const rawUnknown = env[ENV_NAMES.unknownTypes];
  const unknownTypes = (rawUnknown ?? "accept").toLowerCase();
  if (unknownTypes !== "accept" && unknownTypes !== "reject") throw new Error(`${ENV_NAMES.unknownTypes} must be accept or reject, got ${JSON.stringify(rawUnknown)}`);
  const rawPublish = env[ENV_NAMES.publish];
  const publish = (rawPublish || "none").toLowerCase() as PublishMode;
  if (!PUBLISH_MODES.includes(publish)) throw new Error(`${ENV_NAMES.publish} must be ${PUBLISH_MODES.join(", ")}, got ${JSON.stringify(rawPublish)}`);
  const eventBusName = optional(env, "eventBusName", "");
  if (publish !== "none" && !eventBusName) throw new Error(`${ENV_NAMES.eventBusName} is not set, and ${ENV_NAMES.publish} is ${publish}`);
  const retryBaseSeconds = positiveInt(env, "retryBaseSeconds", 20);
  const retryMaxSeconds = positiveInt(env, "retryMaxSeconds", 900);
  if (retryMaxSeconds < retryBaseSeconds) throw new Error(`${ENV_NAMES.retryMaxSeconds} (${retryMaxSeconds}) is below ${ENV_NAMES.retryBaseSeconds} (${retryBaseSeconds})`);
  return {
    stage: optional(env, "stage", "dev"),
    version: optional(env, "version", "0.0.0"),
    tableName: need.table ? required(env, "tableName") : optional(env, "tableName", ""),
    queueUrl: need.queue ? required(env, "queueUrl") : optional(env, "queueUrl", ""),
    // Default leaves room under SQS's 256 KiB message limit for the header line before the event.
    maxBodyBytes: positiveInt(env, "maxBodyBytes", INPUT_LIMITS.defaultMaxBodyBytes),
    windowSeconds: positiveInt(env, "windowSeconds", 24 * 3600),
    leaseSeconds: positiveInt(env, "leaseSeconds", 60),
    retentionDays: nonNegativeInt(env, "retentionDays", 0),
    unknownTypes,
    testEvents: flag(env, "testEvents"),
    demoSource: flag(env, "demoSource"),
    sources: optional(env, "sources", ""),
    logLevel: optional(env, "logLevel", "info"),
    dlqUrl: need.dlq ? required(env, "dlqUrl") : optional(env, "dlqUrl", ""),
    failureModes: flag(env, "failureModes"),
    failureModeRefreshSeconds: boundedInt(env, "failureModeRefreshSeconds", FAILURE_MODE_REFRESH_RANGE),
    listIndex: flag(env, "listIndex"),
    publish,
    eventBusName,
    retryBaseSeconds,
    retryMaxSeconds,
  };
}
