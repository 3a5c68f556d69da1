// Each IAM role's identity-based policies, read from the program's resource graph as the mocks
// recorded it: the role's own inline policies, every aws.iam.RolePolicy on it (documents already
// resolved), and its managed policy attachments — the program's own aws.iam.Policy documents, or
// the AWS managed policies listed in managed-policies.ts. ARNs in the documents that name the
// program's region are mapped to the local one, as the queue twins map SQS ARNs.
import type { ResourceRecord } from "../program/resource-record";
import { MANAGED_POLICIES } from "./managed-policies";
import type { PolicyDocument, Statement } from "./policy-evaluation";

export interface RolePolicies {
  roleArn: string;
  roleName: string;
  /** Every document that applies to the role, in the order found. */
  documents: PolicyDocument[];
  /** What could not be taken into account (unknown managed policies, permission boundaries). */
  notes: string[];
}

const TYPES = {
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  policy: "aws:iam/policy:Policy",
} as const;

/** The IAM resource types whose documents are read here. */
export const IAM_POLICY_TYPES: readonly string[] = Object.values(TYPES);

function parseDocument(policy: unknown, where: string): PolicyDocument {
  const doc = typeof policy === "string" ? JSON.parse(policy) : policy;
  if (!doc || typeof doc !== "object" || !("Statement" in doc)) throw new Error(`${where}: not an IAM policy document`);
  return doc as PolicyDocument;
}

/** `arn:aws:<service>:<programRegion>:…` → the same ARN in `localRegion`. */
export function localizeArn(arn: string, programRegion: string, localRegion: string): string {
  const parts = arn.split(":");
  return parts.length >= 6 && parts[0] === "arn" && parts[3] === programRegion ? [...parts.slice(0, 3), localRegion, ...parts.slice(4)].join(":") : arn;
}

function localizeDocument(doc: PolicyDocument, programRegion: string, localRegion: string): PolicyDocument {
  if (programRegion === localRegion) return doc;
  const map = (v: string | string[] | undefined) => (v === undefined ? v : Array.isArray(v) ? v.map((a) => localizeArn(a, programRegion, localRegion)) : localizeArn(v, programRegion, localRegion));
  const statements = (Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]).map((s): Statement => ({ ...s, Resource: map(s.Resource), NotResource: map(s.NotResource) }));
  return { ...doc, Statement: statements };
}

/** A role reference as RolePolicy and RolePolicyAttachment spell it: its name, or its ARN. */
function refersToRole(ref: unknown, role: ResourceRecord): boolean {
  const s = String(ref ?? "");
  return s === role.state.name || s === role.state.arn || s === role.id;
}

/** Role ARN → its policies, for every aws.iam.Role of the program. */
export function rolePoliciesOf(resources: readonly ResourceRecord[], regions: { program: string; local: string }): Map<string, RolePolicies> {
  const of = (type: string) => resources.filter((r) => r.type === type);
  const local = (doc: PolicyDocument) => localizeDocument(doc, regions.program, regions.local);
  const out = new Map<string, RolePolicies>();
  for (const role of of(TYPES.role)) {
    const entry: RolePolicies = { roleArn: String(role.state.arn), roleName: String(role.state.name), documents: [], notes: [] };
    for (const inline of (role.inputs.inlinePolicies ?? []) as { name?: string; policy?: unknown }[]) {
      if (inline.policy) entry.documents.push(local(parseDocument(inline.policy, `role ${role.name}, inline policy ${inline.name}`)));
    }
    for (const rp of of(TYPES.rolePolicy).filter((p) => refersToRole(p.inputs.role, role))) {
      entry.documents.push(local(parseDocument(rp.inputs.policy, `role policy ${rp.name}`)));
    }
    const attached = [
      ...((role.inputs.managedPolicyArns ?? []) as string[]),
      ...of(TYPES.attachment)
        .filter((a) => refersToRole(a.inputs.role, role))
        .map((a) => String(a.inputs.policyArn)),
    ];
    for (const arn of attached) {
      const own = of(TYPES.policy).find((p) => p.state.arn === arn || p.id === arn);
      if (own) entry.documents.push(local(parseDocument(own.inputs.policy, `policy ${own.name}`)));
      else if (MANAGED_POLICIES[arn]) entry.documents.push(MANAGED_POLICIES[arn]);
      else entry.notes.push(`managed policy ${arn} is not known locally: its grants do not count here`);
    }
    if (role.inputs.permissionsBoundary) entry.notes.push(`permissions boundary ${role.inputs.permissionsBoundary} is not evaluated locally: it may deny on AWS what is allowed here`);
    out.set(entry.roleArn, entry);
  }
  return out;
}
