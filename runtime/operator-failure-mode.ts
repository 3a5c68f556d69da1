// GET and PUT /admin/failure-mode: the failure mode of a non-prod stack (contract/failure-modes.ts),
// stored as one item of the table; every function instance acts on it within its refresh period.
// On a protected or prod stack there is none to show, and setting one is refused.
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { jsonBodyOf } from "./admin-request";
import { checkFailureModeRequest, FAILURE_MODE_EFFECTS } from "./contract/failure-modes";
import type { FailureModeSetting } from "./contract/failure-modes";
import { problem } from "./contract/problems";
import type { FailureModeStore } from "./failure-mode-store";
import { jsonResponse, problemResponse } from "./http-response";
import type { HttpResult } from "./http-response";
import type { RunContext } from "./operator-dlq";

export interface ModeDeps {
  modes: FailureModeStore;
  /** Failure modes apply on this stack (contract/failure-modes.ts, failureModesApply). */
  apply: boolean;
  stage: string;
  refreshSeconds: number;
  now: () => number;
}

const OFF = "failure modes are off on this stack: a protected or prod stack never takes one, and another stack takes them only with sluice:failureModes set to true";

function view(setting: FailureModeSetting | undefined, deps: ModeDeps): Record<string, unknown> {
  const s = setting ?? { mode: "none" as const };
  return { ...s, effect: FAILURE_MODE_EFFECTS[s.mode], available: true, refreshSeconds: deps.refreshSeconds };
}

export async function getFailureMode(deps: ModeDeps): Promise<HttpResult> {
  if (!deps.apply) return jsonResponse(200, { mode: "none", effect: FAILURE_MODE_EFFECTS.none, available: false, detail: OFF }, { "cache-control": "no-store" });
  return jsonResponse(200, view(await deps.modes.read(), deps), { "cache-control": "no-store" });
}

export async function setFailureMode(deps: ModeDeps, event: APIGatewayProxyEventV2, run: RunContext, caller: string | undefined): Promise<HttpResult> {
  if (!deps.apply) return problemResponse(problem("failure-modes-off", `${OFF} (stage ${deps.stage})`, { requestId: run.requestId }));
  const body = jsonBodyOf(event, run.requestId);
  if (!body.ok) return problemResponse(body.problem);
  const checked = checkFailureModeRequest(body.body);
  if (!checked.ok) return problemResponse(problem("invalid-request", "not a failure mode this stack knows", { requestId: run.requestId, errors: checked.errors }));
  const now = deps.now();
  const setting: FailureModeSetting = { ...checked.request, setAt: new Date(now).toISOString(), ...(caller ? { setBy: caller } : {}) };
  await deps.modes.write(setting);
  run.log.warn("failure mode set", { failureMode: setting.mode, category: setting.category, latencyMs: setting.latencyMs });
  return jsonResponse(200, { ...view(setting, deps), honouredBy: new Date(now + deps.refreshSeconds * 1000).toISOString() });
}
