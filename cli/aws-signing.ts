// SigV4 for the CLI's calls to IAM-authorized routes (`execute-api`): the AWS SDK's own signer
// (@smithy/signature-v4, what every SDK v3 client signs with) and the SDK's default credential
// chain (environment, shared config and SSO profiles, web identity, container and instance
// roles), or the local stack's operator credentials from its outputs file. Nothing else signs.
import { createHash, createHmac } from "node:crypto";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { SignatureV4 } from "@smithy/signature-v4";

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export type CredentialSource = () => Promise<AwsCredentials>;

/** How to sign for one API: the region, and where the credentials come from. */
export interface SigningContext {
  region: string;
  credentials: CredentialSource;
  /** What signs the credentials came from, for messages ("the local stack's operator credentials"). */
  origin: string;
}

type Bytes = string | ArrayBuffer | ArrayBufferView;
const bytes = (d: Bytes) => (typeof d === "string" ? d : ArrayBuffer.isView(d) ? Buffer.from(d.buffer, d.byteOffset, d.byteLength) : Buffer.from(d));

/** SHA-256 / HMAC-SHA256 for the signer from node:crypto (the signer takes any such constructor). */
export class NodeSha256 {
  private readonly h;
  constructor(secret?: Bytes) {
    this.h = secret === undefined ? createHash("sha256") : createHmac("sha256", bytes(secret));
  }
  update(data: Bytes): void {
    this.h.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
}

/** `<api>.execute-api.<region>.amazonaws.com` → the region; undefined for any other host. */
export function regionOfApiUrl(url: string): string | undefined {
  try {
    return /^[a-z0-9]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(new URL(url).hostname)?.[1];
  } catch {
    return undefined;
  }
}

/** The user's AWS credentials, through the SDK's default chain (resolved once, refreshed when they expire). */
export function defaultCredentials(): CredentialSource {
  const provider = defaultProvider();
  return async () => {
    const c = await provider();
    return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken };
  };
}

export function staticCredentials(c: AwsCredentials): CredentialSource {
  return async () => c;
}

export interface SignableRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * The headers to send with `req` so that API Gateway (or the local edge) accepts it as signed by
 * the context's credentials for `execute-api`: `host`, `x-amz-date`, the payload hash, a session
 * token when there is one, and `authorization`.
 */
export async function signedHeaders(req: SignableRequest, ctx: SigningContext, signingDate?: Date): Promise<Record<string, string>> {
  const u = new URL(req.url);
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of u.searchParams) {
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  const signer = new SignatureV4({ service: "execute-api", region: ctx.region, credentials: ctx.credentials, sha256: NodeSha256 });
  const signed = await signer.sign(
    {
      method: req.method.toUpperCase(),
      protocol: u.protocol,
      hostname: u.hostname,
      port: u.port ? Number(u.port) : undefined,
      path: u.pathname,
      query,
      headers: { ...(req.headers ?? {}), host: u.host },
      body: req.body ?? "",
    },
    signingDate ? { signingDate } : {},
  );
  return signed.headers as Record<string, string>;
}
