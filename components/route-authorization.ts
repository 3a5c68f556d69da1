// Who may call an IngestApi route, as API Gateway's route and authorizer arguments, and the
// combinations AWS refuses at deploy time, checked here because the mocks accept anything:
// - authorizationScopes only with authorizationType JWT (AWS::ApiGatewayV2::Route,
//   AuthorizationScopes: "Supported only for JWT authorizers"; aws_apigatewayv2_route,
//   authorization_scopes: "Supported only for JWT authorizers"),
// - JWT needs an authorizerId of a JWT authorizer, AWS_IAM and NONE take none (AuthorizerId:
//   "The identifier of the Authorizer resource to be associated with this route");
// - a JWT authorizer needs jwtConfiguration with an issuer and audiences ("Required for the JWT
//   authorizer type", JWTConfiguration) and exactly one identity source;
// - the issuer must be https (API Gateway fetches the issuer's discovery document and keys over
//   https from the internet: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html).
// The config-level checks (issuer, audiences, scopes) are the contract's checkIssuer/readProducerAuth.
import type * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { JWT_CONFIG_LIMITS } from "../runtime/contract/producer-auth";

/**
 * `none`: anyone who reaches the API. `iam`: a SigV4-signed request whose IAM identity is allowed
 * `execute-api:Invoke` on the route (AWS_IAM). `jwt`: a bearer token the API's JWT authorizer
 * accepts, carrying one of `scopes` when any are given (default none).
 */
export type ApiRouteAuthorization = { type: "none" } | { type: "iam" } | { type: "jwt"; scopes?: string[] };

/** The API's JWT authorizer: the issuer and audiences it accepts. */
export interface JwtAuthorizerArgs {
  /** The issuer URL (https); API Gateway reads `<issuer>/.well-known/openid-configuration`. Required. */
  issuer: pulumi.Input<string>;
  /** Accepted `aud` (or `client_id`) values; at least one. Required. */
  audiences: pulumi.Input<string>[];
}

/** The route arguments that say who may call it; `authorizerId` is the API's JWT authorizer, when it has one. */
export function routeAuthorizationArgs(
  authorization: ApiRouteAuthorization = { type: "none" },
  authorizerId?: pulumi.Input<string>,
): Pick<aws.apigatewayv2.RouteArgs, "authorizationType" | "authorizerId" | "authorizationScopes"> {
  switch (authorization.type) {
    case "none":
      return { authorizationType: "NONE" };
    case "iam":
      return { authorizationType: "AWS_IAM" };
    case "jwt": {
      if (authorizerId === undefined) throw new Error("a route with JWT authorization needs the API's jwtAuthorizer (IngestApiArgs.jwtAuthorizer)");
      const scopes = authorization.scopes ?? [];
      checkScopes(scopes);
      return scopes.length > 0 ? { authorizationType: "JWT", authorizerId, authorizationScopes: scopes } : { authorizationType: "JWT", authorizerId };
    }
  }
}

function checkScopes(scopes: string[]): void {
  for (const s of scopes) {
    if (!s || /\s/.test(s) || s.length > JWT_CONFIG_LIMITS.scopeLength) throw new Error(`authorization scope ${JSON.stringify(s)} is not a scope: no spaces, 1-${JWT_CONFIG_LIMITS.scopeLength} characters`);
  }
}

/** The arguments API Gateway would refuse after the transform hooks ran, refused here instead. */
export function checkRouteArgs(routeKey: string, args: aws.apigatewayv2.RouteArgs): void {
  const type = args.authorizationType ?? "NONE";
  if (args.authorizationScopes !== undefined && type !== "JWT") throw new Error(`route ${routeKey}: authorizationScopes apply only to JWT authorization (API Gateway refuses them with ${type})`);
  if (type === "JWT" && args.authorizerId === undefined) throw new Error(`route ${routeKey}: JWT authorization needs an authorizerId`);
  if (type !== "JWT" && type !== "CUSTOM" && args.authorizerId !== undefined) throw new Error(`route ${routeKey}: authorizerId applies only to JWT or CUSTOM authorization, not ${type}`);
}

/** A JWT authorizer's plain inputs, checked (inputs that are Outputs are checked by API Gateway). */
export function checkJwtAuthorizer(args: JwtAuthorizerArgs): void {
  if (args.audiences.length === 0) throw new Error("jwtAuthorizer.audiences needs at least one audience: API Gateway requires it");
  if (args.audiences.length > JWT_CONFIG_LIMITS.maxAudiences) throw new Error(`jwtAuthorizer.audiences lists more than API Gateway's ${JWT_CONFIG_LIMITS.maxAudiences}`);
  if (typeof args.issuer === "string" && !/^https:\/\/[^/?#]+/.test(args.issuer) && !/^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(?=[:/]|$)/.test(args.issuer)) {
    throw new Error(`jwtAuthorizer.issuer must be an https URL, got ${JSON.stringify(args.issuer)}`);
  }
}
