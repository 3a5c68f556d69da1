// LogQueries: the CloudWatch Logs Insights queries an on-call engineer starts from, saved in the
// account (CloudWatch console, Logs Insights, "Saved queries", in a folder per project and stack):
// errors by category, the slowest requests, and one event's trail by event id, request id or trace
// id. They read the fields the functions log (runtime/log.ts: `fn`, `level`, `msg`, `eventId`,
// `requestId`, `traceId`, `category`) and the API access log's (components/ingest-api.ts).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { SluiceComponent } from "./component";
import type { Transform } from "./transform";

/** What the trail query's filter names: replace it with an event id, a request id or a trace id. */
export const TRAIL_PLACEHOLDER = "REPLACE-WITH-EVENT-REQUEST-OR-TRACE-ID";

/** The query texts, by the name each is saved under. */
export const LOG_QUERIES = {
  // Every warn/error line of the functions, grouped by failure category (or error name, for a failed
  // call at the edge) and message: what is failing, how often, and one event to look at.
  "errors-by-category": [
    "fields @timestamp, fn, msg, coalesce(category, errorName, level) as failure",
    '| filter ispresent(msg) and (level = "warn" or level = "error")',
    "| stats count(*) as lines, latest(eventId) as lastEventId, latest(requestId) as lastRequestId by fn, failure, msg",
    "| sort lines desc",
    "| limit 100",
  ].join("\n"),
  // The access log's one line per request: status and latency as API Gateway measured them.
  "slowest-requests": ["fields @timestamp, requestId, req, status, ms", "| filter ispresent(ms)", "| sort ms desc", "| limit 50"].join("\n"),
  // One event or request from the access log through ingest and worker (at `info`; at `warn` only what went wrong is logged).
  "event-trail": [
    "fields @timestamp, @log, fn, level, msg, status, eventId, requestId, traceId",
    `| filter eventId = "${TRAIL_PLACEHOLDER}" or requestId = "${TRAIL_PLACEHOLDER}" or traceId = "${TRAIL_PLACEHOLDER}"`,
    "| sort @timestamp asc",
    "| limit 500",
  ].join("\n"),
} as const;

export type LogQueryName = keyof typeof LOG_QUERIES;

export interface LogQueriesArgs {
  /** Log group names of the functions the queries read. Required. */
  functionLogGroups: pulumi.Input<string>[];
  /** The API access log group, read by the slowest-requests and trail queries. Required. */
  accessLogGroup: pulumi.Input<string>;
  /** Per-child escape hatch for what these args do not cover. Default none. */
  transform?: { query?: Transform<aws.cloudwatch.QueryDefinitionArgs> };
}

export class LogQueries extends SluiceComponent {
  public readonly queries: Record<LogQueryName, aws.cloudwatch.QueryDefinition>;

  constructor(name: string, args: LogQueriesArgs, opts?: pulumi.ComponentResourceOptions) {
    // A query definition takes no tags and holds nothing to encrypt.
    super("LogQueries", name, {}, opts);
    const groups: Record<LogQueryName, pulumi.Input<string>[]> = {
      "errors-by-category": args.functionLogGroups,
      "slowest-requests": [args.accessLogGroup],
      "event-trail": [...args.functionLogGroups, args.accessLogGroup],
    };
    const made = {} as Record<LogQueryName, aws.cloudwatch.QueryDefinition>;
    for (const query of Object.keys(LOG_QUERIES) as LogQueryName[]) {
      const [childName, childArgs, childOpts] = this.child<aws.cloudwatch.QueryDefinitionArgs>(`${name}-${query}`, args.transform?.query, {
        name: this.physicalName("queryDefinition", { name: query }),
        queryString: LOG_QUERIES[query],
        logGroupNames: groups[query],
      });
      made[query] = new aws.cloudwatch.QueryDefinition(childName, childArgs, childOpts);
    }
    this.queries = made;
    this.registerOutputs({ queryDefinitionIds: Object.values(made).map((q) => q.queryDefinitionId) });
  }
}
