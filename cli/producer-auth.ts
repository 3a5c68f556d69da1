// How `send`, `pull` and `status` prove who they are to a stack with producer auth (`sluice:auth`):
// `--token TOKEN` (or SLUICE_TOKEN) sends it as `Authorization: Bearer TOKEN` for a jwt stack;
// `--sigv4` signs every request, each retry afresh, with cli/aws-signing.ts for an iam stack
// (the local stack's credentials from its outputs for `--stack local`, else the SDK's default
// chain). A got hook adds the headers just before each attempt, so no request path differs.
import type { CommonOptions } from "./args";
import { defaultCredentials, regionOfApiUrl, signedHeaders, staticCredentials, type SigningContext } from "./aws-signing";
import { localOperatorCredentials, UsageError, type TargetOptions } from "./target";

/** The CLI's own variable for a bearer token, so it stays out of shell history and `ps`. */
export const TOKEN_ENV = "SLUICE_TOKEN";

/** A request about to be sent; returns the headers that authenticate it. */
export type RequestAuthorizer = (req: { method: string; url: string; contentType?: string; body?: string }) => Promise<Record<string, string>>;

/** The signing context for `--sigv4` (and the admin commands): the local stack's credentials, or the user's. */
export function signingContextFor(opts: TargetOptions, url: string, env: NodeJS.ProcessEnv): SigningContext {
  const local = localOperatorCredentials(opts);
  if (local) return { region: local.region, credentials: staticCredentials(local), origin: "the local stack's operator credentials" };
  const region = regionOfApiUrl(url) ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1";
  return { region, credentials: defaultCredentials(), origin: "your AWS credentials (the SDK's default chain)" };
}

export function bearerToken(common: CommonOptions, env: NodeJS.ProcessEnv): string | undefined {
  const token = common.token ?? (env[TOKEN_ENV] || undefined);
  if (token !== undefined && !/^[A-Za-z0-9\-._~+/]+=*$/.test(token)) throw new UsageError(`the ${common.token !== undefined ? "--token" : TOKEN_ENV} value is not a bearer token (RFC 6750 token68: letters, digits and -._~+/ only)`);
  return token;
}

/** The authorizer for `common`'s options, or undefined when the requests go unauthenticated. */
export function requestAuthorizer(common: CommonOptions, io: { cwd: string; env: NodeJS.ProcessEnv }): RequestAuthorizer | undefined {
  const token = common.sigv4 ? undefined : bearerToken(common, io.env);
  if (token) return async () => ({ authorization: `Bearer ${token}` });
  if (!common.sigv4) return undefined;
  const opts: TargetOptions = { url: common.url, stack: common.stack, outputs: common.outputs, cwd: io.cwd, env: io.env };
  let signing: SigningContext | undefined;
  return async (req) => {
    signing ??= signingContextFor(opts, req.url, io.env);
    try {
      // Only what got will not change after the hook is signed: host (added by the signer) and the content type.
      return await signedHeaders({ method: req.method, url: req.url, headers: req.contentType ? { "content-type": req.contentType } : {}, body: req.body }, signing);
    } catch (err) {
      throw new UsageError(`cannot sign the request with ${signing.origin}: ${(err as Error).message}`);
    }
  };
}
