// The functions' environment, written once: every SLUICE_* name, which function is given which,
// and the one writer the program uses (functionEnvironment). runtime/settings.ts reads the same
// names back at cold start, with the defaults and the checks.
import type { PublishMode } from "./fan-out";

/** What a function reads from its environment, once per cold start. */
export interface Settings {
  stage: string;
  version: string;
  tableName: string;
  queueUrl: string;
  maxBodyBytes: number;
  windowSeconds: number;
  leaseSeconds: number;
  /** Days a stored event is kept; 0 keeps it (no TTL). */
  retentionDays: number;
  unknownTypes: "accept" | "reject";
  testEvents: boolean;
  demoSource: boolean;
  /** The sources the ingest serves, as JSON (runtime/contract/sources.ts, SourceRuntime by name); "" for none. */
  sources: string;
  logLevel: string;
  dlqUrl: string;
  /** Failure modes may be switched on (never on a protected or prod stack). */
  failureModes: boolean;
  /** Seconds an instance keeps the failure mode it read before reading it again. */
  failureModeRefreshSeconds: number;
  /** The table has the by-source list index. */
  listIndex: boolean;
  /** Which stored events the worker puts on the fan-out bus. */
  publish: PublishMode;
  /** The fan-out bus; "" when nothing is published. */
  eventBusName: string;
  /** A retried record's visibility ceiling at its first receive, doubled per receive (full jitter). */
  retryBaseSeconds: number;
  /** The highest visibility a retried record is given. */
  retryMaxSeconds: number;
}

/** Each setting's variable name. */
export const ENV_NAMES = {
  /** Stack name (`dev`, `prod`). */
  stage: "SLUICE_STAGE",
  /** Package version, shown by `/health`. */
  version: "SLUICE_VERSION",
  /** The IdempotentTable's name. */
  tableName: "SLUICE_TABLE_NAME",
  /** The QueueWithDlq main queue's URL. */
  queueUrl: "SLUICE_QUEUE_URL",
  /** Request body limit after base64 decoding. */
  maxBodyBytes: "SLUICE_MAX_BODY_BYTES",
  /** How long a key is remembered at least; the TTL of a record not yet processed. */
  windowSeconds: "SLUICE_IDEMPOTENCY_WINDOW_SECONDS",
  /** How long a new record's lease lasts (longer than the ingest timeout). */
  leaseSeconds: "SLUICE_LEASE_SECONDS",
  /** Days a processed or failed event is kept (0: kept until deleted). */
  retentionDays: "SLUICE_EVENT_RETENTION_DAYS",
  /** `accept` or `reject` events whose `type` has no schema. */
  unknownTypes: "SLUICE_UNKNOWN_TYPES",
  /** `on` registers the `sluice.test.fault` type (never in prod). */
  testEvents: "SLUICE_TEST_EVENTS",
  /** `on` serves `GET /demo/source` (never in prod). */
  demoSource: "SLUICE_DEMO_SOURCE",
  /** The configured sources and where their secrets are (JSON); empty or absent: none. */
  sources: "SLUICE_SOURCES",
  /** Optional everywhere: `debug`, `info` (default), `warn`, `error` or `silent`. */
  logLevel: "SLUICE_LOG_LEVEL",
  /** The QueueWithDlq dead-letter queue's URL. */
  dlqUrl: "SLUICE_DLQ_URL",
  /** `on` lets the failure mode item take effect (never on a protected or prod stack). */
  failureModes: "SLUICE_FAILURE_MODES",
  /** Seconds a function instance caches the failure mode (1–10). */
  failureModeRefreshSeconds: "SLUICE_FAILURE_MODE_REFRESH_SECONDS",
  /** `on` when the table has the by-source list index (config `listIndex`). */
  listIndex: "SLUICE_LIST_INDEX",
  /** `none`, `failures` or `all`: which stored events the worker publishes. */
  publish: "SLUICE_PUBLISH",
  /** The EventBridge bus the worker publishes to. */
  eventBusName: "SLUICE_EVENT_BUS_NAME",
  /** Seconds: a retried record's visibility ceiling at its first receive (doubled per receive). */
  retryBaseSeconds: "SLUICE_RETRY_BASE_SECONDS",
  /** Seconds: the highest visibility a retried record is given. */
  retryMaxSeconds: "SLUICE_RETRY_MAX_SECONDS",
} as const satisfies Record<keyof Settings, string>;

