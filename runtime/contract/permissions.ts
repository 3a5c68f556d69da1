// The exact IAM actions each function's code calls, read by index.ts to build least-privilege
// roles: if a handler starts calling a new API, this list (and so the policy) changes in the same
// commit. What AWS itself calls with a role is granted by the component that creates that
// integration (QUEUE_POLL_ACTIONS in components/queue-with-dlq.ts for the worker's subscription).
import type { FunctionName } from "./environment";

export interface FunctionPermissions {
  /** Actions on the IdempotentTable (its ARN). */
  table: string[];
  /** Actions on the main queue of QueueWithDlq (its ARN). */
  queue: string[];
  /** Actions on the sources' Secrets Manager secrets (exactly their ARNs; components/source-secrets.ts). */
  secrets: string[];
}

export const FUNCTION_PERMISSIONS: Record<FunctionName, FunctionPermissions> = {
  ingest: {
    // PutItem: the lease record (write 1); DeleteItem: its compensation after a failed send;
    // GetItem: the conflict fallback when the store does not return the old item.
    table: ["dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:GetItem"],
    // SendMessage serves both one event and a batch (SendMessageBatch is authorized as SendMessage).
    queue: ["sqs:SendMessage"],
    // GetSecretValue: a source's signing secrets, read once per cold start and then every few minutes.
    secrets: ["secretsmanager:GetSecretValue"],
  },
  worker: {
    // UpdateItem: the single final write (write 2); GetItem: the conflict fallback.
    table: ["dynamodb:UpdateItem", "dynamodb:GetItem"],
    // The handler never calls SQS: records arrive in the event, failures go back in the response.
    // The event source mapping polls with the worker's role; QueueWithDlq.subscribe grants that.
    queue: [],
    secrets: [],
  },
  // GetItem: GET /events/{id}, a consistent read.
  query: { table: ["dynamodb:GetItem"], queue: [], secrets: [] },
};
