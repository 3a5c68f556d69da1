// IngestApi: the public HTTP API (API Gateway v2) in front of the functions: routes, one Lambda
// proxy integration per function, a throttled `$default` stage with JSON access logs, CORS, and
// invoke permissions that only this API can use.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { SluiceComponent, type CommonArgs } from "./component";
import { checkJwtAuthorizer, checkRouteArgs, routeAuthorizationArgs, type ApiRouteAuthorization, type JwtAuthorizerArgs } from "./route-authorization";
import type { Transform } from "./transform";
import { JWT_IDENTITY_SOURCE } from "../runtime/contract/producer-auth";

export type { ApiRouteAuthorization, JwtAuthorizerArgs } from "./route-authorization";
export { routeAuthorizationArgs } from "./route-authorization";

/** A route key (`"POST /events"`) and who may call it. */
export interface ApiRoute {
  key: string;
  /** Default `{ type: "none" }`. */
  authorization?: ApiRouteAuthorization;
}

/** A function the API routes to, and the routes it serves (a bare key is a route anyone may call). */
export interface ApiTarget {
  /** Anything with a function name and invoke ARN (a PipelineFunction or an aws.lambda.Function). */
  function: { functionName: pulumi.Input<string>; invokeArn: pulumi.Input<string> } | aws.lambda.Function;
  routes: (string | ApiRoute)[];
}

/**
 * What the access log records for each request, as JSON (one line per request). Lean on purpose:
 * every byte is paid for on every request (DESIGN §8: at most 150 log bytes per event). The time is
 * the log event's own timestamp; the user agent of an accepted event is in its stored document.
 */
export const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: "$context.requestId",
  ip: "$context.identity.sourceIp",
  req: "$context.httpMethod $context.path",
  status: "$context.status",
  ms: "$context.responseLatency",
  err: "$context.error.message",
  ierr: "$context.integrationErrorMessage",
});

export interface IngestApiArgs extends Omit<CommonArgs, "kmsKeyArn"> {
  /** Functions keyed by a short name (it names their integration and permission). Required. */
  targets: Record<string, ApiTarget>;
  /** Steady-state requests per second for the stage. Default 100. */
  throttleRateLimit?: pulumi.Input<number>;
  /** Burst of requests the stage absorbs above the rate. Default 200. */
  throttleBurstLimit?: pulumi.Input<number>;
  /**
   * Route-level throttles that replace the stage's for one route each (an HTTP API throttles per
   * route key, for all clients together). Each routeKey must be a route of `targets`. Default none.
   */
  routeThrottles?: { routeKey: string; rateLimit: number; burstLimit: number }[];
  /** Origins allowed by CORS; empty means no CORS headers at all. Default []. */
  corsOrigins?: pulumi.Input<pulumi.Input<string>[]>;
  /** Days the access log group keeps logs. Default 14. */
  accessLogRetentionDays?: pulumi.Input<number>;
  /** The API's JWT authorizer, for routes with `{ type: "jwt" }` authorization. Default none. */
  jwtAuthorizer?: JwtAuthorizerArgs;
  /** Per-child escape hatch for what these args do not cover. Default none. */
  transform?: {
    api?: Transform<aws.apigatewayv2.ApiArgs>;
    integration?: Transform<aws.apigatewayv2.IntegrationArgs>;
    route?: Transform<aws.apigatewayv2.RouteArgs>;
    permission?: Transform<aws.lambda.PermissionArgs>;
    accessLogGroup?: Transform<aws.cloudwatch.LogGroupArgs>;
    stage?: Transform<aws.apigatewayv2.StageArgs>;
    authorizer?: Transform<aws.apigatewayv2.AuthorizerArgs>;
  };
}

/**
 * What a target's Lambda permission admits after the API's execution ARN (`/stage/METHOD/path`):
 * any stage and method, but only paths under its routes' common literal prefix (for the operator
 * `/admin/`), so that no other route of the API, wired to it by mistake, can invoke it. A target
 * serving `$default` (or with no common prefix) takes any path.
 */
