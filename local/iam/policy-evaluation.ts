// Evaluates identity-based IAM policies for one request, by AWS's rules for a single account: an
// explicit Deny wins, else an Allow is needed, else the request is implicitly denied. Statements
// match by Action/NotAction (wildcards `*` and `?`, case-insensitive) and Resource/NotResource
// (ARN wildcards, per segment). Conditions: the operators and keys in conditions.ts are evaluated;
// any other is not, and counts against the caller: an Allow that carries one does not allow, a
// Deny that carries one denies. What is never evaluated: resource policies, SCPs, permission
// boundaries, session policies.
import { evaluateCondition, type ConditionBlock, type RequestContext } from "./conditions";
import { globRegExp } from "./glob";

export interface Statement {
  Sid?: string;
  Effect: "Allow" | "Deny" | string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: ConditionBlock;
}

export interface PolicyDocument {
  Version?: string;
  Statement: Statement | Statement[];
}

/** One authorization a request needs: an IAM action on a resource ARN (or `*`). */
export interface AuthorizationRequest {
  action: string;
  resource: string;
  context: RequestContext;
}

export interface Decision {
  allowed: boolean;
  /** Denied by a Deny statement (rather than for want of an Allow). */
  explicit: boolean;
  /** Condition operators or keys that were not evaluated and so counted against the caller. */
  unevaluated: string[];
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** IAM action names are case-insensitive, the service prefix included. */
export function actionMatches(pattern: string, action: string): boolean {
  return globRegExp(pattern, "i").test(action);
}

/** ARN patterns match segment by segment (a wildcard does not cross the first five colons). */
export function resourceMatches(pattern: string, arn: string): boolean {
  if (pattern === "*") return true;
  const split = (s: string) => {
    const parts = s.split(":");
    return parts.length < 6 ? parts : [...parts.slice(0, 5), parts.slice(5).join(":")];
  };
  const p = split(pattern);
  const a = split(arn);
  return p.length === 6 && a.length === 6 && p.every((seg, i) => globRegExp(seg, "").test(a[i]));
}

function statementsOf(doc: PolicyDocument): Statement[] {
  return Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
}

function covers(s: Statement, req: AuthorizationRequest): boolean {
  const action = s.NotAction !== undefined ? !list(s.NotAction).some((p) => actionMatches(p, req.action)) : list(s.Action).some((p) => actionMatches(p, req.action));
  if (!action) return false;
  return s.NotResource !== undefined ? !list(s.NotResource).some((p) => resourceMatches(p, req.resource)) : list(s.Resource).some((p) => resourceMatches(p, req.resource));
}

/** The decision of `policies` (all of one principal) for `req`. */
export function evaluatePolicies(policies: readonly PolicyDocument[], req: AuthorizationRequest): Decision {
  let allowed = false;
  const unevaluated: string[] = [];
  for (const s of policies.flatMap(statementsOf)) {
    if (!covers(s, req)) continue;
    const cond = s.Condition ? evaluateCondition(s.Condition, req.context) : { result: true as const, unevaluated: [] };
    if (s.Effect === "Deny") {
      // A Deny whose condition cannot be evaluated is taken as matching: never allow what AWS may deny.
      if (cond.result !== false) return { allowed: false, explicit: true, unevaluated: cond.unevaluated };
    } else if (s.Effect === "Allow") {
      if (cond.result === true) allowed = true;
      else unevaluated.push(...cond.unevaluated);
    }
  }
  return { allowed, explicit: false, unevaluated: allowed ? [] : [...new Set(unevaluated)] };
}
