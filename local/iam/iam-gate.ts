// The IAM gate in front of the local DynamoDB, SQS and Secrets Manager twins: every request must carry a valid
// SigV4 signature from known credentials; calls signed as a function's role session are then
// checked against that role's policies, action by action and resource by resource, and refused
// as the service would refuse them. Calls signed with the local stack's own tool credentials (it
// creates the tables and queues, saves and restores messages) are the account's admin and pass.
// Built from plain JSON (IamGateConfig), so it can be made in whichever process serves the twin.
import type { GateAnswer, GatedRequest, RequestGate } from "../aws/request-gate";
import { accessDeniedAnswer, authFailureAnswer } from "./denial-answers";
import { evaluatePolicies, type PolicyDocument } from "./policy-evaluation";
import { dynamoDbAuthorizations, eventsAuthorizations, secretsManagerAuthorizations, sqsAuthorizations, type Authorization, type Where } from "./request-authorizations";
import { createSigV4Verifier, type SignedRequest, type SigV4Verifier } from "./sigv4-verifier";

/** One set of credentials the twins accept. */
export type IamPrincipal =
  | { kind: "tool"; accessKeyId: string; secretAccessKey: string }
  | {
      kind: "role";
      accessKeyId: string;
      secretAccessKey: string;
      sessionToken: string;
      /** The role session as AWS names it in errors: `arn:aws:sts::<account>:assumed-role/<role>/<session>`. */
      sessionArn: string;
      roleArn: string;
      /** Every identity-based policy of the role. */
      policies: PolicyDocument[];
    };

export interface IamGateConfig {
  accountId: string;
  region: string;
  principals: IamPrincipal[];
}

export interface IamGateOptions {
  /** Receives a JSON line per refused call. Default: none. */
  log?(line: string): void;
  /** Epoch ms, for the signature's clock check. Default Date.now. */
  now?(): number;
}

function header(req: GatedRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The request as its signature covers it: the request line comes as the `:method`/`:path` pseudo-headers. */
export function signedRequestOf(req: GatedRequest): SignedRequest {
  return { method: header(req, ":method") ?? "POST", url: header(req, ":path") ?? "/", headers: req.headers, body: req.body };
}

/** The authorizations `req` needs. */
export function authorizationsOf(req: GatedRequest, where: Where): Authorization[] {
  if (req.service === "dynamodb") return dynamoDbAuthorizations(req.action, req.body, where);
  if (req.service === "events") return eventsAuthorizations(req.action, req.body, where);
  if (req.service === "secretsmanager") return secretsManagerAuthorizations(req.action, req.body, where);
  const path = header(req, ":path") ?? "/";
  return sqsAuthorizations(req.action, req.body, path, header(req, "content-type"), where);
}

export function createIamGate(config: IamGateConfig, opts: IamGateOptions = {}): RequestGate {
  const where = { region: config.region, accountId: config.accountId };
  const byKey = new Map(config.principals.map((p) => [p.accessKeyId, p]));
  const lookup = (id: string) => {
    const p = byKey.get(id);
    return p && { secretAccessKey: p.secretAccessKey, sessionToken: p.kind === "role" ? p.sessionToken : undefined, principal: p };
  };
  const verifiers: Record<GatedRequest["service"], SigV4Verifier<IamPrincipal>> = {
    dynamodb: createSigV4Verifier({ service: "dynamodb", region: config.region, lookup, now: opts.now }),
    sqs: createSigV4Verifier({ service: "sqs", region: config.region, lookup, now: opts.now }),
    events: createSigV4Verifier({ service: "events", region: config.region, lookup, now: opts.now }),
    secretsmanager: createSigV4Verifier({ service: "secretsmanager", region: config.region, lookup, now: opts.now }),
  };
  const refuse = (req: GatedRequest, answer: GateAnswer, fields: Record<string, unknown>) => {
    opts.log?.(JSON.stringify({ level: "warn", source: "local", service: req.service, msg: "request refused, as AWS would", apiAction: req.action, status: answer.status, ...fields }));
    return answer;
  };

  return (req) => {
    const verified = verifiers[req.service](signedRequestOf(req));
    if (!verified.ok) return refuse(req, authFailureAnswer(req, verified.failure), { reason: verified.failure.kind, error: verified.failure.message });
    const p = verified.principal;
    if (p.kind === "tool") return undefined;
    const context = {
      "aws:principalarn": p.roleArn,
      "aws:principalaccount": config.accountId,
      "aws:principaltype": "AssumedRole",
      "aws:requestedregion": config.region,
      "aws:securetransport": "true",
    };
    for (const auth of authorizationsOf(req, where)) {
      const decision = evaluatePolicies(p.policies, { ...auth, context });
      if (decision.allowed) continue;
      const answer = accessDeniedAnswer(req, { principalArn: p.sessionArn, action: auth.action, resource: auth.resource, explicit: decision.explicit });
      return refuse(req, answer, {
        principal: p.sessionArn,
        iamAction: auth.action,
        resource: auth.resource,
        reason: decision.explicit ? "explicit deny" : "no allow",
        ...(decision.unevaluated.length > 0 ? { unevaluatedConditions: decision.unevaluated } : {}),
      });
    }
    return undefined;
  };
}
