// What the local stack's IAM gate makes of the program's graph: each function's role session with
// the policies of its role, and those policies allow each function exactly the table and queue
// actions of runtime/contract/permissions.ts (plus the worker's poll grant), on its own resources.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { QUEUE_POLL_ACTIONS } from "../../components/queue-with-dlq";
import { iamGateConfig } from "../../local/iam/iam-twins";
import { evaluatePolicies } from "../../local/iam/policy-evaluation";
import { issueRoleCredentials } from "../../local/iam/role-credentials";
import { FUNCTION_PERMISSIONS, tableActions } from "../../runtime/contract/permissions";
import { one, runStack, TYPES } from "./harness";
import { PROD_SETUP } from "./stacks";

const LABELS = ["ingest", "worker", "query", "operator"] as const;
const TABLE_ACTIONS = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchWriteItem"];
const QUEUE_ACTIONS = ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:PurgeQueue", "sqs:ChangeMessageVisibility"];

for (const stack of ["dev", "prod"]) {
  test(`${stack}: each function's role allows exactly its contract's actions, on its own table, queue and DLQ`, async () => {
    const run = await runStack(stack, stack === "prod" ? PROD_SETUP : {});
    const fns = LABELS.map((label) => one(run, TYPES.fn, `sluice-${label}-function`));
    const { config, notes } = iamGateConfig(
      run,
      fns.map((f) => ({ functionName: String(f.state.name), roleArn: String(f.inputs.role), credentials: issueRoleCredentials() })),
    );
    assert.equal(notes, [], "everything the program grants is understood");
    const tableArn = String(one(run, TYPES.table).state.arn);
    const queueArn = String(one(run, TYPES.queue, "sluice-events-queue").state.arn);
    const dlqArn = String(one(run, TYPES.queue, "sluice-events-dlq").state.arn);

    LABELS.forEach((label, i) => {
      const p = config.principals.find((x) => x.kind === "role" && x.roleArn === fns[i].inputs.role);
      assert.ok(p && p.kind === "role", `${label} has a role session`);
      if (!p || p.kind !== "role") return;
      assert.ok(p.sessionArn.endsWith(`/${fns[i].state.name}`), "the session is named after the function, as Lambda names it");
      const allowed = (action: string, resource: string) => evaluatePolicies(p.policies, { action, resource, context: {} }).allowed;
      const granted = { ...FUNCTION_PERMISSIONS[label], table: tableActions(label, { failureModes: run.config["sluice:failureModes"] === "true" }) };
      const queueGrants = [...granted.queue, ...(label === "worker" ? QUEUE_POLL_ACTIONS : [])];
      assert.equal(TABLE_ACTIONS.filter((a) => allowed(a, tableArn)), TABLE_ACTIONS.filter((a) => granted.table.includes(a)), `${label} on the table`);
      assert.equal(QUEUE_ACTIONS.filter((a) => allowed(a, queueArn)), QUEUE_ACTIONS.filter((a) => queueGrants.includes(a)), `${label} on the queue`);
      assert.equal(QUEUE_ACTIONS.filter((a) => allowed(a, dlqArn)), QUEUE_ACTIONS.filter((a) => granted.dlq.includes(a)), `${label} on the DLQ`);
      // A Query is authorized on an index's ARN: the failed index is there on every stack.
      const failedIndex = `${tableArn}/index/failedByCategory`;
      assert.is(allowed("dynamodb:Query", failedIndex), granted.table.includes("dynamodb:Query"), `${label} Query on the failed index`);
      assert.is(allowed("execute-api:Invoke", "arn:aws:execute-api:us-east-1:123456789012:api/$default/GET/admin/dlq"), false, `${label} may not call the admin routes`);
      assert.not.ok(allowed("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:123456789012:table/another"), "another table");
    });
  });
}

test.run();
