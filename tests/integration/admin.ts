// Calls to the IAM-only admin routes for the integration suites, signed by the AWS SDK's signer
// (cli/aws-signing.ts): with the local stack's operator credentials from its outputs, or with the
// caller's AWS credentials for a deployed stack. Also waiting until a failure mode is honoured.
import { defaultCredentials, regionOfApiUrl, signedHeaders, staticCredentials, type SigningContext } from "../../cli/aws-signing";
import { queryString } from "../../cli/admin-client";
import { routePath, type RouteName } from "../../runtime/contract/routes";
import { httpClient, json, target } from "./target";

export function signingContext(): SigningContext {
  const t = target();
  const op = (t.outputs.localEndpoints as { operator?: { accessKeyId: string; secretAccessKey: string; region: string } } | undefined)?.operator;
  if (op) return { region: op.region, credentials: staticCredentials(op), origin: "local operator" };
  return { region: regionOfApiUrl(t.apiUrl) ?? process.env.AWS_REGION ?? "us-east-1", credentials: defaultCredentials(), origin: "AWS credentials" };
}

export interface Answer {
  status: number;
  body: any;
  headers: Record<string, string | string[] | undefined>;
}

/** One request to a route, signed unless `unsigned`; `signing` overrides the credentials. */
export async function call(
  route: RouteName,
  opts: { method?: string; query?: Record<string, string | number | boolean | undefined>; body?: unknown; unsigned?: boolean; signing?: SigningContext } = {},
): Promise<Answer> {
  const t = target();
  const method = opts.method ?? (opts.body === undefined ? "GET" : "POST");
  const url = `${t.apiUrl}${routePath(route)}${queryString(opts.query ?? {})}`;
  const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const headers: Record<string, string> = body === undefined ? {} : { "content-type": "application/json" };
  const sent = opts.unsigned ? headers : await signedHeaders({ method, url, headers, body }, opts.signing ?? signingContext());
  const res = await httpClient(t.apiUrl)(url, { prefixUrl: "", method: method as "GET", headers: sent, body });
  let parsed: unknown = res.body;
  try {
    parsed = json(res);
  } catch {
    // not JSON: kept as text
  }
  return { status: res.statusCode, body: parsed, headers: res.headers };
}

/** Sets the failure mode and waits until every function instance acts on it. */
export async function setFailureMode(mode: string, params: Record<string, unknown> = {}): Promise<void> {
  const a = await call("setFailureMode", { method: "PUT", body: { mode, ...params } });
  if (a.status !== 200) throw new Error(`failure-mode set ${mode}: ${a.status} ${JSON.stringify(a.body)}`);
  const wait = Date.parse(a.body.honouredBy) - Date.now();
  // A little past honouredBy: an instance that read the old mode just before the write keeps it that long.
  await new Promise((r) => setTimeout(r, Math.max(0, wait) + 500));
}