export function invokeSourcePattern(routeKeys: readonly string[]): string {
  const paths = routeKeys.map((k) => (k === "$default" ? undefined : k.slice(k.indexOf(" ") + 1)));
  if (paths.length === 0 || paths.some((p) => p === undefined)) return "/*/*";
  // The literal part of each path (a `{param}` or `{proxy+}` takes anything), then their common prefix.
  const prefix = (paths as string[]).map((p) => p.split("{")[0]).reduce((a, b) => {
    let n = 0;
    while (n < a.length && n < b.length && a[n] === b[n]) n++;
    return a.slice(0, n);
  });
  if (prefix === "" || prefix === "/") return "/*/*";
  return `/*/*${prefix}*`;
}

/** `"GET /events/{id}"` → `"get-events-id"`: a stable child name per route. */
export function routeSlug(routeKey: string): string {
  const slug = routeKey.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  if (!slug) throw new Error(`route key ${JSON.stringify(routeKey)} has no usable characters`);
  return slug;
}

/** Route keys are `METHOD /path` (or `$default`); anything else is a typo caught before deploy. */
export function checkRouteKey(routeKey: string): string {
  if (routeKey === "$default") return routeKey;
  if (!/^(ANY|GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) \/[A-Za-z0-9._~{}+\/-]*$/.test(routeKey)) {
    throw new Error(`invalid route key ${JSON.stringify(routeKey)}: expected "METHOD /path"`);
  }
  return routeKey;
}

export class IngestApi extends SluiceComponent {
  public readonly api: aws.apigatewayv2.Api;
  public readonly stage: aws.apigatewayv2.Stage;
  public readonly accessLogGroup: aws.cloudwatch.LogGroup;
  public readonly routes: aws.apigatewayv2.Route[] = [];
  /** The JWT authorizer, when `jwtAuthorizer` is given. */
  public readonly authorizer?: aws.apigatewayv2.Authorizer;
  /** Base URL of the API (the `$default` stage is served at the root). */
  public readonly url: pulumi.Output<string>;
  public readonly apiId: pulumi.Output<string>;
  public readonly executionArn: pulumi.Output<string>;

