// Physical names (what AWS calls a resource), made here and nowhere else. A name carries the
// project and the stack, so two stacks or two projects in one account never collide, and it always
// fits the limit AWS sets for that kind of resource.
import * as crypto from "node:crypto";

/**
 * The longest name AWS accepts per kind, suffixes (`-dlq`, `.fifo`) included:
 * - SQS CreateQueue, QueueName: up to 80 characters, `.fifo` included.
 * - Lambda CreateFunction, FunctionName: 1–64 characters (the name form, not the ARN).
 * - IAM CreateRole, RoleName: up to 64 characters (IAM and AWS STS quotas).
 * - CloudWatch Logs CreateLogGroup, logGroupName: 1–512 characters (vended log groups too).
 * - DynamoDB "Supported data types and naming rules": table names 3–255 characters.
 * - SNS CreateTopic, Name: up to 256 characters, `.fifo` included.
 * - CloudWatch PutDashboard, DashboardName: up to 255 characters.
 * - EventBridge CreateEventBus, Name: 1–256 characters.
 * - CloudWatch PutMetricAlarm, AlarmName: 1–255 characters.
 * - CloudWatch Logs PutQueryDefinition, name: 1–255 characters (a `/` makes a folder in the console).
 * - API Gateway V2 CreateAuthorizer, Name: 1–128 characters.
 * - Secrets Manager CreateSecret, Name: 1–512 characters (letters, digits and /_+=.@-).
 */
export const NAME_LIMITS = {
  queue: 80,
  function: 64,
  role: 64,
  logGroup: 512,
  vendedLogGroup: 512,
  table: 255,
  topic: 256,
  dashboard: 255,
  eventBus: 256,
  alarm: 255,
  queryDefinition: 255,
  apiAuthorizer: 128,
  secret: 512,
} as const;

export type NameKind = keyof typeof NAME_LIMITS;

/**
 * Where log groups that AWS services deliver to (vended logs, e.g. an HTTP API's access log) live.
 * Delivery to any other group adds that group to the account's CloudWatch Logs resource policy,
 * which is limited to 5,120 characters per account and Region; for groups under this prefix
 * CloudWatch Logs uses one wildcard entry instead (CloudWatch Logs User Guide, "Enabling logging
 * from AWS services", log group resource policy; Step Functions Developer Guide, "Avoiding
 * CloudWatch Logs resource policy size restrictions").
 */
export const VENDED_LOGS_PREFIX = "/aws/vendedlogs";

export interface NameParts {
  project: string;
  stack: string;
  /** The logical name of what is being named (a component or one of its children). */
  name: string;
  /** Appended last and counted in the limit (`-dlq`; a FIFO queue's `.fifo`). Default "". */
  suffix?: string;
}

const HASH_LENGTH = 8;
// The characters every flat kind above accepts (the narrowest are SQS, Lambda and dashboards).
const FLAT_UNSAFE = /[^A-Za-z0-9_-]+/g;
const PATH_UNSAFE = /[^A-Za-z0-9_\-/.#]+/g;

function stableHash(parts: NameParts): string {
  return crypto.createHash("sha256").update(`${parts.project}\n${parts.stack}\n${parts.name}`).digest("hex").slice(0, HASH_LENGTH);
}

function fit(readable: string, budget: number): string {
  return readable.slice(0, Math.max(budget, 0)).replace(/[-_/.]+$/, "");
}

/**
 * `<project>-<stack>-<name>-<hash><suffix>` for every kind but log groups: the hash covers
 * project, stack and name, so names stay distinct even where hyphens make the readable part
 * ambiguous ("a-b"+"c" vs "a"+"b-c"), a character had to be replaced, or the readable part was
 * cut to fit. A name that starts with the project's name does not repeat it.
 *
 * Log groups are paths, `/<project>/<stack>/<name>` (vended log groups under VENDED_LOGS_PREFIX):
 * a slash cannot occur in a project or stack name, so the path alone is unique; it gets the hash
 * only when cut or cleaned. Saved queries are the same path without the leading slash (the console
 * shows them in a folder per project and stack).
 */
export function physicalName(kind: NameKind, parts: NameParts): string {
  const max = NAME_LIMITS[kind];
  const suffix = parts.suffix ?? "";
  const hash = stableHash(parts);
  if (kind === "logGroup" || kind === "vendedLogGroup" || kind === "queryDefinition") {
    const path = `${parts.project}/${parts.stack}/${parts.name}`;
    const raw = kind === "queryDefinition" ? path : `${kind === "vendedLogGroup" ? VENDED_LOGS_PREFIX : ""}/${path}`;
    const clean = raw.replace(PATH_UNSAFE, "-");
    if (clean === raw && raw.length + suffix.length <= max) return raw + suffix;
    return `${fit(clean, max - suffix.length - HASH_LENGTH - 1)}-${hash}${suffix}`;
  }
  const own = parts.name === parts.project ? "" : parts.name.startsWith(`${parts.project}-`) ? parts.name.slice(parts.project.length + 1) : parts.name;
  const readable = [parts.project, parts.stack, own].filter(Boolean).join("-").replace(FLAT_UNSAFE, "-");
  return `${fit(readable, max - suffix.length - HASH_LENGTH - 1)}-${hash}${suffix}`;
}
