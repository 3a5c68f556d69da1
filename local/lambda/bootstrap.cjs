// The emulated Lambda Node.js runtime that runs one function instance in its own process. It is
// plain CommonJS on purpose: the instance gets nothing but node, the function's unpacked archive
// (LAMBDA_TASK_ROOT) and the SDK layer on NODE_PATH, as on Lambda; no TypeScript loader.
// Protocol with the host (function-host.ts, instance-process.ts) over the IPC channel:
//   child → host  { type: "ready", initMs } | { type: "init-error", error }
//   host → child  { type: "invoke", id, event, requestId, functionArn, deadline, traceHeader }
//   child → host  { type: "result", id, ok, value | error, durationMs }
"use strict";
const path = require("node:path");

// nodejs22.x does not print the SDK's "upgrade your Node" notice; running on Node 20 here must not
// add that noise to every cold start. Every other warning goes through.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  if (String(warning && warning.message !== undefined ? warning.message : warning).startsWith("NodeVersionSupportWarning")) return;
  emitWarning(warning, ...rest);
};

function describeError(err) {
  if (err instanceof Error) return { errorType: err.name || "Error", errorMessage: err.message, stack: String(err.stack || "").split("\n") };
  return { errorType: "Error", errorMessage: typeof err === "string" ? err : JSON.stringify(err) };
}

function send(message) {
  return new Promise((resolve) => {
    if (!process.connected) return resolve();
    process.send(message, () => resolve());
  });
}

// A host that goes away (stopped, crashed, killed) takes its instances with it.
process.on("disconnect", () => process.exit(0));

const initStart = process.hrtime.bigint();
let handler;
try {
  const spec = process.env._HANDLER || "index.handler";
  const dot = spec.lastIndexOf(".");
  const mod = require(path.join(process.env.LAMBDA_TASK_ROOT || process.cwd(), spec.slice(0, dot)));
  handler = mod[spec.slice(dot + 1)];
  if (typeof handler !== "function") {
    const err = new Error(`${spec} is undefined or not exported`);
    err.name = "Runtime.HandlerNotFound";
    throw err;
  }
} catch (err) {
  const error = describeError(err);
  if (!String(error.errorType).startsWith("Runtime.")) error.errorType = `Runtime.ImportModuleError: ${error.errorType}`;
  send({ type: "init-error", error }).then(() => process.exit(1));
  return;
}
send({ type: "ready", initMs: Number(process.hrtime.bigint() - initStart) / 1e6 });

function callHandler(event, context) {
  // Lambda still supports callback-style handlers (three parameters).
  if (handler.length >= 3) {
    return new Promise((resolve, reject) => {
      const result = handler(event, context, (err, value) => (err ? reject(err) : resolve(value)));
      if (result && typeof result.then === "function") result.then(resolve, reject);
    });
  }
  return Promise.resolve().then(() => handler(event, context));
}

process.on("message", async (msg) => {
  if (!msg || msg.type !== "invoke") return;
  const fnName = process.env.AWS_LAMBDA_FUNCTION_NAME;
  const context = {
    awsRequestId: msg.requestId,
    functionName: fnName,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: msg.functionArn,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, msg.deadline - Date.now()),
    done() {},
    fail() {},
    succeed() {},
  };
  // The runtime sets the invocation's X-Ray trace header before calling the handler.
  if (msg.traceHeader) process.env._X_AMZN_TRACE_ID = msg.traceHeader;
  else delete process.env._X_AMZN_TRACE_ID;
  const start = process.hrtime.bigint();
  let reply;
  try {
    const value = await callHandler(msg.event, context);
    reply = { type: "result", id: msg.id, ok: true, value: value === undefined ? null : value };
  } catch (err) {
    reply = { type: "result", id: msg.id, ok: false, error: describeError(err) };
  }
  reply.durationMs = Number(process.hrtime.bigint() - start) / 1e6;
  await send(reply);
});