  constructor(name: string, args: IngestApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("IngestApi", name, args, opts);
    const tags = this.tags;
    const t = args.transform ?? {};

    const cors = pulumi.output(args.corsOrigins ?? []).apply((origins) =>
      origins.length === 0
        ? undefined
        : {
            allowOrigins: origins,
            allowMethods: ["GET", "POST", "OPTIONS"],
            allowHeaders: ["content-type", "idempotency-key", "webhook-id", "ce-specversion", "ce-id", "ce-source", "ce-type", "ce-time", "ce-subject"],
            exposeHeaders: ["location", "idempotent-replayed", "retry-after"],
            maxAge: 3600,
          },
    ) as pulumi.Output<aws.types.input.apigatewayv2.ApiCorsConfiguration>;
    const [apiName, apiArgs, apiOpts] = this.child<aws.apigatewayv2.ApiArgs>(
      `${name}-api`,
      t.api,
      { protocolType: "HTTP", description: `Sluice ingest API (${pulumi.getStack()})`, corsConfiguration: cors, tags },
    );
    this.api = new aws.apigatewayv2.Api(apiName, apiArgs, apiOpts);

    if (args.jwtAuthorizer) {
      checkJwtAuthorizer(args.jwtAuthorizer);
      const [authName, authArgs, authOpts] = this.child<aws.apigatewayv2.AuthorizerArgs>(`${name}-jwt-authorizer`, t.authorizer, {
        apiId: this.api.id,
        authorizerType: "JWT",
        identitySources: [JWT_IDENTITY_SOURCE],
        jwtConfiguration: { issuer: args.jwtAuthorizer.issuer, audiences: args.jwtAuthorizer.audiences },
        name: this.physicalName("apiAuthorizer", { name: `${name}-jwt` }),
      });
      this.authorizer = new aws.apigatewayv2.Authorizer(authName, authArgs, authOpts);
    }

    const seen = new Set<string>();
    for (const [key, target] of Object.entries(args.targets)) {
      const [intName, intArgs, intOpts] = this.child<aws.apigatewayv2.IntegrationArgs>(
        `${name}-${key}-integration`,
        t.integration,
        { apiId: this.api.id, integrationType: "AWS_PROXY", integrationUri: target.function.invokeArn, payloadFormatVersion: "2.0" },
      );
      const integration = new aws.apigatewayv2.Integration(intName, intArgs, intOpts);

      // Only this API, through any stage and only the paths of this target's routes, may invoke the function.
      const functionName = "functionName" in target.function ? target.function.functionName : target.function.name;
      const sourcePattern = invokeSourcePattern(target.routes.map((r) => (typeof r === "string" ? r : r.key)));
      const [permName, permArgs, permOpts] = this.child<aws.lambda.PermissionArgs>(
        `${name}-${key}-permission`,
        t.permission,
        { action: "lambda:InvokeFunction", function: functionName, principal: "apigateway.amazonaws.com", sourceArn: pulumi.interpolate`${this.api.executionArn}${sourcePattern}` },
      );
      new aws.lambda.Permission(permName, permArgs, permOpts);

      for (const route of target.routes) {
        const { key: routeKey, authorization } = typeof route === "string" ? { key: route, authorization: undefined } : route;
        checkRouteKey(routeKey);
        if (seen.has(routeKey)) throw new Error(`route ${routeKey} is mapped twice`);
        seen.add(routeKey);
        if (routeKey === "$default" && authorization && authorization.type !== "none") throw new Error("the $default route must stay open: it only answers 404/405 for paths no route takes");
        const [routeName, routeArgs, routeOpts] = this.child<aws.apigatewayv2.RouteArgs>(
          `${name}-route-${routeSlug(routeKey)}`,
          t.route,
          { apiId: this.api.id, routeKey, target: pulumi.interpolate`integrations/${integration.id}`, ...routeAuthorizationArgs(authorization, this.authorizer?.id) },
        );
        checkRouteArgs(routeKey, routeArgs);
        this.routes.push(new aws.apigatewayv2.Route(routeName, routeArgs, routeOpts));
      }
    }

    for (const rt of args.routeThrottles ?? []) {
      if (!seen.has(rt.routeKey)) throw new Error(`a throttle for ${rt.routeKey}, which is not a route of this API`);
    }

    const [logName, logArgs, logOpts] = this.child<aws.cloudwatch.LogGroupArgs>(
      `${name}-access-logs`,
      t.accessLogGroup,
      // Under /aws/vendedlogs/: API Gateway delivers the access log as vended logs (naming.ts).
      { name: this.physicalName("vendedLogGroup", { name: `${name}-access` }), retentionInDays: args.accessLogRetentionDays ?? 14, tags },
    );
    this.accessLogGroup = new aws.cloudwatch.LogGroup(logName, logArgs, logOpts);

    const [stageName, stageArgs, stageOpts] = this.child<aws.apigatewayv2.StageArgs>(
      `${name}-stage`,
      t.stage,
      {
        apiId: this.api.id,
        name: "$default",
        autoDeploy: true,
        defaultRouteSettings: {
          throttlingRateLimit: args.throttleRateLimit ?? 100,
          throttlingBurstLimit: args.throttleBurstLimit ?? 200,
          detailedMetricsEnabled: false,
        },
        routeSettings: (args.routeThrottles ?? []).map((rt) => ({ routeKey: rt.routeKey, throttlingRateLimit: rt.rateLimit, throttlingBurstLimit: rt.burstLimit })),
        accessLogSettings: { destinationArn: this.accessLogGroup.arn, format: ACCESS_LOG_FORMAT },
        tags,
      },
      // A stage deployed before its routes would serve an empty API for a moment.
      { dependsOn: this.routes },
    );
    this.stage = new aws.apigatewayv2.Stage(stageName, stageArgs, stageOpts);

    this.apiId = this.api.id;
    this.executionArn = this.api.executionArn;
    this.url = this.api.apiEndpoint;
    this.registerOutputs({ url: this.url, apiId: this.apiId, stage: this.stage.name });
  }
}
