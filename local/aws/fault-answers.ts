// The error answers an injected fault gets, in each service's own shape for the protocol the
// request used, so the SDK in the functions parses them as it parses AWS's:
// - DynamoDB (JSON 1.0): `{"__type":"com.amazonaws.dynamodb.v20120810#…","message":…}`.
// - SQS JSON protocol: `{"__type":…,"message":…}` plus `x-amzn-query-error: CODE;Sender|Receiver`,
//   which the SDK (awsQueryCompatible) reads for the error name.
// - SQS query protocol: the XML ErrorResponse.
// - EventBridge (JSON 1.1): `{"__type":"ThrottlingException"|"InternalException","message":…}`.
import { randomUUID } from "node:crypto";
import type { ChaosService } from "./chaos-spec";
import type { GateAnswer, GatedRequest } from "./request-gate";

export type FaultKind = "error" | "throttle";

interface ErrorShape {
  status: number;
  code: string;
  /** The JSON `__type`. */
  type: string;
  message: string;
  fault: "Sender" | "Receiver";
}

const SHAPES: Record<ChaosService, Record<FaultKind, ErrorShape>> = {
  dynamodb: {
    throttle: {
      status: 400,
      code: "ProvisionedThroughputExceededException",
      type: "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
      message: "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.",
      fault: "Sender",
    },
    error: { status: 500, code: "InternalServerError", type: "com.amazonaws.dynamodb.v20120810#InternalServerError", message: "Internal server error", fault: "Receiver" },
  },
  sqs: {
    // The SQS model gives RequestThrottled HTTP 403 (and the same query error code).
    throttle: { status: 403, code: "RequestThrottled", type: "com.amazonaws.sqs#RequestThrottled", message: "Request is throttled.", fault: "Sender" },
    // SQS's common error for a failure on its side.
    error: { status: 500, code: "InternalFailure", type: "com.amazon.coral.service#InternalFailure", message: "The request processing has failed because of an unknown error, exception or failure.", fault: "Receiver" },
  },
  events: {
    throttle: { status: 400, code: "ThrottlingException", type: "ThrottlingException", message: "Rate exceeded", fault: "Sender" },
    error: { status: 500, code: "InternalException", type: "InternalException", message: "Internal service error", fault: "Receiver" },
  },
};

function header(req: GatedRequest, name: string): string {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(",") : (v ?? "");
}

/** Whether an SQS request used the JSON protocol (X-Amz-Target / amz-json) rather than the query one. */
export function isJsonProtocol(req: GatedRequest): boolean {
  return header(req, "x-amz-target") !== "" || header(req, "content-type").includes("amz-json");
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** The answer AWS would give `req` for a fault of `kind` on its side. */
export function faultAnswer(kind: FaultKind, req: GatedRequest): GateAnswer {
  // The chaos gate runs in the DynamoDB, SQS and EventBridge twins only (the local Secrets Manager has none).
  const shape = SHAPES[req.service as ChaosService][kind];
  const requestId = randomUUID();
  if (req.service === "sqs" && !isJsonProtocol(req)) {
    return {
      status: shape.status,
      headers: { "content-type": "text/xml", "x-amzn-requestid": requestId },
      body: `<?xml version="1.0"?><ErrorResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><Error><Type>${shape.fault}</Type><Code>${shape.code}</Code><Message>${xmlEscape(shape.message)}</Message><Detail/></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
    };
  }
  const headers: Record<string, string> = { "content-type": req.service === "events" ? "application/x-amz-json-1.1" : "application/x-amz-json-1.0", "x-amzn-requestid": requestId };
  if (req.service === "sqs") headers["x-amzn-query-error"] = `${shape.code};${shape.fault}`;
  return { status: shape.status, headers, body: JSON.stringify({ __type: shape.type, message: shape.message }) };
}
