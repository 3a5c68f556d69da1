// SDK clients, built once per cold start. Endpoints come only from the standard
// AWS_ENDPOINT_URL_* variables (read by the SDK itself), so the same code talks to local servers.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";

// Short socket timeouts: a hung dependency must become a 503 well inside the API's 30 s limit,
// not a function timeout that the client sees as a 500.
const HTTP_OPTIONS = { connectionTimeout: 1000, requestTimeout: 3000 };

export function createDocumentClient(): DynamoDBDocumentClient {
  const base = new DynamoDBClient({ maxAttempts: 3, requestHandler: HTTP_OPTIONS });
  return DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
}

export function createSqsClient(): SQSClient {
  return new SQSClient({ maxAttempts: 3, requestHandler: HTTP_OPTIONS });
}
