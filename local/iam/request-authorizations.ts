// What IAM checks for one DynamoDB, SQS, EventBridge or Secrets Manager API call: which action on
// which resource ARN, as the Service Authorization Reference lists them. Batch and transaction calls
// need one authorization per table (or the item action per item); SQS batch calls are authorized as
// their single-message action; PutEvents needs events:PutEvents on each bus its entries name; a
// Secrets Manager call is authorized on the secret it names. Resources live in the local account
// and region, the ones the twins report in their ARNs.

export interface Authorization {
  /** `service:Action`, e.g. `dynamodb:PutItem`. */
  action: string;
  /** The resource ARN, or `*` for calls on no resource (ListTables, ListQueues). */
  resource: string;
}

export interface Where {
  region: string;
  accountId: string;
}

import { secretResourceArn } from "../secretsmanager/secret-arn";

type Json = Record<string, any>;

function parseJson(body: Buffer): Json {
  try {
    const v = JSON.parse(body.toString("utf8"));
    return v !== null && typeof v === "object" ? v : {};
  } catch {
    return {};
  }
}

/** A form-encoded (query protocol) body as a flat object, enough for the names IAM needs. */
function parseForm(body: Buffer): Json {
  const out: Json = {};
  for (const [k, v] of new URLSearchParams(body.toString("utf8"))) out[k] = v;
  return out;
}

function tableArn(nameOrArn: unknown, w: Where): string {
  const s = String(nameOrArn ?? "");
  if (s === "") return "*";
  return s.startsWith("arn:") ? s : `arn:aws:dynamodb:${w.region}:${w.accountId}:table/${s}`;
}

const DYNAMODB_TRANSACT_ACTIONS: Record<string, string> = { Put: "PutItem", Update: "UpdateItem", Delete: "DeleteItem", ConditionCheck: "ConditionCheckItem", Get: "GetItem" };

export function dynamoDbAuthorizations(action: string, body: Buffer, w: Where): Authorization[] {
  const req = parseJson(body);
  const a = (name: string, resource: string): Authorization => ({ action: `dynamodb:${name}`, resource });
  switch (action) {
    case "BatchGetItem":
    case "BatchWriteItem":
      return Object.keys(req.RequestItems ?? {}).map((t) => a(action, tableArn(t, w)));
    case "TransactWriteItems":
    case "TransactGetItems":
      return ((req.TransactItems ?? []) as Json[]).flatMap((item) =>
        Object.entries(item ?? {}).flatMap(([kind, op]) => (DYNAMODB_TRANSACT_ACTIONS[kind] ? [a(DYNAMODB_TRANSACT_ACTIONS[kind], tableArn((op as Json)?.TableName, w))] : [])),
      );
    case "Query":
    case "Scan": {
      const table = tableArn(req.TableName, w);
      return [a(action, req.IndexName && table !== "*" ? `${table}/index/${req.IndexName}` : table)];
    }
    default:
      return [a(action, req.TableName !== undefined ? tableArn(req.TableName, w) : req.ResourceArn !== undefined ? String(req.ResourceArn) : "*")];
  }
}

/** SQS batch actions are authorized as the action they batch. */
const SQS_BATCHED: Record<string, string> = { SendMessageBatch: "SendMessage", DeleteMessageBatch: "DeleteMessage", ChangeMessageVisibilityBatch: "ChangeMessageVisibility" };

/** A queue URL's ARN: its path is `/<account>/<name>`, whatever host serves it. */
export function queueArnOfUrl(url: string, w: Where): string | undefined {
  const m = /\/(\d{12})\/([^/?#]+)\/?(?:[?#].*)?$/.exec(url);
  return m ? `arn:aws:sqs:${w.region}:${m[1]}:${decodeURIComponent(m[2])}` : undefined;
}

/**
 * `path` is the request's path: the query protocol may address a queue by its URL path instead of
 * a QueueUrl parameter.
 */
export function sqsAuthorizations(action: string, body: Buffer, path: string, contentType: string | undefined, w: Where): Authorization[] {
  const req = /x-www-form-urlencoded/i.test(contentType ?? "") ? parseForm(body) : parseJson(body);
  const iamAction = `sqs:${SQS_BATCHED[action] ?? action}`;
  const queueUrl = typeof req.QueueUrl === "string" ? req.QueueUrl : path;
  const byName = typeof req.QueueName === "string" ? `arn:aws:sqs:${w.region}:${req.QueueOwnerAWSAccountId ?? w.accountId}:${req.QueueName}` : undefined;
  const bySourceArn = typeof req.SourceArn === "string" ? req.SourceArn : undefined;
  return [{ action: iamAction, resource: byName ?? bySourceArn ?? queueArnOfUrl(queueUrl, w) ?? "*" }];
}

/** An EventBridge bus's ARN from the name or ARN an entry gives (none: the account's `default` bus). */
export function eventBusArn(nameOrArn: unknown, w: Where): string {
  const s = typeof nameOrArn === "string" && nameOrArn !== "" ? nameOrArn : "default";
  return s.startsWith("arn:") ? s : `arn:aws:events:${w.region}:${w.accountId}:event-bus/${s}`;
}

export function eventsAuthorizations(action: string, body: Buffer, w: Where): Authorization[] {
  const req = parseJson(body);
  if (action === "PutEvents") {
    const buses = [...new Set(((Array.isArray(req.Entries) ? req.Entries : []) as Json[]).map((e) => eventBusArn(e?.EventBusName, w)))];
    return (buses.length > 0 ? buses : [eventBusArn(undefined, w)]).map((resource) => ({ action: "events:PutEvents", resource }));
  }
  return [{ action: `events:${action}`, resource: typeof req.Name === "string" ? eventBusArn(req.Name, w) : "*" }];
}

/** Secrets Manager: the action on the secret's ARN (a SecretId given by name resolves to it), `*` for ListSecrets. */
export function secretsManagerAuthorizations(action: string, body: Buffer, w: Where): Authorization[] {
  const req = parseJson(body);
  const id = typeof req.SecretId === "string" ? req.SecretId : typeof req.Name === "string" ? req.Name : undefined;
  return [{ action: `secretsmanager:${action}`, resource: id ? secretResourceArn(id, w) : "*" }];
}
