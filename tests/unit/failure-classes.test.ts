// Classification of what a worker record can throw (DESIGN §3.5).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { classifiedError, classifyFailure, failureReason, isRetried } from "../../runtime/failure-classes";

function awsError(name: string, fault: "client" | "server", status: number, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(name), { name, $fault: fault, $metadata: { httpStatusCode: status }, ...extra });
}

test("explicit categories win", () => {
  for (const c of ["VALIDATION", "TRANSIENT", "PERMANENT", "TIMEOUT", "PROCESSING"] as const) assert.is(classifyFailure(classifiedError(c, "x")), c);
});

test("throttling, server faults and network errors are TRANSIENT", () => {
  assert.is(classifyFailure(awsError("ProvisionedThroughputExceededException", "client", 400)), "TRANSIENT");
  assert.is(classifyFailure(awsError("ThrottlingException", "client", 400)), "TRANSIENT");
  assert.is(classifyFailure(awsError("InternalServerError", "server", 500)), "TRANSIENT");
  assert.is(classifyFailure(awsError("SomethingNew", "server", 503)), "TRANSIENT");
  assert.is(classifyFailure(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })), "TRANSIENT");
  assert.is(classifyFailure(awsError("Whatever", "client", 400, { $retryable: { throttling: true } })), "TRANSIENT");
});

test("broken wiring (missing table, denied permission) is retried, so the DLQ keeps it for a redrive", () => {
  assert.is(classifyFailure(awsError("ResourceNotFoundException", "client", 400)), "TRANSIENT");
  assert.is(classifyFailure(awsError("AccessDeniedException", "client", 400)), "TRANSIENT");
});

test("a client-side AWS error about the record is PERMANENT; a plain exception is PROCESSING", () => {
  assert.is(classifyFailure(awsError("ValidationException", "client", 400)), "PERMANENT");
  assert.is(classifyFailure(new TypeError("cannot read x of undefined")), "PROCESSING");
  assert.is(classifyFailure("a string"), "PROCESSING");
  assert.is(classifyFailure(null), "PROCESSING");
});

test("only TRANSIENT and TIMEOUT are retried", () => {
  assert.equal(
    (["VALIDATION", "TRANSIENT", "PERMANENT", "TIMEOUT", "PROCESSING"] as const).filter(isRetried),
    ["TRANSIENT", "TIMEOUT"],
  );
});

test("failure reasons are short and name the error", () => {
  assert.is(failureReason(new RangeError("too far")), "RangeError: too far");
  assert.is(failureReason(new Error("x".repeat(1000))).length, 500);
});

test.run();
