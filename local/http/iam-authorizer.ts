// The local edge's IAM authorization, for routes whose authorizationType is AWS_IAM (the admin
// routes): a SigV4 signature for `execute-api` from credentials the stack knows (the IAM gate's
// principals: the stack's tool credentials, which are the local account's admin and the local
// operator credentials, and each function's role session), then `execute-api:Invoke` on the
// route's ARN under the caller's policies. What API Gateway answers a caller it refuses is its own
// 403 JSON `{"message":…}` with an `x-amzn-ErrorType` header, per AWS's knowledge center
// (https://repost.aws/knowledge-center/api-gateway-troubleshoot-403-forbidden, "How do I
// troubleshoot HTTP 403 errors from API Gateway?": MissingAuthenticationTokenException "Missing
// Authentication Token" for an unsigned request, "The security token included in the request is
// invalid." for unknown keys, InvalidSignatureException for a bad or expired signature,
// AccessDeniedException "User: <arn> is not authorized to perform: execute-api:Invoke on resource:
// <arn>"; and https://repost.aws/knowledge-center/api-gateway-iam-sigv4-mismatch). HTTP APIs have
// been reported to answer a bare {"message":"Forbidden"} in some of these cases, which no AWS page
// we found documents: a client should act on the 403, not on the text.
import type { IamGateConfig, IamPrincipal } from "../iam/iam-gate";
import { evaluatePolicies } from "../iam/policy-evaluation";
import { createSigV4Verifier, type SigV4FailureKind, type SignedRequest } from "../iam/sigv4-verifier";
import type { GatewayResponse } from "./gateway-responses";

/** What API Gateway puts in `requestContext.authorizer.iam` for an IAM-authorized request. */
export interface IamCallerIdentity {
  accessKey: string;
  accountId: string;
  callerId: string;
  principalOrgId: null;
  userArn: string;
  userId: string;
}

export type IamDecision = { ok: true; identity: IamCallerIdentity } | { ok: false; answer: GatewayResponse; reason: string };

/** The error type API Gateway names in `x-amzn-ErrorType` for each way a signature fails. */
const ERROR_TYPES: Record<SigV4FailureKind, string> = {
  missing: "MissingAuthenticationTokenException",
  incomplete: "IncompleteSignatureException",
  "unknown-key": "AccessDeniedException",
  "wrong-scope": "InvalidSignatureException",
  expired: "InvalidSignatureException",
  "signature-mismatch": "InvalidSignatureException",
};

function forbidden(errorType: string, message: string): GatewayResponse {
  return { statusCode: 403, headers: { "content-type": "application/json", "x-amzn-errortype": errorType }, body: Buffer.from(JSON.stringify({ message })) };
}

function identityOf(p: IamPrincipal, accountId: string): IamCallerIdentity {
  if (p.kind === "tool") return { accessKey: p.accessKeyId, accountId, callerId: p.accessKeyId, principalOrgId: null, userArn: `arn:aws:iam::${accountId}:user/${p.accessKeyId}`, userId: p.accessKeyId };
  const session = p.sessionArn.split("/").pop() ?? "";
  return { accessKey: p.accessKeyId, accountId, callerId: `${p.accessKeyId}:${session}`, principalOrgId: null, userArn: p.sessionArn, userId: `${p.accessKeyId}:${session}` };
}

/**
 * An authorizer over the IAM gate's current principals (`config` is read on every request: the
 * functions' role sessions exist only once the program has run).
 */
export function createIamRouteAuthorizer(config: () => IamGateConfig) {
  let verifierFor: IamGateConfig | undefined;
  let verify: ReturnType<typeof createSigV4Verifier<IamPrincipal>> | undefined;
  return (req: SignedRequest, resource: { apiId: string; stage: string; method: string; path: string }): IamDecision => {
    const c = config();
    if (c !== verifierFor || !verify) {
      const byKey = new Map(c.principals.map((p) => [p.accessKeyId, p]));
      verify = createSigV4Verifier<IamPrincipal>({
        service: "execute-api",
        region: c.region,
        lookup: (id) => {
          const p = byKey.get(id);
          return p && { secretAccessKey: p.secretAccessKey, sessionToken: p.kind === "role" ? p.sessionToken : undefined, principal: p };
        },
      });
      verifierFor = c;
    }
    const verified = verify(req);
    if (!verified.ok) {
      const message = verified.failure.kind === "missing" ? "Missing Authentication Token" : verified.failure.message;
      return { ok: false, answer: forbidden(ERROR_TYPES[verified.failure.kind], message), reason: verified.failure.kind };
    }
    const p = verified.principal;
    const identity = identityOf(p, c.accountId);
    if (p.kind === "tool") return { ok: true, identity };
    const arn = `arn:aws:execute-api:${c.region}:${c.accountId}:${resource.apiId}/${resource.stage}/${resource.method}${resource.path}`;
    const decision = evaluatePolicies(p.policies, { action: "execute-api:Invoke", resource: arn, context: { "aws:principalarn": p.roleArn, "aws:principalaccount": c.accountId, "aws:principaltype": "AssumedRole" } });
    if (decision.allowed) return { ok: true, identity };
    const why = decision.explicit ? " with an explicit deny" : " because no identity-based policy allows the execute-api:Invoke action";
    return { ok: false, answer: forbidden("AccessDeniedException", `User: ${p.sessionArn} is not authorized to perform: execute-api:Invoke on resource: ${arn}${why}`), reason: "denied" };
  };
}

export type IamRouteAuthorizer = ReturnType<typeof createIamRouteAuthorizer>;
