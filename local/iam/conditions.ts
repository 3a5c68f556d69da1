// The part of IAM's Condition element the local stack can evaluate honestly: string, ARN, Bool and
// Null operators (and their IfExists forms) on the global keys it knows for every call (who calls,
// from which account, in which region, over TLS as the SDK always is on AWS). Anything else (other
// operators, set qualifiers, service keys like dynamodb:LeadingKeys, aws:SourceIp…) is reported as
// unevaluated, and policy-evaluation.ts counts it against the caller.

import { globRegExp } from "./glob";

/** Condition key (lower-case) → its value for this request; absent keys are not in the request. */
export type RequestContext = Record<string, string | undefined>;

/** `{ Operator: { key: value | values } }` as a policy spells it. */
export type ConditionBlock = Record<string, Record<string, unknown>>;

export type ConditionResult = { result: boolean | "unknown"; unevaluated: string[] };

/** The keys the local stack supplies for a call; any other key is unevaluated. */
export const KNOWN_CONDITION_KEYS = ["aws:principalarn", "aws:principalaccount", "aws:principaltype", "aws:requestedregion", "aws:securetransport"];

type Test = (given: string, wanted: string) => boolean;

const like = (ignoreCase: boolean): Test => (given, wanted) => globRegExp(wanted, ignoreCase ? "i" : "").test(given);

/** Positive operators; each has a negated `…Not…` form below. */
const TESTS: Record<string, Test> = {
  StringEquals: (g, w) => g === w,
  StringEqualsIgnoreCase: (g, w) => g.toLowerCase() === w.toLowerCase(),
  StringLike: like(false),
  ArnEquals: like(false),
  ArnLike: like(false),
  Bool: (g, w) => g.toLowerCase() === w.toLowerCase(),
};
const NEGATED: Record<string, string> = {
  StringNotEquals: "StringEquals",
  StringNotEqualsIgnoreCase: "StringEqualsIgnoreCase",
  StringNotLike: "StringLike",
  ArnNotEquals: "ArnEquals",
  ArnNotLike: "ArnLike",
};

function values(v: unknown): string[] {
  return (Array.isArray(v) ? v : [v]).map(String);
}

/** One operator on one key: true, false, or unknown when the operator or key is not supported. */
function evaluateOne(operator: string, key: string, wanted: unknown, ctx: RequestContext): boolean | "unknown" {
  const k = key.toLowerCase();
  if (!KNOWN_CONDITION_KEYS.includes(k)) return "unknown";
  const given = ctx[k];
  if (operator === "Null") return values(wanted).some((w) => (w.toLowerCase() === "true") === (given === undefined));
  const ifExists = operator.endsWith("IfExists");
  const base = ifExists ? operator.slice(0, -"IfExists".length) : operator;
  const negatedOf = NEGATED[base];
  const test = TESTS[negatedOf ?? base];
  if (!test) return "unknown";
  if (given === undefined) return ifExists || negatedOf !== undefined;
  const any = values(wanted).some((w) => test(given, w));
  return negatedOf ? !any : any;
}

/** All operators and keys of a block must hold (AND); values within one key are alternatives (OR). */
export function evaluateCondition(block: ConditionBlock, ctx: RequestContext): ConditionResult {
  let result: boolean | "unknown" = true;
  const unevaluated: string[] = [];
  for (const [operator, keys] of Object.entries(block)) {
    for (const [key, wanted] of Object.entries(keys ?? {})) {
      const r = evaluateOne(operator, key, wanted, ctx);
      if (r === false) result = false;
      else if (r === "unknown") {
        unevaluated.push(`${operator} ${key}`);
        if (result === true) result = "unknown";
      }
    }
  }
  return { result, unevaluated };
}
