// IdempotentTable: one DynamoDB item per idempotency key, on demand, expiring by TTL, protected
// (PITR, deletion protection, retained on delete) when the stack's data matters.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { BY_SOURCE_INDEX, BY_SOURCE_INDEX_KEYS, FAILED_INDEX, FAILED_INDEX_KEYS, TABLE_HASH_KEY, TABLE_HASH_KEY_TYPE, TABLE_TTL_ATTRIBUTE } from "../runtime/contract/table";
import { SluiceComponent, type CommonArgs } from "./component";
import type { Grantee } from "./policy";
import type { Transform } from "./transform";

/** Actions that only read; `grantRead` gives these. */
export const TABLE_READ_ACTIONS = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"];
/** Actions that write one item at a time; `grantWrite` gives these. */
export const TABLE_WRITE_ACTIONS = ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"];

/** DynamoDB calls KMS on the caller's behalf when the table uses a customer key, whatever the action. */
export const TABLE_KMS_ACTIONS = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"];

export interface IdempotentTableArgs extends CommonArgs {
  /**
   * Protect the data: PITR, deletion protection, and Pulumi `protect` + `retainOnDelete`.
   * Default true; turn it off only for stacks that must tear down cleanly (dev).
   */
  protect?: boolean;
  /**
   * Add the keys-only `bySource` GSI (hash `source`, range `receivedAt`) for listing by source: one
   * more write unit per event. The sparse failed-events index is always there. Default false.
   */
  listIndex?: boolean;
  /** KMS key ARN for table encryption. Default: none, DynamoDB's AWS-owned key. */
  kmsKeyArn?: pulumi.Input<string>;
  /** Per-child escape hatch for what these args do not cover. Default none. */
  transform?: { table?: Transform<aws.dynamodb.TableArgs>; grant?: Transform<aws.iam.RolePolicyArgs> };
}

export class IdempotentTable extends SluiceComponent {
  public readonly table: aws.dynamodb.Table;
  public readonly name: pulumi.Output<string>;
  public readonly arn: pulumi.Output<string>;
  private readonly hasIndex: boolean;
  /** The table's GSIs (the failed index always; bySource with listIndex). */
  public readonly indexNames: string[];
  private readonly grantTransform?: Transform<aws.iam.RolePolicyArgs>;

  constructor(name: string, args: IdempotentTableArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super("IdempotentTable", name, args, opts);
    const protect = args.protect ?? true;
    this.hasIndex = args.listIndex ?? false;
    this.grantTransform = args.transform?.grant;

    // The key schema is the runtime's contract (runtime/contract/table.ts), not this component's.
    // Keys only: a listing reads the items themselves, consistently, so an index entry is written
    // once (when its keys appear), never again when the item's other attributes change.
    const failedIndex = { name: FAILED_INDEX, hashKey: FAILED_INDEX_KEYS.hashKey, rangeKey: FAILED_INDEX_KEYS.rangeKey, projectionType: "KEYS_ONLY" };
    const sourceIndex = { name: BY_SOURCE_INDEX, hashKey: BY_SOURCE_INDEX_KEYS.hashKey, rangeKey: BY_SOURCE_INDEX_KEYS.rangeKey, projectionType: "KEYS_ONLY" };
    const indexes = this.hasIndex ? [sourceIndex, failedIndex] : [failedIndex];
    const attributes: { name: string; type: string }[] = [{ name: TABLE_HASH_KEY, type: TABLE_HASH_KEY_TYPE }];
    for (const [name, type] of [
      [FAILED_INDEX_KEYS.hashKey, FAILED_INDEX_KEYS.type],
      [FAILED_INDEX_KEYS.rangeKey, FAILED_INDEX_KEYS.type],
      ...(this.hasIndex ? [[BY_SOURCE_INDEX_KEYS.hashKey, BY_SOURCE_INDEX_KEYS.type]] : []),
    ]) {
      if (!attributes.some((a) => a.name === name)) attributes.push({ name, type });
    }
    this.indexNames = indexes.map((i) => i.name);
    const [tableName, tableArgs, tableOpts] = this.child<aws.dynamodb.TableArgs>(
      `${name}-table`,
      args.transform?.table,
      {
        name: this.physicalName("table"),
        hashKey: TABLE_HASH_KEY,
        attributes,
        billingMode: "PAY_PER_REQUEST",
        ttl: { attributeName: TABLE_TTL_ATTRIBUTE, enabled: true },
        globalSecondaryIndexes: indexes,
        pointInTimeRecovery: { enabled: protect },
        deletionProtectionEnabled: protect,
        serverSideEncryption: this.kmsKeyArn.apply((key) => (key ? { enabled: true, kmsKeyArn: key } : undefined)) as pulumi.Output<aws.types.input.dynamodb.TableServerSideEncryption>,
        tags: this.tags,
      },
      { protect, retainOnDelete: protect },
    );
    this.table = new aws.dynamodb.Table(tableName, tableArgs, tableOpts);
    // DynamoDB checks the key's state and metadata itself (key-policy.ts).
    this.needsKey({ kind: "service", name: "dynamodb-key-metadata", principal: "dynamodb.amazonaws.com", actions: ["kms:Describe*", "kms:Get*", "kms:List*"] });
    this.name = this.table.name;
    this.arn = this.table.arn;
    this.registerOutputs({ name: this.name, arn: this.arn });
  }

  /**
   * Grants `grantee` exactly `actions` (dynamodb:…) on this table (and on each of its indexes, for
   * Query), as an inline policy named `<grantee>-table-<label>`.
   */
  grant(grantee: Grantee, actions: readonly string[], label = "access"): aws.iam.RolePolicy {
    return this.grantPolicy({
      grantee,
      target: "table",
      label,
      service: "dynamodb",
      actions,
      resources: (checked) => [
        this.table.arn,
        ...(checked.includes("dynamodb:Query") ? this.indexNames.map((index) => pulumi.interpolate`${this.table.arn}/index/${index}`) : []),
      ],
      kmsActions: () => TABLE_KMS_ACTIONS,
      transform: this.grantTransform,
    });
  }

  /** Read access: GetItem, BatchGetItem and Query. */
  grantRead(grantee: Grantee): aws.iam.RolePolicy {
    return this.grant(grantee, TABLE_READ_ACTIONS, "read");
  }

  /** Single-item write access: PutItem, UpdateItem, DeleteItem. */
  grantWrite(grantee: Grantee): aws.iam.RolePolicy {
    return this.grant(grantee, TABLE_WRITE_ACTIONS, "write");
  }
}
