// IAM policy evaluation as the local gate does it, and what each DynamoDB and SQS call asks IAM
// for: pure functions, no stack needed.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { actionMatches, evaluatePolicies, resourceMatches, type PolicyDocument, type Statement } from "../../local/iam/policy-evaluation";
import { dynamoDbAuthorizations, queueArnOfUrl, sqsAuthorizations } from "../../local/iam/request-authorizations";
import { localizeArn } from "../../local/iam/role-policies";

const TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/events";
const QUEUE = "arn:aws:sqs:us-east-1:123456789012:events";
const ctx = { "aws:principalarn": "arn:aws:iam::123456789012:role/ingest", "aws:requestedregion": "us-east-1", "aws:securetransport": "true" };
const doc = (...Statement: Statement[]): PolicyDocument => ({ Version: "2012-10-17", Statement });
const allows = (policies: PolicyDocument[], action: string, resource: string) => evaluatePolicies(policies, { action, resource, context: ctx }).allowed;

test("actions: `*` and `?` wildcards, case-insensitive, the service prefix included", () => {
  assert.ok(actionMatches("dynamodb:PutItem", "dynamodb:PutItem"));
  assert.ok(actionMatches("DynamoDB:putitem", "dynamodb:PutItem"));
  assert.ok(actionMatches("dynamodb:*Item", "dynamodb:DeleteItem"));
  assert.ok(actionMatches("dynamodb:Get?tem", "dynamodb:GetItem"));
  assert.ok(actionMatches("*", "sqs:SendMessage"));
  assert.not.ok(actionMatches("dynamodb:Get*", "dynamodb:PutItem"));
  assert.not.ok(actionMatches("dynamodb:PutItem", "sqs:PutItem"));
  assert.not.ok(actionMatches("dynamodb:Put", "dynamodb:PutItem"), "a pattern matches the whole name");
});

test("resources: ARN wildcards per segment; table/* covers the table's indexes; case-sensitive", () => {
  assert.ok(resourceMatches(TABLE, TABLE));
  assert.ok(resourceMatches("arn:aws:dynamodb:*:123456789012:table/ev*", TABLE));
  assert.ok(resourceMatches("arn:aws:dynamodb:us-east-1:123456789012:table/*", `${TABLE}/index/bySource`));
  assert.not.ok(resourceMatches(TABLE, `${TABLE}/index/bySource`), "the table's ARN alone does not cover its indexes");
  assert.not.ok(resourceMatches("arn:aws:dynamodb:us-east-1:123456789012:table/Events", TABLE));
  assert.not.ok(resourceMatches("arn:aws:*", TABLE), "a wildcard does not span segments");
  assert.ok(resourceMatches("*", "*"));
});

test("an explicit Deny wins over any Allow; without an Allow the request is implicitly denied", () => {
  const allow = doc({ Effect: "Allow", Action: ["dynamodb:*"], Resource: "*" });
  const deny = doc({ Effect: "Deny", Action: "dynamodb:DeleteItem", Resource: TABLE });
  assert.ok(allows([allow, deny], "dynamodb:PutItem", TABLE));
  assert.equal(evaluatePolicies([allow, deny], { action: "dynamodb:DeleteItem", resource: TABLE, context: ctx }), { allowed: false, explicit: true, unevaluated: [] });
  assert.equal(evaluatePolicies([deny], { action: "dynamodb:PutItem", resource: TABLE, context: ctx }), { allowed: false, explicit: false, unevaluated: [] });
  assert.not.ok(allows([], "dynamodb:GetItem", TABLE));
});

test("NotAction and NotResource cover everything but what they name", () => {
  const p = [doc({ Effect: "Allow", NotAction: "dynamodb:Delete*", Resource: TABLE }), doc({ Effect: "Allow", Action: "sqs:SendMessage", NotResource: QUEUE })];
  assert.ok(allows(p, "dynamodb:PutItem", TABLE));
  assert.not.ok(allows(p, "dynamodb:DeleteItem", TABLE));
  assert.ok(allows(p, "sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:other"));
  assert.not.ok(allows(p, "sqs:SendMessage", QUEUE));
});

test("conditions on known keys are evaluated; IfExists and negated operators on absent keys; Null", () => {
  const when = (Condition: Statement["Condition"]) => [doc({ Effect: "Allow", Action: "dynamodb:GetItem", Resource: TABLE, Condition })];
  assert.ok(allows(when({ StringEquals: { "aws:RequestedRegion": ["eu-west-1", "us-east-1"] } }), "dynamodb:GetItem", TABLE));
  assert.not.ok(allows(when({ StringEquals: { "aws:RequestedRegion": "eu-west-1" } }), "dynamodb:GetItem", TABLE));
  assert.ok(allows(when({ ArnLike: { "aws:PrincipalArn": "arn:aws:iam::123456789012:role/*" } }), "dynamodb:GetItem", TABLE));
  assert.ok(allows(when({ Bool: { "aws:SecureTransport": "true" } }), "dynamodb:GetItem", TABLE));
  assert.ok(allows(when({ StringEqualsIfExists: { "aws:PrincipalAccount": "999999999999" } }), "dynamodb:GetItem", TABLE), "absent key, IfExists: holds");
  assert.ok(allows(when({ StringNotEquals: { "aws:PrincipalAccount": "999999999999" } }), "dynamodb:GetItem", TABLE), "absent key, negated: holds");
  assert.ok(allows(when({ Null: { "aws:PrincipalAccount": "true" } }), "dynamodb:GetItem", TABLE));
  assert.not.ok(allows(when({ StringEquals: { "aws:RequestedRegion": "us-east-1" }, Bool: { "aws:SecureTransport": "false" } }), "dynamodb:GetItem", TABLE), "every operator must hold");
});

