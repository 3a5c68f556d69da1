// The one got instance every request goes through, with the retry policy of the CLI.
import { got, type Got, type RequestError } from "./got";
import { retryDelay, type BackoffPolicy } from "./backoff";
import type { Logger } from "./log";
import type { RequestAuthorizer } from "./producer-auth";

/** Status codes worth another try: in flight (409), throttled (429) and server-side trouble. */
export const RETRY_STATUS_CODES = [409, 429, 500, 502, 503, 504];

/** Network failures worth another try. 400, 413, 415 and 422 are never here: they cannot improve. */
export const RETRY_ERROR_CODES = [
  "ETIMEDOUT", "ECONNRESET", "EADDRINUSE", "ECONNREFUSED", "EPIPE", "ENOTFOUND",
  "ENETUNREACH", "EHOSTUNREACH", "EAI_AGAIN",
];

export interface ClientOptions {
  /** Retries after the first attempt; default 5. */
  retries?: number;
  /** Backoff bounds; default base 250 ms, cap 20 s. */
  backoff?: BackoffPolicy;
  /** Longest Retry-After honoured, in ms; a longer one ends the retries; default 60 s. */
  maxRetryAfterMs?: number;
  /** Per-attempt timeout in ms; default 15 s. */
  timeoutMs?: number;
  log?: Logger;
  /** Authenticates each attempt (a bearer token or a fresh SigV4 signature). Default none. */
  authorize?: RequestAuthorizer;
}

/** Correlation data that travels with a request into got's retry hooks. */
export interface RequestContext extends Record<string, unknown> {
  eventId?: string;
  key?: string;
}

export function createClient(opts: ClientOptions = {}): Got {
  const policy = opts.backoff ?? { baseMs: 250, capMs: 20_000 };
  const log = opts.log;
  return got.extend({
    throwHttpErrors: false,
    timeout: { request: opts.timeoutMs ?? 15_000 },
    headers: { "user-agent": "sluice-cli" },
    hooks: {
      beforeRequest: opts.authorize
        ? [
            async (options) => {
              const body = typeof options.body === "string" ? options.body : undefined;
              const contentType = options.headers["content-type"];
              const added = await opts.authorize!({ method: options.method, url: String(options.url), contentType: typeof contentType === "string" ? contentType : undefined, body });
              for (const [k, v] of Object.entries(added)) options.headers[k.toLowerCase()] = v;
            },
          ]
        : [],
    },
    retry: {
      limit: opts.retries ?? 5,
      // The server's idempotency makes POST as safe to repeat as GET.
      methods: ["GET", "POST"],
      statusCodes: RETRY_STATUS_CODES,
      errorCodes: RETRY_ERROR_CODES,
      maxRetryAfter: opts.maxRetryAfterMs ?? 60_000,
      calculateDelay: ({ attemptCount, computedValue, retryAfter, error }) => {
        const delayMs = retryDelay({ attemptCount, computedValue, retryAfter }, policy);
        if (delayMs > 0) log?.info("retry", { ...contextOf(error), attempt: attemptCount, delayMs, retryAfterMs: retryAfter, cause: causeOf(error) });
        return delayMs;
      },
    },
  });
}

function contextOf(error: RequestError): RequestContext {
  return (error.options?.context ?? {}) as RequestContext;
}

function causeOf(error: RequestError): string {
  return error.response ? `HTTP ${error.response.statusCode}` : (error.code ?? error.message);
}
