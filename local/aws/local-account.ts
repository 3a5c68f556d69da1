// The one account, region and key pair every local twin and every function instance share, and
// the environment that points an unchanged AWS SDK v3 client at the local endpoints.

// The local stack's own tool credentials: with them it creates the tables and queues, saves and
// restores messages; to the twins' IAM gate (local/iam/) they are the account's admin, and the
// chaos gate never faults a request they signed (a verified signature, not a claim). Tests and
// tools that look inside a local stack use them too. Functions and pollers sign with a role's.
export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };
export const LOCAL_REGION = "us-east-1";
export const LOCAL_ACCOUNT_ID = "123456789012";

/**
 * The environment an AWS SDK v3 client needs to talk to the local servers with no code change:
 * the standard service-specific endpoint variables, a region and the tool credentials.
 */
export function localAwsEnv(endpoints: { dynamodb?: string; sqs?: string; eventbridge?: string; secretsmanager?: string }): Record<string, string> {
  const env: Record<string, string> = {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  };
  if (endpoints.dynamodb) env.AWS_ENDPOINT_URL_DYNAMODB = endpoints.dynamodb;
  if (endpoints.sqs) env.AWS_ENDPOINT_URL_SQS = endpoints.sqs;
  if (endpoints.eventbridge) env.AWS_ENDPOINT_URL_EVENTBRIDGE = endpoints.eventbridge;
  if (endpoints.secretsmanager) env.AWS_ENDPOINT_URL_SECRETS_MANAGER = endpoints.secretsmanager;
  return env;
}