/**
 * What the program gives each function (`variables`), and what it cannot run without (`needs`):
 * a function missing one of those fails its cold start with the variable's name.
 */
export const FUNCTION_ENVIRONMENT = {
  ingest: {
    variables: ["stage", "version", "tableName", "queueUrl", "maxBodyBytes", "windowSeconds", "leaseSeconds", "unknownTypes", "testEvents", "sources", "failureModes", "failureModeRefreshSeconds"],
    needs: { table: true, queue: true, dlq: false },
  },
  worker: {
    // The queue URL: a retried record's visibility is set on it (runtime/retry-backoff.ts).
    variables: ["stage", "version", "tableName", "queueUrl", "windowSeconds", "retentionDays", "unknownTypes", "testEvents", "failureModes", "failureModeRefreshSeconds", "publish", "eventBusName", "retryBaseSeconds", "retryMaxSeconds"],
    needs: { table: true, queue: true, dlq: false },
  },
  query: {
    variables: ["stage", "version", "tableName", "demoSource", "listIndex"],
    needs: { table: true, queue: false, dlq: false },
  },
  operator: {
    variables: ["stage", "version", "tableName", "queueUrl", "dlqUrl", "listIndex", "failureModes", "failureModeRefreshSeconds"],
    needs: { table: true, queue: true, dlq: true },
  },
} as const satisfies Record<string, { variables: readonly (keyof Settings)[]; needs: { table: boolean; queue: boolean; dlq: boolean } }>;

export type FunctionName = keyof typeof FUNCTION_ENVIRONMENT;

/**
 * The settings the program writes for function `F`: string settings may be any `V` the program
 * deals in (`pulumi.Input<string>`, say) and pass through untouched; numbers and flags are typed.
 * `logLevel` is optional for every function.
 */
export type FunctionEnvironmentInput<F extends FunctionName, V = string> = {
  [K in VariablesOf<F>]: K extends TextSetting ? V | string : Settings[K];
} & {
  // Not keyed by F, so that TypeScript can infer V from the argument...
  [K in TextSetting]?: V | string;
} & {
  // ...and then the settings this function is not given are ruled out again.
  [K in Exclude<TextSetting, VariablesOf<F> | "logLevel">]?: never;
};

type VariablesOf<F extends FunctionName> = (typeof FUNCTION_ENVIRONMENT)[F]["variables"][number];

/** The settings that are free text (not a number, a flag or a fixed choice): the program may pass any `V`. */
type TextSetting = { [K in keyof Settings]: string extends Settings[K] ? K : never }[keyof Settings];

function encodeValue<V>(value: V | string | number | boolean): V | string {
  if (typeof value === "boolean") return value ? "on" : "off";
  if (typeof value === "number") return String(value);
  return value;
}

/** The environment variables of function `fn`, exactly its own and named as the runtime reads them. */
export function functionEnvironment<F extends FunctionName, V = string>(fn: F, settings: FunctionEnvironmentInput<F, V>): Record<string, V | string> {
  const allowed: readonly (keyof Settings)[] = [...FUNCTION_ENVIRONMENT[fn].variables, "logLevel"];
  const out: Record<string, V | string> = {};
  for (const [key, value] of Object.entries(settings) as [keyof Settings, V | string | number | boolean | undefined][]) {
    if (!allowed.includes(key)) throw new Error(`the ${fn} function is not given ${key}`);
    if (value !== undefined) out[ENV_NAMES[key]] = encodeValue(value);
  }
  return out;
}
