// Whether a request to a twin is the local stack's own (making tables and queues, saving and
// re-sending messages, tests and tools looking inside): signed by the stack's tool credentials
// (LOCAL_CREDENTIALS, the account's admin), with a signature that checks out. Nothing a client can
// merely claim (a header, a key id alone) counts. The chaos gate spares exactly these requests.
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../aws/local-account";
import type { GatedRequest } from "../aws/request-gate";
import { signedRequestOf } from "./iam-gate";
import { createSigV4Verifier } from "./sigv4-verifier";

export function createToolCallerCheck(opts: { now?(): number } = {}): (req: GatedRequest) => boolean {
  const lookup = (id: string) => (id === LOCAL_CREDENTIALS.accessKeyId ? { secretAccessKey: LOCAL_CREDENTIALS.secretAccessKey, principal: "tool" } : undefined);
  const verifiers = {
    dynamodb: createSigV4Verifier({ service: "dynamodb", region: LOCAL_REGION, lookup, now: opts.now }),
    sqs: createSigV4Verifier({ service: "sqs", region: LOCAL_REGION, lookup, now: opts.now }),
    events: createSigV4Verifier({ service: "events", region: LOCAL_REGION, lookup, now: opts.now }),
    secretsmanager: createSigV4Verifier({ service: "secretsmanager", region: LOCAL_REGION, lookup, now: opts.now }),
  };
  const claim = `Credential=${LOCAL_CREDENTIALS.accessKeyId}/`;
  return (req) => {
    const auth = req.headers.authorization;
    // Only a request that names the tool key is worth verifying; every other one is not the stack's.
    if (typeof auth !== "string" || !auth.includes(claim)) return false;
    return verifiers[req.service](signedRequestOf(req)).ok;
  };
}
