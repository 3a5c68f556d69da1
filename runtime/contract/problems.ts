// RFC 9457 problem details: the one place where problem types, titles and statuses are defined.
// The handlers answer with them and the CLI reads the slug back out of a problem's `type`. What
// API Gateway answers itself (its 429, 413, 404, 500, 503) is its own `{"message":…}`, not one of these.

/** One reason a request was refused: a JSON pointer into the event (`""` for the event itself) and what is wrong there. */
export interface FieldError {
  path: string;
  message: string;
}

/** Every problem `type` is this prefix plus a slug from PROBLEM_CATALOG. */
export const PROBLEM_TYPE_PREFIX = "urn:sluice:problem:";

/** A problem's `instance` is this prefix plus the request id, so a client can quote it to us. */
export const REQUEST_URN_PREFIX = "urn:sluice:request:";

export const PROBLEM_CATALOG = {
  "unsupported-media-type": { status: 415, title: "Unsupported media type" },
  "payload-too-large": { status: 413, title: "Payload too large" },
  "invalid-json": { status: 400, title: "Malformed JSON" },
  "invalid-idempotency-key": { status: 400, title: "Invalid Idempotency-Key header" },
  "signature-invalid": { status: 401, title: "Signature verification failed" },
  "origin-not-allowed": { status: 403, title: "Webhook origin not allowed" },
  "validation-failed": { status: 422, title: "The event does not match its schema" },
  "invalid-query": { status: 400, title: "Invalid query parameters" },
  "invalid-request": { status: 422, title: "The request body is not valid for this operation" },
  "listing-needs-index": { status: 400, title: "This listing needs an index the stack does not have" },
  "failure-modes-off": { status: 403, title: "Failure modes are off on this stack" },
  "caller-not-authorized": { status: 403, title: "The request carries no IAM identity authorized by API Gateway" },
  "idempotency-key-reused": { status: 422, title: "Idempotency key reused with another payload" },
  "idempotency-key-in-flight": { status: 409, title: "A request with this idempotency key is in flight" },
  "not-found": { status: 404, title: "Not found" },
  "method-not-allowed": { status: 405, title: "Method not allowed" },
  "dependency-unavailable": { status: 503, title: "A dependency is unavailable" },
  "internal-error": { status: 500, title: "Internal error" },
} as const;

export type ProblemSlug = keyof typeof PROBLEM_CATALOG;

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: FieldError[];
}

/** The `type` URN of a problem slug. */
export function problemType(slug: ProblemSlug): string {
  return PROBLEM_TYPE_PREFIX + slug;
}

/** The slug inside a problem `type`, or the `type` itself when it is not one of ours. */
export function problemSlug(type: string): string {
  return type.startsWith(PROBLEM_TYPE_PREFIX) ? type.slice(PROBLEM_TYPE_PREFIX.length) : type;
}

export function problem(slug: ProblemSlug, detail: string, extra: { errors?: FieldError[]; requestId?: string } = {}): ProblemBody {
  const entry = PROBLEM_CATALOG[slug];
  const body: ProblemBody = { type: problemType(slug), title: entry.title, status: entry.status, detail };
  if (extra.requestId) body.instance = REQUEST_URN_PREFIX + extra.requestId;
  if (extra.errors) body.errors = extra.errors;
  return body;
}

export function slugOf(body: ProblemBody): string {
  return problemSlug(body.type);
}
