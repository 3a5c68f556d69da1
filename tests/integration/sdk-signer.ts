// The AWS SDK's own SigV4 signer (@smithy/signature-v4, what every SDK v3 client signs with), for
// tests that build a request by hand and must sign it as a client would: the other side of the
// local IAM gate's verifier.
import { SignatureV4 } from "@smithy/signature-v4";
// A SHA-256 for the signer (it takes any hash constructor): the CLI's, from node:crypto; the
// signing algorithm is the SDK's.
import { NodeSha256 } from "../../cli/aws-signing";

export { NodeSha256 };

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** The headers an SDK client would send for a POST of `body` to `endpoint` (path `/`). */
export async function signedPostHeaders(endpoint: string, o: { service: string; region: string; credentials: Credentials; headers: Record<string, string>; body: string }): Promise<Record<string, string>> {
  const url = new URL(endpoint);
  const signer = new SignatureV4({ service: o.service, region: o.region, credentials: o.credentials, sha256: NodeSha256 });
  const req = await signer.sign({ method: "POST", protocol: url.protocol, hostname: url.hostname, port: Number(url.port), path: "/", query: {}, headers: { host: url.host, ...o.headers }, body: o.body });
  return req.headers;
}
