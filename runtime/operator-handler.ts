// The operator function, behind the IAM-only /admin routes (DESIGN §9): the DLQ preview and the
// selective redrive (operator-dlq.ts), the replay of stored events (operator-replay.ts), and the
// failure mode (operator-failure-mode.ts). Every run finishes inside API Gateway's 30 s.
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { createDocumentClient, createSqsClient } from "./aws-clients";
import { FUNCTION_ENVIRONMENT } from "./contract/environment";
import { failureModesApply } from "./contract/failure-modes";
import { problem } from "./contract/problems";
import { createSqsDeadLetters } from "./dead-letters";
import type { DeadLetters } from "./dead-letters";
import { createDynamoEventIndex } from "./event-index";
import type { EventIndex } from "./event-index";
import { createSqsEventQueue } from "./event-queue";
import type { EventQueue } from "./event-queue";
import { failedDependency } from "./failure-classes";
import { createDynamoFailureModeStore } from "./failure-mode-store";
import type { FailureModeStore } from "./failure-mode-store";
import { problemResponse } from "./http-response";
import type { HttpResult } from "./http-response";
import type { LambdaContextLike } from "./lambda-context";
import { createLogger, errorSummary } from "./log";
import type { Logger } from "./log";
import { dlqPreview, dlqRedrive } from "./operator-dlq";
import { getFailureMode, setFailureMode } from "./operator-failure-mode";
import { replayEvents } from "./operator-replay";
import { internalError, routeRequest } from "./route-request";
import { readSettings } from "./settings";

/** The longest a run works: API Gateway stops waiting at 30 s. */
export const OPERATOR_BUDGET_MS = 25_000;
/** What a run leaves of the function's own time, to answer. */
const ANSWER_MARGIN_MS = 3_000;

export interface OperatorDeps {
  dlq: DeadLetters;
  queue: EventQueue;
  index: EventIndex;
  modes: FailureModeStore;
  stage: string;
  /** Failure modes apply on this stack. */
  failureModes: boolean;
  failureModeRefreshSeconds: number;
  listIndex: boolean;
  log: Logger;
  now?: () => number;
  random?: () => number;
}

export type OperatorHandler = (event: APIGatewayProxyEventV2, context: LambdaContextLike) => Promise<HttpResult>;

/**
 * The caller API Gateway authorized (IAM): who ran the operation, for the log and the failure mode;
 * undefined when the request carries no IAM identity (its route is not AWS_IAM).
 */
function callerOf(event: APIGatewayProxyEventV2): string | undefined {
  const iam = (event.requestContext as { authorizer?: { iam?: unknown } } | undefined)?.authorizer?.iam;
  if (iam === null || typeof iam !== "object") return undefined;
  const arn = (iam as { userArn?: unknown }).userArn;
  return typeof arn === "string" && arn !== "" ? arn : undefined;
}

export function makeOperatorHandler(deps: OperatorDeps): OperatorHandler {
  const now = deps.now ?? Date.now;
  const handle: OperatorHandler = async (event, context) => {
    const requestId = event.requestContext?.requestId ?? context.awsRequestId;
    const caller = callerOf(event);
    const log = deps.log.child({ requestId, awsRequestId: context.awsRequestId, caller });
    // Defense in depth: every admin route is AWS_IAM, so API Gateway has checked the caller's
    // signature and policy. A request without that identity came through a route that lost it.
    if (caller === undefined) {
      log.error("admin request without an IAM identity: refused (is every admin route AWS_IAM?)", { method: event.requestContext?.http?.method, path: event.rawPath, routeKey: event.routeKey });
      return problemResponse(problem("caller-not-authorized", "the operator answers only requests API Gateway authorized with AWS_IAM", { requestId }));
    }
    const route = routeRequest("operator", event, log, requestId);
    if (route.kind === "answered") return route.response;
    const run = { requestId, log, deadline: now() + Math.max(1000, Math.min(context.getRemainingTimeInMillis() - ANSWER_MARGIN_MS, OPERATOR_BUDGET_MS)) };
    const modeDeps = { modes: deps.modes, apply: deps.failureModes, stage: deps.stage, refreshSeconds: deps.failureModeRefreshSeconds, now };
    try {
      switch (route.name) {
        case "dlqPreview":
          return await dlqPreview({ dlq: deps.dlq, queue: deps.queue, index: deps.index, now, random: deps.random }, event, run);
        case "dlqRedrive":
          return await dlqRedrive({ dlq: deps.dlq, queue: deps.queue, index: deps.index, now, random: deps.random }, event, run);
        case "replay":
          return await replayEvents({ index: deps.index, queue: deps.queue, listIndex: deps.listIndex, now, random: deps.random }, event, run);
        case "getFailureMode":
          return await getFailureMode(modeDeps);
        case "setFailureMode":
          return await setFailureMode(modeDeps, event, run, caller);
        default:
          return problemResponse(problem("not-found", `no operation ${route.name}`, { requestId }));
      }
    } catch (err) {
      const dependency = failedDependency(err);
      if (!dependency) throw err;
      log.error("operation failed: a dependency is unavailable", { dependency, ...errorSummary(err) });
      return problemResponse(problem("dependency-unavailable", `the ${dependency === "sqs" ? "queue" : "table"} is unavailable; the operation can be run again safely`, { requestId }), { "retry-after": "2" });
    }
  };
  return async (event, context) => {
    try {
      return await handle(event, context);
    } catch (err) {
      return internalError(err, deps.log, event, context);
    }
  };
}

/** Pulumi `callbackFactory`: runs once per cold start. */
export function operatorFactory(): OperatorHandler {
  const settings = readSettings(process.env, FUNCTION_ENVIRONMENT.operator.needs);
  const doc = createDocumentClient();
  const sqs = createSqsClient();
  return makeOperatorHandler({
    dlq: createSqsDeadLetters(sqs, settings.dlqUrl),
    queue: createSqsEventQueue(sqs, settings.queueUrl),
    index: createDynamoEventIndex(doc, settings.tableName),
    modes: createDynamoFailureModeStore(doc, settings.tableName),
    stage: settings.stage,
    failureModes: failureModesApply(settings),
    failureModeRefreshSeconds: settings.failureModeRefreshSeconds,
    listIndex: settings.listIndex,
    log: createLogger({ fn: "operator", stage: settings.stage, version: settings.version }, { level: settings.logLevel }),
  });
}
