// What the AWS provider would compute or answer under mocks: the state of a new resource (ARNs,
// URLs, names) and the data-source invokes the program makes, enough for its outputs and
// cross-references to resolve.
import * as crypto from "node:crypto";
import { secretArnFor } from "../secretsmanager/secret-arn";
import type { NewResourceArgs } from "./resource-record";

function shortHash(s: string): string {
  return crypto.createHash("sha256").update(s).digest("hex").slice(0, 7);
}

/** The state a provider would return for a new resource: its inputs plus the computed fields. */
export function defaultState(args: NewResourceArgs, region: string, accountId: string, stack: string): Record<string, any> {
  const inputs = args.inputs ?? {};
  const physical = inputs.name ?? `${args.name}-${shortHash(`${stack}/${args.type}/${args.name}`)}`;
  const state: Record<string, any> = { ...inputs };
  const [pkg, mod] = args.type.split(":");
  if (pkg !== "aws") return state;
  const service = mod.split("/")[0];
  state.name = physical;
  state.arn = `arn:aws:${service}:${region}:${accountId}:${physical}`;
  state.tagsAll = inputs.tags ?? {};
  switch (args.type) {
    case "aws:sqs/queue:Queue":
      state.arn = `arn:aws:sqs:${region}:${accountId}:${physical}`;
      state.url = `https://sqs.${region}.amazonaws.com/${accountId}/${physical}`;
      break;
    case "aws:dynamodb/table:Table":
      state.arn = `arn:aws:dynamodb:${region}:${accountId}:table/${physical}`;
      break;
    case "aws:lambda/function:Function":
      state.arn = `arn:aws:lambda:${region}:${accountId}:function:${physical}`;
      state.invokeArn = `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${state.arn}/invocations`;
      break;
    case "aws:iam/role:Role":
      state.arn = `arn:aws:iam::${accountId}:role/${physical}`;
      break;
    case "aws:cloudwatch/logGroup:LogGroup":
      state.arn = `arn:aws:logs:${region}:${accountId}:log-group:${physical}`;
      break;
    case "aws:sns/topic:Topic":
      state.arn = `arn:aws:sns:${region}:${accountId}:${physical}`;
      break;
    case "aws:apigatewayv2/api:Api": {
      const apiId = shortHash(`${stack}/${args.name}`).slice(0, 7) + "abc";
      state.apiEndpoint = `https://${apiId}.execute-api.${region}.amazonaws.com`;
      state.executionArn = `arn:aws:execute-api:${region}:${accountId}:${apiId}`;
      state.arn = `arn:aws:apigateway:${region}::/apis/${apiId}`;
      break;
    }
    case "aws:cloudwatch/eventBus:EventBus":
      state.arn = `arn:aws:events:${region}:${accountId}:event-bus/${physical}`;
      break;
    case "aws:cloudwatch/queryDefinition:QueryDefinition":
      state.queryDefinitionId = shortHash(`${stack}/${args.name}/query`) + "-0000-4000-8000-000000000000";
      break;
    case "aws:secretsmanager/secret:Secret":
      // The AWS provider's id of a secret is its ARN, which ends in six characters AWS picks.
      state.arn = secretArnFor(physical, { region, accountId });
      state.id = state.arn;
      break;
    case "aws:cloudwatch/dashboard:Dashboard":
      state.dashboardName = inputs.dashboardName ?? physical;
      break;
  }
  return state;
}

/** The answer to a data-source invoke (`aws.getRegion()` and the like). */
export function invokeResult(token: string, region: string, accountId: string): Record<string, unknown> {
  switch (token) {
    case "aws:index/getRegion:getRegion":
      return { name: region, region, id: region, description: region };
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return { accountId, arn: `arn:aws:iam::${accountId}:user/local`, userId: "local", id: accountId };
    case "aws:index/getPartition:getPartition":
      return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
    default:
      throw new Error(`unmocked invoke ${token}: add it to local/program/provider-state.ts`);
  }
}
