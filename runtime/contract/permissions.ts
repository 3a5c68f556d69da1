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
  /** Actions on the dead-letter queue of QueueWithDlq (its ARN). */
  dlq: string[];
  /** Actions on the fan-out EventBus (its ARN), granted only when the stack publishes. */
  bus: string[];
  /** Actions on the sources' Secrets Manager secrets (exactly their ARNs; components/source-secrets.ts). */
  secrets: string[];
}

export const FUNCTION_PERMISSIONS: Record<FunctionName, FunctionPermissions> = {
  ingest: {
    // PutItem: the lease record (write 1); DeleteItem: its compensation after a failed send;
    // GetItem: the conflict fallback when the store does not return the old item, and the
    // failure mode (non-prod).
    table: ["dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:GetItem"],
    // SendMessage serves both one event and a batch (SendMessageBatch is authorized as SendMessage).
    queue: ["sqs:SendMessage"],
    dlq: [],
    bus: [],
    // GetSecretValue: a source's signing secrets, read once per cold start and then every few minutes.
    secrets: ["secretsmanager:GetSecretValue"],
  },
  worker: {
    // UpdateItem: the single final write (write 2), and the note of a retried failure; GetItem:
    // the conflict fallback, and the failure mode (non-prod).
    table: ["dynamodb:UpdateItem", "dynamodb:GetItem"],
    // Records arrive in the event and failures go back in the response; ChangeMessageVisibility
    // (and its batch form, authorized as it) gives a retried record its backoff. The event source
    // mapping polls with the worker's role; QueueWithDlq.subscribe grants that.
    queue: ["sqs:ChangeMessageVisibility"],
    dlq: [],
    // PutEvents: the processed/failed events for consumers (runtime/event-publisher.ts).
    bus: ["events:PutEvents"],
    secrets: [],
  },
  query: {
    // GetItem: GET /events/{id}, a consistent read. Query: GET /events on the indexes (keys only);
    // BatchGetItem: the items those keys name.
    table: ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem"],
    queue: [],
    dlq: [],
    bus: [],
    secrets: [],
  },
  operator: {
    // Query: the events a replay selects, on the indexes; BatchGetItem: their items, and the
    // retried failure noted on a DLQ message's event. The failure mode item: FAILURE_MODE_TABLE_ACTIONS.
    table: ["dynamodb:Query", "dynamodb:BatchGetItem"],
    // SendMessage: a redriven DLQ message, or a replayed event, back onto the main queue.
    queue: ["sqs:SendMessage"],
    // ReceiveMessage: peek (preview, redrive); ChangeMessageVisibility: make what was looked at
    // visible again at once; DeleteMessage: a redriven message, after its send; GetQueueAttributes:
    // the depth the preview reports and scans against.
    dlq: ["sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
    bus: [],
    secrets: [],
  },
};

/**
 * Table actions a function needs only for the failure mode item, granted only where failure modes
 * are on (never on a prod or protected stack): the operator reads and writes it. The ingest and
 * the worker read it with the GetItem they hold anyway.
 */
export const FAILURE_MODE_TABLE_ACTIONS: Record<FunctionName, string[]> = {
  ingest: [],
  worker: [],
  query: [],
  operator: ["dynamodb:GetItem", "dynamodb:PutItem"],
};

/** The table actions `fn` is granted on a stack with or without failure modes. */
export function tableActions(fn: FunctionName, opts: { failureModes: boolean }): string[] {
  return [...new Set([...FUNCTION_PERMISSIONS[fn].table, ...(opts.failureModes ? FAILURE_MODE_TABLE_ACTIONS[fn] : [])])];
}
