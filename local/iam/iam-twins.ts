// The registry entry for IAM: the config of the gate (iam-gate.ts) that runs first in the DynamoDB
// and SQS twin processes, sent there through the stack's gate settings (ctx.gates), so a twin that
// restarts gets it again. Until the program has run it knows only the local stack's tool
// credentials; once the functions have their credentials, it knows each function's role session
// and that role's policies from the graph.
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS, LOCAL_REGION } from "../aws/local-account";
import type { ProgramRun } from "../program/resource-record";
import type { TwinContext, TwinModule } from "../twin-module";
import type { IamGateConfig, IamPrincipal } from "./iam-gate";
import type { RoleCredentials } from "./role-credentials";
import { rolePoliciesOf } from "./role-policies";

/** What the gate needs to know of one function: who it runs as. */
export interface FunctionIdentity {
  /** The function's physical name: Lambda's role session name. */
  functionName: string;
  /** Its `role` input, the execution role's ARN. */
  roleArn: string;
  credentials: RoleCredentials;
}

export interface IamTwins extends TwinModule {
  /** The gate's current configuration (plain JSON), as the twin processes have it. */
  config(): IamGateConfig;
}

const TOOL: IamPrincipal = { kind: "tool", ...LOCAL_CREDENTIALS };

/** The gate's configuration for `functions` of `run`, and what could not be taken into account. */
export function iamGateConfig(run: Pick<ProgramRun, "resources" | "config">, functions: readonly FunctionIdentity[]): { config: IamGateConfig; notes: string[] } {
  const roles = rolePoliciesOf(run.resources, { program: run.config["aws:region"] ?? LOCAL_REGION, local: LOCAL_REGION });
  const notes: string[] = [];
  const principals: IamPrincipal[] = [TOOL];
  for (const f of functions) {
    const role = roles.get(f.roleArn);
    if (!role) notes.push(`function ${f.functionName}: its role ${f.roleArn} is not a role of this program, so it is allowed nothing`);
    for (const note of role?.notes ?? []) notes.push(`function ${f.functionName}: ${note}`);
    principals.push({
      kind: "role",
      ...f.credentials,
      sessionArn: `arn:aws:sts::${LOCAL_ACCOUNT_ID}:assumed-role/${role?.roleName ?? f.roleArn.split("/").pop()}/${f.functionName}`,
      roleArn: f.roleArn,
      policies: role?.documents ?? [],
    });
  }
  return { config: { accountId: LOCAL_ACCOUNT_ID, region: LOCAL_REGION, principals }, notes };
}

/** What the twin processes start with, before the program has run: only the stack's own tool credentials are known. */
export function toolOnlyIamConfig(): IamGateConfig {
  return { accountId: LOCAL_ACCOUNT_ID, region: LOCAL_REGION, principals: [TOOL] };
}

export function iamTwins(ctx: TwinContext, deps: { functions(): readonly FunctionIdentity[] }): IamTwins {
  let config = ctx.gates.current().iam ?? toolOnlyIamConfig();
  return {
    emulates: {
      "aws:iam/role:Role": "credentials per function",
      "aws:iam/rolePolicy:RolePolicy": "enforced at DynamoDB, SQS, EventBridge, Secrets Manager",
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "enforced (known AWS managed policies)",
      "aws:iam/policy:Policy": "enforced where attached",
    },
    config: () => config,
    async create(run) {
      const built = iamGateConfig(run, deps.functions());
      for (const note of built.notes) ctx.log(JSON.stringify({ level: "warn", source: "local", msg: "IAM: not enforced as on AWS", detail: note }));
      config = built.config;
      // Before start: nothing polls or is invoked until every twin process enforces it.
      await ctx.gates.update({ iam: config });
    },
  };
}
