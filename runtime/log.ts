// Structured JSON log lines; every line carries the correlation fields it was created with.
export type LogLevel = "debug" | "info" | "warn" | "error";

const LEVEL_RANK: Record<LogLevel | "silent", number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** A logger whose lines also carry `fields` (e.g. the request id, then the event id). */
  child(fields: Record<string, unknown>): Logger;
}

export type LogSink = (line: string) => void;

function writeStdout(line: string): void {
  process.stdout.write(line + "\n");
}

function parseLevel(raw: string | undefined): LogLevel | "silent" {
  return raw && raw in LEVEL_RANK ? (raw as LogLevel | "silent") : "info";
}

export function createLogger(base: Record<string, unknown>, opts: { level?: string; sink?: LogSink } = {}): Logger {
  const min = LEVEL_RANK[parseLevel(opts.level)];
  const sink = opts.sink ?? writeStdout;
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (LEVEL_RANK[level] < min) return;
    // `timestamp` (RFC 3339) and `level` are what Lambda's log-level filter reads (JSON log format):
    // a line without a timestamp it knows is taken as INFO, and dropped at WARN.
    sink(JSON.stringify({ timestamp: new Date().toISOString(), level, msg, ...base, ...fields }));
  };
  return {
    debug: (msg, fields) => emit("debug", msg, fields),
    info: (msg, fields) => emit("info", msg, fields),
    warn: (msg, fields) => emit("warn", msg, fields),
    error: (msg, fields) => emit("error", msg, fields),
    child: (fields) => createLogger({ ...base, ...fields }, opts),
  };
}

/** The log fields that say what went wrong, for any thrown value (AWS SDK errors carry a code). */
export function errorSummary(err: unknown): Record<string, unknown> {
  const e = err as { name?: string; message?: string; code?: string } | null | undefined;
  return { errorName: e?.name, errorMessage: e?.message, errorCode: e?.code };
}
