// Requests to the API for the operations commands: the target and how to sign for it, a query
// string SigV4 and API Gateway read alike, and one signed request at a time. A GET or PUT (a read,
// setting the failure mode) is retried by got; a POST (a redrive or replay run) never is: a run
// that answered 5xx or no answer may have sent some of its events, so the command says what to do.
import type { CommonOptions } from "./args";
import { signedHeaders, type SigningContext } from "./aws-signing";
import type { Got } from "./got";
import { problemReason } from "./outcome";
import { endpoint, parseJson } from "./send-events";
import { signingContextFor } from "./producer-auth";
import { resolveTarget, UsageError } from "./target";

export interface AdminTarget {
  baseUrl: string;
  signing: SigningContext;
}

/** The API and the credentials to sign with: the local stack's own for `--stack local`, else the user's AWS credentials. */
export async function resolveAdminTarget(common: CommonOptions, io: { cwd: string; env: NodeJS.ProcessEnv }): Promise<AdminTarget> {
  const opts = { url: common.url, stack: common.stack, outputs: common.outputs, cwd: io.cwd, env: io.env };
  const baseUrl = await resolveTarget(opts);
  return { baseUrl, signing: signingContextFor(opts, baseUrl, io.env) };
}

/**
 * `a=1&b=x%20y`: every name and value percent-encoded with encodeURIComponent, never `+` for a
 * space (SigV4 reads a `+` as itself, URLSearchParams writes it for a space).
 */
export function queryString(params: Record<string, string | number | boolean | undefined>): string {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  return parts.length > 0 ? `?${parts.join("&")}` : "";
}

export interface AdminAnswer {
  status: number;
  body: any;
  /** A one-line reason for an answer that is not a 2xx. */
  reason?: string;
}

export async function adminRequest(
  client: Got,
  target: AdminTarget,
  req: { method: "GET" | "POST" | "PUT"; path: string; query?: Record<string, string | number | boolean | undefined>; body?: unknown; signed: boolean },
): Promise<AdminAnswer> {
  const url = endpoint(target.baseUrl, req.path) + queryString(req.query ?? {});
  const body = req.body === undefined ? undefined : JSON.stringify(req.body);
  const headers: Record<string, string> = body === undefined ? {} : { "content-type": "application/json" };
  let signed: Record<string, string> = headers;
  if (req.signed) {
    try {
      signed = await signedHeaders({ method: req.method, url, headers, body }, target.signing);
    } catch (err) {
      throw new UsageError(`cannot sign the request with ${target.signing.origin}: ${(err as Error).message}`);
    }
  }
  let res;
  try {
    res = await client(url, { method: req.method, headers: signed, body, responseType: "text", retry: req.method === "POST" ? { limit: 0 } : { methods: ["GET", "PUT"] } });
  } catch (err) {
    if (req.method !== "POST") throw err;
    // Not retried: the caller says whether running it again is safe.
    const e = err as { code?: string; message?: string };
    return { status: 0, body: undefined, reason: `no answer (${e.code ?? e.message ?? String(err)}): the run may have done part of its work` };
  }
  const parsed = parseJson(res.body);
  const answer: AdminAnswer = { status: res.statusCode, body: parsed };
  if (res.statusCode >= 300) {
    // API Gateway's own refusals are {"message": …}; ours are problem+json.
    const message = parsed && typeof parsed === "object" && typeof (parsed as { message?: unknown }).message === "string" ? (parsed as { message: string }).message : undefined;
    answer.reason = message ? `HTTP ${res.statusCode}: ${message}${res.statusCode === 403 ? ` (signed with ${target.signing.origin}; the caller needs execute-api:Invoke on the admin routes)` : ""}` : problemReason(parsed, res.statusCode);
  }
  return answer;
}
