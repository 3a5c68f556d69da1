// An IAM gate config (local/iam/iam-gate.ts) for tests that run twin processes by hand: the stack's
// tool credentials, as the local stack starts its twins with, plus one role with fresh session
// credentials and the statements given, as a function's role would be.
import { LOCAL_ACCOUNT_ID } from "../../local/aws/local-account";
import type { IamGateConfig } from "../../local/iam/iam-gate";
import { toolOnlyIamConfig } from "../../local/iam/iam-twins";
import type { PolicyDocument } from "../../local/iam/policy-evaluation";
import { issueRoleCredentials, type RoleCredentials } from "../../local/iam/role-credentials";

export function roleGateConfig(roleName: string, statements: PolicyDocument["Statement"]): { iam: IamGateConfig; role: RoleCredentials } {
  const role = issueRoleCredentials();
  const base = toolOnlyIamConfig();
  const iam: IamGateConfig = {
    ...base,
    principals: [
      ...base.principals,
      {
        kind: "role",
        ...role,
        sessionArn: `arn:aws:sts::${LOCAL_ACCOUNT_ID}:assumed-role/${roleName}/${roleName}-fn`,
        roleArn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/${roleName}`,
        policies: [{ Version: "2012-10-17", Statement: statements }],
      },
    ],
  };
  return { iam, role };
}
