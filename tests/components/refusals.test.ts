// Config a real deploy would fail on or silently regret is refused before anything is created, with
// a message that names the config key: first each rule on its own, then the program refusing the
// stack configs that once shipped (prod's placeholder alarm email, its 14-day main queue).
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { alarmMetricArgs, checkAlarmShape } from "../../components/alarm-metric";
import { alarmEmailFor } from "../../components/alarm-email";
import { checkPublishedDimensions } from "../../components/metric-dimensions";
import { checkDlqRetention, checkMappingConcurrency, checkOutlastsCalls, checkReservedConcurrency } from "../../components/sizing";
import { buildStatements } from "../../components/key-policy";
import { PROD_SETUP } from "./stacks";
import { runRefused } from "./refused";

const rules = suite("deploy rules");

rules("metrics are refused with a dimension set CloudWatch never publishes them with", () => {
  assert.throws(() => checkPublishedDimensions("AWS/DynamoDB", "SystemErrors", ["TableName"]), /never published with dimensions \{TableName\}.*\{Operation, TableName\}/);
  assert.not.throws(() => checkPublishedDimensions("AWS/DynamoDB", "SystemErrors", ["TableName", "Operation"]));
  assert.throws(() => checkPublishedDimensions("AWS/ApiGateway", "5XXError", ["ApiId", "Stage"]), /not in components\/metric-dimensions.ts/);
  assert.throws(() => checkPublishedDimensions("AWS/ApiGateway", "5xx", ["ApiName"]), /never published/);
  assert.throws(() => checkPublishedDimensions("AWS/SQS", "ApproximateAgeOfOldestMessage", []), /never published/);
  assert.not.throws(() => checkPublishedDimensions("AWS/Lambda", "Errors", ["FunctionName"]));
});

rules("alarm shape: metric math never beside single-metric fields, one returned series, at most 10 metrics", () => {
  const query = (id: string, returnData: boolean) => ({ id, returnData, metric: { namespace: "AWS/DynamoDB", metricName: "SystemErrors", period: 300, stat: "Sum" } });
  const sum = { id: "total", expression: "SUM([m0])", returnData: true };
  assert.throws(() => checkAlarmShape("a", { metricName: "SystemErrors", metricQueries: [sum, query("m0", false)] } as never), /conflicts with metricName/);
  assert.throws(() => checkAlarmShape("a", { metricQueries: [query("m0", false)] } as never), /exactly one/);
  assert.throws(() => checkAlarmShape("a", { metricQueries: [sum, ...Array.from({ length: 11 }, (_, i) => query(`m${i}`, false))] } as never), /more than 10/);
  assert.throws(() => checkAlarmShape("a", {} as never), /neither metricName nor metricQueries/);
  assert.not.throws(() => checkAlarmShape("a", { metricQueries: [sum, query("m0", false)] } as never));
  assert.throws(() => alarmMetricArgs([], 60), /at least one metric/);
});

