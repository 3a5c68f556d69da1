// The X-Ray trace context, without the X-Ray SDK: Lambda gives each invocation its trace header in
// `_X_AMZN_TRACE_ID` (`Root=1-…;Parent=…;Sampled=…`). The ingest sends it with the queue message as
// the `AWSTraceHeader` system attribute, SQS hands it to the worker in the record's attributes, and
// the worker passes it on to the events it publishes; X-Ray links the traces, and the log lines
// carry the root id so one query finds every line of one request.

/** The environment variable Lambda sets to the current invocation's trace header. */
export const TRACE_HEADER_VARIABLE = "_X_AMZN_TRACE_ID";

/** The largest header SQS and EventBridge take (SQS: 256 bytes for `AWSTraceHeader`). */
const MAX_TRACE_HEADER_BYTES = 256;

/** The invocation's trace header, when Lambda (or the local stack) set one. */
export function currentTraceHeader(env: Record<string, string | undefined> = process.env): string | undefined {
  const header = env[TRACE_HEADER_VARIABLE];
  return header && header.length <= MAX_TRACE_HEADER_BYTES && /^[\x21-\x7e]+$/.test(header) ? header : undefined;
}

/** The trace id (`1-5759e988-bd862e3fe1be46a994272793`) of a header, for log lines. */
export function traceRoot(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /(?:^|;)Root=([0-9a-f]+-[0-9a-f]{8}-[0-9a-f]{24})(?:;|$)/.exec(header);
  return m?.[1];
}
