// What DynamoDB, SQS, EventBridge and Secrets Manager answer, on the wire, when they refuse a caller:
// a signature or key they do not accept, or an action the caller's policies do not allow. Status,
// error type and message as the services send them, in the shape each SDK reads: DynamoDB's,
// EventBridge's and Secrets Manager's JSON `__type`; SQS's JSON protocol
// with the `x-amzn-query-error` header (the SDK takes the error's name from it), or XML for a
// query-protocol caller.
import { randomUUID } from "node:crypto";
import type { GateAnswer, GatedRequest } from "../aws/request-gate";
import type { SigV4Failure, SigV4FailureKind } from "./sigv4-verifier";

const AMZ_JSON = "application/x-amz-json-1.0";
// Secrets Manager speaks JSON 1.1 and names its errors without the coral namespace.
const AMZ_JSON_11 = "application/x-amz-json-1.1";

function secretsManagerError(type: string, message: string): GateAnswer {
  return { status: 400, headers: { "content-type": AMZ_JSON_11, "x-amzn-requestid": randomUUID() }, body: JSON.stringify({ __type: type, Message: message }) };
}

/** DynamoDB's error types per failure (all 400). */
const DYNAMODB_AUTH_ERRORS: Record<SigV4FailureKind, string> = {
  missing: "com.amazon.coral.service#MissingAuthenticationTokenException",
  incomplete: "com.amazon.coral.service#IncompleteSignatureException",
  "unknown-key": "com.amazon.coral.service#UnrecognizedClientException",
  "wrong-scope": "com.amazon.coral.service#InvalidSignatureException",
  expired: "com.amazon.coral.service#InvalidSignatureException",
  "signature-mismatch": "com.amazon.coral.service#InvalidSignatureException",
};

/** SQS's query error codes per failure, with their status. */
const SQS_AUTH_ERRORS: Record<SigV4FailureKind, { code: string; status: number }> = {
  missing: { code: "MissingAuthenticationToken", status: 403 },
  incomplete: { code: "IncompleteSignature", status: 400 },
  "unknown-key": { code: "InvalidClientTokenId", status: 403 },
  "wrong-scope": { code: "SignatureDoesNotMatch", status: 403 },
  expired: { code: "SignatureDoesNotMatch", status: 403 },
  "signature-mismatch": { code: "SignatureDoesNotMatch", status: 403 },
};

/** EventBridge's and Secrets Manager's error types per failure (all 400, JSON 1.1 with `__type`). */
const JSON_11_AUTH_ERRORS: Record<SigV4FailureKind, string> = {
  missing: "MissingAuthenticationTokenException",
  incomplete: "IncompleteSignatureException",
  "unknown-key": "UnrecognizedClientException",
  "wrong-scope": "InvalidSignatureException",
  expired: "InvalidSignatureException",
  "signature-mismatch": "InvalidSignatureException",
};

function eventsError(type: string, message: string): GateAnswer {
  return { status: 400, headers: { "content-type": AMZ_JSON_11, "x-amzn-requestid": randomUUID() }, body: JSON.stringify({ __type: type, message }) };
}

function dynamoDbError(type: string, message: string): GateAnswer {
  return { status: 400, headers: { "content-type": AMZ_JSON, "x-amzn-requestid": randomUUID() }, body: JSON.stringify({ __type: type, message }) };
}

function xmlEscape(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function sqsError(req: GatedRequest, code: string, status: number, message: string): GateAnswer {
  const requestId = randomUUID();
  const contentType = String(req.headers["content-type"] ?? "");
  if (/x-www-form-urlencoded/i.test(contentType)) {
    const body = `<?xml version="1.0"?><ErrorResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message><Detail/></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
    return { status, headers: { "content-type": "text/xml", "x-amzn-requestid": requestId }, body };
  }
  return {
    status,
    headers: { "content-type": AMZ_JSON, "x-amzn-requestid": requestId, "x-amzn-query-error": `${code};Sender` },
    body: JSON.stringify({ __type: `com.amazon.coral.service#${code}Exception`, Message: message }),
  };
}

/** The service's answer to a request whose signature or credentials it does not accept. */
export function authFailureAnswer(req: GatedRequest, failure: SigV4Failure): GateAnswer {
  if (req.service === "dynamodb") return dynamoDbError(DYNAMODB_AUTH_ERRORS[failure.kind], failure.message);
  if (req.service === "events") return eventsError(JSON_11_AUTH_ERRORS[failure.kind], failure.message);
  if (req.service === "secretsmanager") return secretsManagerError(JSON_11_AUTH_ERRORS[failure.kind], failure.message);
  const { code, status } = SQS_AUTH_ERRORS[failure.kind];
  return sqsError(req, code, status, failure.message);
}

export interface Denial {
  /** The caller as AWS names it: `arn:aws:sts::<account>:assumed-role/<role>/<session>`. */
  principalArn: string;
  action: string;
  resource: string;
  /** A Deny statement matched (else no Allow did). */
  explicit: boolean;
}

/** IAM's sentence for a denied call; SQS spells the action in lower case. */
export function denialMessage(d: Denial, service: GatedRequest["service"]): string {
  const action = service === "sqs" ? d.action.toLowerCase() : d.action;
  const why = d.explicit ? "with an explicit deny in an identity-based policy" : `because no identity-based policy allows the ${action} action`;
  return `User: ${d.principalArn} is not authorized to perform: ${action} on resource: ${d.resource} ${why}`;
}

/** The service's AccessDenied answer. */
export function accessDeniedAnswer(req: GatedRequest, d: Denial): GateAnswer {
  const message = denialMessage(d, req.service);
  if (req.service === "dynamodb") return dynamoDbError("com.amazonaws.dynamodb.v20120810#AccessDeniedException", message);
  if (req.service === "events") return eventsError("AccessDeniedException", message);
  if (req.service === "secretsmanager") return secretsManagerError("AccessDeniedException", message);
  return sqsError(req, "AccessDenied", 403, message);
}