test("a condition that cannot be evaluated locally counts against the caller: its Allow does not allow, its Deny denies", () => {
  const leading = { "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": ["tenant-1"] } };
  const allowIf = doc({ Effect: "Allow", Action: "dynamodb:GetItem", Resource: TABLE, Condition: leading });
  assert.equal(evaluatePolicies([allowIf], { action: "dynamodb:GetItem", resource: TABLE, context: ctx }), { allowed: false, explicit: false, unevaluated: ["ForAllValues:StringEquals dynamodb:LeadingKeys"] });
  const everything = doc({ Effect: "Allow", Action: "*", Resource: "*" });
  const denyIf = doc({ Effect: "Deny", Action: "dynamodb:*", Resource: "*", Condition: { IpAddress: { "aws:SourceIp": "10.0.0.0/8" } } });
  const d = evaluatePolicies([everything, denyIf], { action: "dynamodb:GetItem", resource: TABLE, context: ctx });
  assert.equal(d, { allowed: false, explicit: true, unevaluated: ["IpAddress aws:SourceIp"] });
});

test("DynamoDB calls: the table's ARN, an index's own ARN, one authorization per table of a batch, the item action per transaction item", () => {
  const w = { region: "us-east-1", accountId: "123456789012" };
  const b = (o: unknown) => Buffer.from(JSON.stringify(o));
  assert.equal(dynamoDbAuthorizations("PutItem", b({ TableName: "events", Item: {} }), w), [{ action: "dynamodb:PutItem", resource: TABLE }]);
  assert.equal(dynamoDbAuthorizations("Query", b({ TableName: "events", IndexName: "bySource" }), w), [{ action: "dynamodb:Query", resource: `${TABLE}/index/bySource` }]);
  assert.equal(dynamoDbAuthorizations("GetItem", b({ TableName: TABLE }), w), [{ action: "dynamodb:GetItem", resource: TABLE }], "a table ARN is taken as given");
  assert.equal(dynamoDbAuthorizations("BatchWriteItem", b({ RequestItems: { events: [], other: [] } }), w).map((a) => a.resource), [TABLE, "arn:aws:dynamodb:us-east-1:123456789012:table/other"]);
  assert.equal(dynamoDbAuthorizations("TransactWriteItems", b({ TransactItems: [{ Put: { TableName: "events" } }, { ConditionCheck: { TableName: "events" } }] }), w), [
    { action: "dynamodb:PutItem", resource: TABLE },
    { action: "dynamodb:ConditionCheckItem", resource: TABLE },
  ]);
  assert.equal(dynamoDbAuthorizations("ListTables", b({}), w), [{ action: "dynamodb:ListTables", resource: "*" }]);
});

test("SQS calls: the queue's ARN from its URL (JSON or query protocol), batch calls as their single action", () => {
  const w = { region: "us-east-1", accountId: "123456789012" };
  const url = "http://127.0.0.1:4566/123456789012/events";
  assert.is(queueArnOfUrl(url, w), QUEUE);
  const json = (o: unknown) => Buffer.from(JSON.stringify(o));
  assert.equal(sqsAuthorizations("SendMessageBatch", json({ QueueUrl: url, Entries: [] }), "/", "application/x-amz-json-1.0", w), [{ action: "sqs:SendMessage", resource: QUEUE }]);
  assert.equal(sqsAuthorizations("DeleteMessageBatch", json({ QueueUrl: url }), "/", undefined, w), [{ action: "sqs:DeleteMessage", resource: QUEUE }]);
  assert.equal(sqsAuthorizations("ReceiveMessage", Buffer.from("Action=ReceiveMessage"), "/123456789012/events", "application/x-www-form-urlencoded", w), [{ action: "sqs:ReceiveMessage", resource: QUEUE }]);
  assert.equal(sqsAuthorizations("GetQueueUrl", json({ QueueName: "events" }), "/", undefined, w), [{ action: "sqs:GetQueueUrl", resource: QUEUE }]);
  assert.equal(sqsAuthorizations("ListQueues", json({}), "/", undefined, w), [{ action: "sqs:ListQueues", resource: "*" }]);
});

test("the program's ARNs in its own region are mapped to the local region; other regions and wildcards stay", () => {
  assert.is(localizeArn("arn:aws:dynamodb:eu-west-1:123456789012:table/t", "eu-west-1", "us-east-1"), "arn:aws:dynamodb:us-east-1:123456789012:table/t");
  assert.is(localizeArn("arn:aws:dynamodb:*:123456789012:table/t", "eu-west-1", "us-east-1"), "arn:aws:dynamodb:*:123456789012:table/t");
  assert.is(localizeArn("arn:aws:sqs:ap-south-1:123456789012:q", "eu-west-1", "us-east-1"), "arn:aws:sqs:ap-south-1:123456789012:q");
  assert.is(localizeArn("*", "eu-west-1", "us-east-1"), "*");
});

test.run();
