// Every `transform` hook of every component, used the two ways a caller can: a partial object that
// overrides the component's args, and a function that edits the args and renames the child. Each
// component is built alone under mocks and the effect is read off the recorded resource.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { ResourceRecord } from "../../local/program/resource-record";
import { buildAlone, named } from "./alone";
import { TYPES } from "./harness";
import { sampleComponents, type SampleTransforms } from "./sample-components";

interface Hook {
  component: keyof SampleTransforms;
  hook: string;
  type: string;
  /** The children the hook applies to in the sample; all of `type` when omitted. */
  children?: string[];
  /** The arg the transform sets, and where it shows in the recorded inputs (default: the same). */
  arg: string;
  input?: string;
  value: unknown;
}

const HOOKS: Hook[] = [
  { component: "fn", hook: "role", type: TYPES.role, children: ["sluice-worker-role"], arg: "maxSessionDuration", value: 7200 },
  { component: "fn", hook: "logGroup", type: TYPES.logGroup, children: ["sluice-worker-logs"], arg: "logGroupClass", value: "INFREQUENT_ACCESS" },
  { component: "fn", hook: "logPolicy", type: TYPES.rolePolicy, children: ["sluice-worker-logs-access"], arg: "namePrefix", value: "logs-" },
  { component: "fn", hook: "tracingPolicy", type: TYPES.rolePolicy, children: ["sluice-worker-xray-tracing"], arg: "namePrefix", value: "xray-" },
  { component: "fn", hook: "function", type: TYPES.fn, children: ["sluice-worker-function"], arg: "description", value: "set by a transform" },
  { component: "table", hook: "table", type: TYPES.table, children: ["sluice-idempotency-table"], arg: "streamEnabled", value: true },
  { component: "table", hook: "grant", type: TYPES.rolePolicy, children: ["sluice-worker-table-read"], arg: "namePrefix", value: "table-" },
  { component: "queue", hook: "queue", type: TYPES.queue, children: ["sluice-events-queue"], arg: "delaySeconds", value: 5 },
  { component: "queue", hook: "dlq", type: TYPES.queue, children: ["sluice-events-dlq"], arg: "delaySeconds", value: 7 },
  { component: "queue", hook: "grant", type: TYPES.rolePolicy, children: ["sluice-worker-queue-access", "sluice-worker-queue-poll"], arg: "namePrefix", value: "queue-" },
  { component: "queue", hook: "subscription", type: TYPES.esm, children: ["sluice-worker-subscription"], arg: "enabled", value: false },
  { component: "api", hook: "api", type: TYPES.api, children: ["sluice-api-api"], arg: "description", value: "set by a transform" },
  { component: "api", hook: "integration", type: TYPES.integration, children: ["sluice-api-fn-integration"], arg: "timeoutMilliseconds", value: 5000 },
  { component: "api", hook: "route", type: TYPES.route, children: ["sluice-api-route-post-things"], arg: "authorizationType", value: "AWS_IAM" },
  { component: "api", hook: "permission", type: TYPES.permission, children: ["sluice-api-fn-permission"], arg: "statementId", value: "from-a-transform" },
  { component: "api", hook: "accessLogGroup", type: TYPES.logGroup, children: ["sluice-api-access-logs"], arg: "retentionInDays", value: 3 },
  { component: "api", hook: "authorizer", type: "aws:apigatewayv2/authorizer:Authorizer", children: ["sluice-api-jwt-authorizer"], arg: "name", value: "from-a-transform" },
  { component: "api", hook: "stage", type: TYPES.stage, children: ["sluice-api-stage"], arg: "description", value: "set by a transform" },
  { component: "alarms", hook: "topic", type: TYPES.topic, children: ["sluice-alarms-topic"], arg: "displayName", value: "Sluice alarms" },
  { component: "alarms", hook: "subscription", type: TYPES.subscription, children: ["sluice-alarms-email"], arg: "endpoint", value: "oncall@example.com" },
  { component: "alarms", hook: "alarm", type: TYPES.alarm, arg: "evaluationPeriods", value: 3 },
  { component: "bus", hook: "bus", type: TYPES.bus, children: ["sluice-fanout-bus"], arg: "description", value: "set by a transform" },
  { component: "bus", hook: "grant", type: TYPES.rolePolicy, children: ["sluice-worker-bus-publish"], arg: "namePrefix", value: "bus-" },
  { component: "queries", hook: "query", type: TYPES.queryDefinition, arg: "queryString", value: "fields @message" },
  { component: "secrets", hook: "secret", type: TYPES.secret, children: ["sluice-sources-hook"], arg: "description", value: "set by a transform" },
  { component: "secrets", hook: "version", type: TYPES.secretVersion, children: ["sluice-sources-hook-value"], arg: "versionStages", value: ["AWSCURRENT", "sluice"] },
  { component: "secrets", hook: "grant", type: TYPES.rolePolicy, children: ["sluice-worker-secrets-read"], arg: "namePrefix", value: "secrets-" },
  { component: "dashboard", hook: "dashboard", type: TYPES.dashboard, children: ["sluice-dashboard"], arg: "name", input: "dashboardName", value: "ops-board" },
];

function transformsFrom(make: (h: Hook) => unknown): SampleTransforms {
  const out: Record<string, Record<string, unknown>> = {};
  for (const h of HOOKS) (out[h.component] ??= {})[h.hook] = make(h);
  return out as SampleTransforms;
}

function childrenOf(run: ResourceRecord[], h: Hook): string[] {
  return h.children ?? run.filter((r) => r.type === h.type).map((r) => r.name);
}

const test = suite("component transforms");
let plain: ResourceRecord[];
test.before(async () => {
  plain = await buildAlone(() => sampleComponents());
});

test("without a transform no hook's value is there already (so the checks below can fail)", () => {
  assert.ok(plain.filter((r) => r.type === TYPES.alarm).length >= 9, "the sample has every kind of alarm");
  for (const h of HOOKS) {
    for (const child of childrenOf(plain, h)) assert.is.not(named(plain, h.type, child).inputs[h.input ?? h.arg], h.value, `${h.component}.${h.hook}: ${child}`);
  }
});

test("a partial object is merged over the component's args, on every child of its hook", async () => {
  const run = await buildAlone(() => sampleComponents(transformsFrom((h) => ({ [h.arg]: h.value }))));
  for (const h of HOOKS) {
    const children = childrenOf(plain, h);
    for (const child of children) assert.equal(named(run, h.type, child).inputs[h.input ?? h.arg], h.value, `${h.component}.${h.hook}: ${child}`);
  }
  // The merge replaces one arg, not the others.
  assert.is(named(run, TYPES.queue, "sluice-events-queue").inputs.visibilityTimeoutSeconds, 60);
});

test("a function edits the args in place and renames the child", async () => {
  const run = await buildAlone(() =>
    sampleComponents(
      transformsFrom((h) => (args: Record<string, unknown>, _opts: unknown, name: string) => {
        args[h.arg] = h.value;
        return { name: `${name}-renamed` };
      }),
    ),
  );
  for (const h of HOOKS) {
    for (const child of childrenOf(plain, h)) {
      assert.equal(named(run, h.type, `${child}-renamed`).inputs[h.input ?? h.arg], h.value, `${h.component}.${h.hook}: ${child}`);
      assert.not.ok(run.some((r) => r.type === h.type && r.name === child), `${child} kept its name`);
    }
  }
});

test.run();
