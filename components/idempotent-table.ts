// IdempotentTable: one DynamoDB item per idempotency key, on demand, expiring by TTL, protected
// (PITR, deletion protection, retained on delete) when the stack's data matters.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { BY_SOURCE_INDEX, BY_SOURCE_INDEX_KEYS, TABLE_HASH_KEY, TABLE_HASH_KEY_TYPE, TABLE_TTL_ATTRIBUTE } from "../runtime/contract/table";
import { checkActions, Grantee, policyDocument } from "./policy";
import { applyTransform, componentTags, Transform } from "./transform";

/** Actions that only read; `grantRead` gives these. */
export const TABLE_READ_ACTIONS = ["dynamodb:GetItem", "dynamodb:Query"];
/** Actions that write one item at a time; `grantWrite` gives these. */
export const TABLE_WRITE_ACTIONS = ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"];

export interface IdempotentTableArgs {
  /**
   * Protect the data: PITR, deletion protection, and Pulumi `protect` + `retainOnDelete`.
   * Default true; turn it off only for stacks that must tear down cleanly (dev).
   */
  protect?: boolean;
  /** Add the `bySource` GSI (hash `source`, range `receivedAt`) for listing by source. Default false. */
  bySourceIndex?: boolean;
  /** KMS key ARN for table encryption. Default: none, DynamoDB's AWS-owned key. */
  kmsKeyArn?: pulumi.Input<string>;
  /** Tags for every child; `component` is added. Default {}. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Per-child escape hatch for what these args do not cover. Default none. */
  transform?: { table?: Transform<aws.dynamodb.TableArgs>; grant?: Transform<aws.iam.RolePolicyArgs> };
}

export class IdempotentTable extends pulumi.ComponentResource {
  public readonly table: aws.dynamodb.Table;
  public readonly name: pulumi.Output<string>;
  public readonly arn: pulumi.Output<string>;
  private readonly hasIndex: boolean;
  private readonly kmsKeyArn: pulumi.Output<string | undefined>;
  private readonly grantTransform?: Transform<aws.iam.RolePolicyArgs>;

  constructor(name: string, args: IdempotentTableArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super("sluice:components:IdempotentTable", name, {}, opts);
    const protect = args.protect ?? true;
    this.hasIndex = args.bySourceIndex ?? false;
    this.kmsKeyArn = pulumi.output(args.kmsKeyArn).apply((k) => (k ? k : undefined));
    this.grantTransform = args.transform?.grant;

    // The key schema is the runtime's contract (runtime/contract/table.ts), not this component's.
    const attributes: { name: string; type: string }[] = [{ name: TABLE_HASH_KEY, type: TABLE_HASH_KEY_TYPE }];
    if (this.hasIndex) attributes.push({ name: BY_SOURCE_INDEX_KEYS.hashKey, type: BY_SOURCE_INDEX_KEYS.type }, { name: BY_SOURCE_INDEX_KEYS.rangeKey, type: BY_SOURCE_INDEX_KEYS.type });
    const [tableName, tableArgs, tableOpts] = applyTransform<aws.dynamodb.TableArgs>(
      args.transform?.table,
      `${name}-table`,
      {
        hashKey: TABLE_HASH_KEY,
        attributes,
        billingMode: "PAY_PER_REQUEST",
        ttl: { attributeName: TABLE_TTL_ATTRIBUTE, enabled: true },
        globalSecondaryIndexes: this.hasIndex
          ? [{ name: BY_SOURCE_INDEX, hashKey: BY_SOURCE_INDEX_KEYS.hashKey, rangeKey: BY_SOURCE_INDEX_KEYS.rangeKey, projectionType: "ALL" }]
          : undefined,
        pointInTimeRecovery: { enabled: protect },
        deletionProtectionEnabled: protect,
        serverSideEncryption: this.kmsKeyArn.apply((key) => (key ? { enabled: true, kmsKeyArn: key } : undefined)) as pulumi.Output<aws.types.input.dynamodb.TableServerSideEncryption>,
        tags: componentTags(args.tags, "IdempotentTable"),
      },
      { parent: this, protect, retainOnDelete: protect },
    );
    this.table = new aws.dynamodb.Table(tableName, tableArgs, tableOpts);
    this.name = this.table.name;
    this.arn = this.table.arn;
    this.registerOutputs({ name: this.name, arn: this.arn });
  }

  /**
   * Grants `grantee` exactly `actions` (dynamodb:…) on this table (and its index, for Query), as an
   * inline policy named `<grantee>-table-<label>`.
   */
  grant(grantee: Grantee, actions: readonly string[], label = "access"): aws.iam.RolePolicy {
    const tableActions = checkActions("dynamodb", actions);
    const resources: pulumi.Input<string>[] = [this.table.arn];
    if (this.hasIndex && tableActions.includes("dynamodb:Query")) resources.push(pulumi.interpolate`${this.table.arn}/index/${BY_SOURCE_INDEX}`);
    const document = this.kmsKeyArn.apply((key) =>
      policyDocument([
        { actions: tableActions, resources },
        // DynamoDB calls KMS on the caller's behalf when the table uses a customer key.
        ...(key ? [{ actions: ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"], resources: [key] }] : []),
      ]),
    );
    const [name, args, opts] = applyTransform<aws.iam.RolePolicyArgs>(
      this.grantTransform,
      `${grantee.name}-table-${label}`,
      { role: grantee.role.name, policy: document },
      { parent: this },
    );
    return new aws.iam.RolePolicy(name, args, opts);
  }

  /** Read access: GetItem and Query. */
  grantRead(grantee: Grantee): aws.iam.RolePolicy {
    return this.grant(grantee, TABLE_READ_ACTIONS, "read");
  }

  /** Single-item write access: PutItem, UpdateItem, DeleteItem. */
  grantWrite(grantee: Grantee): aws.iam.RolePolicy {
    return this.grant(grantee, TABLE_WRITE_ACTIONS, "write");
  }
}
