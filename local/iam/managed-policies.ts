// The AWS managed policies the local stack knows, by ARN: the ones Lambda roles commonly attach,
// and the ones Pulumi's CallbackFunction attaches to the role it creates when given none. Only the
// statements for the services emulated here (DynamoDB, SQS) and logs are kept: the published
// documents grant more, on services no local twin checks. A managed policy not listed grants
// nothing locally, and the local stack says so at start.
import type { PolicyDocument } from "./policy-evaluation";

const LOGS = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"];

const allow = (Action: string[], Resource = "*"): PolicyDocument => ({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action, Resource }] });

export const MANAGED_POLICIES: Readonly<Record<string, PolicyDocument>> = {
  "arn:aws:iam::aws:policy/AdministratorAccess": allow(["*"]),
  "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess": allow(["dynamodb:*"]),
  "arn:aws:iam::aws:policy/AmazonSQSFullAccess": allow(["sqs:*"]),
  "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole": allow(LOGS),
  "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole": allow(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", ...LOGS]),
  "arn:aws:iam::aws:policy/service-role/AWSLambdaDynamoDBExecutionRole": allow(["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams", ...LOGS]),
};
