// Structured JSON log lines on stderr, each carrying the correlation ids of what it is about.
export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
}

export function createLogger(enabled: boolean, out: NodeJS.WritableStream = process.stderr): Logger {
  return {
    info(msg, fields = {}) {
      if (!enabled) return;
      out.write(`${JSON.stringify({ time: new Date().toISOString(), level: "info", msg, ...fields })}\n`);
    },
  };
}