rules("the DLQ must outlive the main queue by a day, within SQS's retention range", () => {
  assert.throws(() => checkDlqRetention("q", 1_209_600, 1_209_600), /sluice:messageRetentionSeconds to at most 1123200/);
  assert.throws(() => checkDlqRetention("q", 1_123_201, 1_209_600), /at most 1123200/);
  assert.not.throws(() => checkDlqRetention("q", 1_123_200, 1_209_600));
  assert.not.throws(() => checkDlqRetention("q", 604_800, 1_209_600));
  assert.throws(() => checkDlqRetention("q", 30, 1_209_600), /outside SQS's 60-1209600s/);
  assert.throws(() => checkDlqRetention("q", 86_400, 1_209_601), /outside/);
});

rules("reserved concurrency: -1 or at least 1; the mapping may not drive more than is reserved", () => {
  assert.is(checkReservedConcurrency("f", -1), -1);
  assert.is(checkReservedConcurrency("f", 20), 20);
  assert.throws(() => checkReservedConcurrency("f", 0), /0 would stop the function/);
  assert.throws(() => checkReservedConcurrency("f", -5), /-1 \(none\) or a positive integer/);
  assert.throws(() => checkReservedConcurrency("f", 2.5), /positive integer/);
  assert.not.throws(() => checkMappingConcurrency("w", 20, -1));
  assert.not.throws(() => checkMappingConcurrency("w", 20, 20));
  assert.throws(() => checkMappingConcurrency("w", 20, 10), /sluice:workerMaxConcurrency.*sluice:workerReservedConcurrency.*at least 20/);
  assert.throws(() => checkMappingConcurrency("w", 1, -1), /2-1000/);
  assert.throws(() => checkMappingConcurrency("w", 1001, -1), /2-1000/);
});

rules("a timeout must outlast its AWS calls at their deadline", () => {
  assert.not.throws(() => checkOutlastsCalls("ingest", 9, 3, 2500));
  assert.throws(() => checkOutlastsCalls("ingest", 8, 3, 2500), /sluice:ingestTimeoutSeconds to at least 9/);
  assert.throws(() => checkOutlastsCalls("query", 3, 1, 2500), /sluice:queryTimeoutSeconds to at least 4/);
});

rules("alarm email: required on a protected stack, never a placeholder, 'none' as the explicit opt-out", () => {
  assert.throws(() => alarmEmailFor({ alarmEmail: "", protect: true }), /sluice:alarmEmail is not set on this protected stack.*pulumi config set sluice:alarmEmail/);
  assert.throws(() => alarmEmailFor({ alarmEmail: undefined, protect: true }), /sluice:alarmEmail/);
  assert.is(alarmEmailFor({ alarmEmail: "", protect: false }), undefined);
  assert.is(alarmEmailFor({ alarmEmail: "none", protect: true }), undefined);
  assert.is(alarmEmailFor({ alarmEmail: " oncall@acme-corp.com ", protect: true }), "oncall@acme-corp.com");
  for (const placeholder of ["sluice-oncall@example.com", "a@example.org", "a@mail.example", "a@x.test", "a@x.invalid"]) {
    assert.throws(() => alarmEmailFor({ alarmEmail: placeholder, protect: false }), /placeholder/, placeholder);
  }
  assert.throws(() => alarmEmailFor({ alarmEmail: "oncall", protect: true }), /not an email address/);
});

rules("key policy statements merge roles per service and never repeat a Sid", () => {
  const where = { project: "sluice", stack: "prod", account: "111122223333", region: "eu-west-1", partition: "aws" };
  const statements = buildStatements(
    [
      { kind: "service", name: "cloudwatch-alarms", principal: "cloudwatch.amazonaws.com", actions: ["kms:GenerateDataKey*", "kms:Decrypt"] },
      { kind: "role", via: "sqs", roleArn: "arn:aws:iam::111122223333:role/b", actions: ["kms:Decrypt"] },
      { kind: "role", via: "sqs", roleArn: "arn:aws:iam::111122223333:role/a", actions: ["kms:GenerateDataKey", "kms:Decrypt"] },
    ],
    where,
  );
  assert.equal(statements, [
    { Sid: "sluice-prod-cloudwatch-alarms", Effect: "Allow", Principal: { Service: "cloudwatch.amazonaws.com" }, Action: ["kms:Decrypt", "kms:GenerateDataKey*"], Resource: "*" },
    {
      Sid: "sluice-prod-functions-via-sqs",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::111122223333:root" },
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: "*",
      Condition: { StringEquals: { "kms:ViaService": "sqs.eu-west-1.amazonaws.com" }, ArnEquals: { "aws:PrincipalArn": ["arn:aws:iam::111122223333:role/a", "arn:aws:iam::111122223333:role/b"] } },
    },
  ]);
});

rules.run();

const program = suite("the program refuses what once shipped");

program("prod without an alarm email, prod's old 14-day queue, and a worker reserving less than its queue drives", async () => {
  const [noEmail, oldRetention, starved] = await Promise.all([
    runRefused("prod", {}),
    runRefused("prod", { ...PROD_SETUP, "sluice:messageRetentionSeconds": "1209600" }),
    runRefused("dev", { "sluice:workerReservedConcurrency": "1" }),
  ]);
  assert.is(noEmail.status, 1, noEmail.output);
  assert.match(noEmail.output, /REFUSED: sluice:alarmEmail is not set on this protected stack/);
  assert.is(oldRetention.status, 1, oldRetention.output);
  assert.match(oldRetention.output, /REFUSED: .*sluice:messageRetentionSeconds to at most 1123200/);
  assert.is(starved.status, 1, starved.output);
  assert.match(starved.output, /REFUSED: .*queue may drive 2 concurrent invocations.*only 1 are reserved/);
});

program("a bad source or a missing secret is refused before anything is made, naming the key", async () => {
  const [scheme, secret, stray] = await Promise.all([
    runRefused("dev", { "sluice:sources": JSON.stringify({ gh: { verify: "gitlab" } }), "sluice:sourceSecrets": "{}" }),
    runRefused("dev", { "sluice:sources": JSON.stringify({ gh: { verify: "github" } }), "sluice:sourceSecrets": "{}" }),
    runRefused("dev", { "sluice:sources": JSON.stringify({ gh: { verify: "github" } }) }),
  ]);
  assert.is(scheme.status, 1, scheme.output);
  assert.match(scheme.output, /REFUSED: sluice:sources.gh.verify must be one of none, standard-webhooks, github, stripe, hmac-sha256/);
  assert.match(secret.output, /REFUSED: sluice:sourceSecrets.gh is required: source gh verifies github signatures/);
  assert.match(stray.output, /REFUSED: sluice:sourceSecrets.demo names no source of sluice:sources/);
});

program.run();
