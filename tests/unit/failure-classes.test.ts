// Classification of what a worker record can throw (DESIGN §3.5).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { classifiedError, classifyFailure, failureReason, isRetried, itemTooLarge } from "../../runtime/failure-classes";

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


test("only DynamoDB's item-size refusal counts as a write that can never succeed", () => {
  const validation = (message: string) => Object.assign(new Error(message), { name: "ValidationException" });
  assert.ok(itemTooLarge(validation("Item size has exceeded the maximum allowed size")));
  assert.ok(itemTooLarge(validation("Item size to update has exceeded the maximum allowed size")));
  assert.not.ok(itemTooLarge(validation("Invalid UpdateExpression: Syntax error; token: \"=\"")));
  assert.not.ok(itemTooLarge(validation("One or more parameter values were invalid: Type mismatch for key pk")));
  assert.not.ok(itemTooLarge(Object.assign(new Error("Item size has exceeded the maximum allowed size"), { name: "SerializationException" })));
  assert.not.ok(itemTooLarge(null));
  assert.not.ok(itemTooLarge("Item size has exceeded the maximum allowed size"));
});

test.run();
