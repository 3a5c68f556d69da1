// The exact IAM actions each function calls, read by index.ts to build least-privilege roles: if a
// handler starts calling a new API, this list (and so the policy) changes in the same commit.
export interface FunctionPermissions {
  /** Actions on the IdempotentTable (its ARN). */
  table: string[];
  /** Actions on the main queue of QueueWithDlq (its ARN). */
  queue: string[];
}

export const FUNCTION_PERMISSIONS: { ingest: FunctionPermissions; worker: FunctionPermissions; query: FunctionPermissions } = {
  // PutItem: lease record; DeleteItem: compensation after a failed send; GetItem: conflict
  // fallback when the store does not return the old item.
  ingest: { table: ["dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:GetItem"], queue: ["sqs:SendMessage"] },
  // UpdateItem: the single final write; GetItem: conflict fallback. The SQS event source mapping
  // polls with the function's own role, hence the receive/delete/attributes actions.
  worker: {
    table: ["dynamodb:UpdateItem", "dynamodb:GetItem"],
    queue: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
  },
  query: { table: ["dynamodb:GetItem"], queue: [] },
};
