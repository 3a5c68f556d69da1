// The local twin of one aws.dynamodb.Table: the same key schema and indexes in dynalite, created
// only when absent so the data dir survives restarts.
import { CreateTableCommand, DescribeTableCommand, type CreateTableCommandInput, type DynamoDBClient, type KeySchemaElement } from "@aws-sdk/client-dynamodb";

interface KeySchemaInput {
  attributeName: string;
  keyType: string;
}
interface IndexInputs {
  name: string;
  hashKey?: string;
  rangeKey?: string;
  keySchemas?: KeySchemaInput[];
  projectionType: string;
  nonKeyAttributes?: string[];
  readCapacity?: number;
  writeCapacity?: number;
}
export interface TableInputs {
  hashKey?: string;
  rangeKey?: string;
  attributes?: { name: string; type: string }[];
  billingMode?: string;
  readCapacity?: number;
  writeCapacity?: number;
  globalSecondaryIndexes?: IndexInputs[];
  localSecondaryIndexes?: IndexInputs[];
  streamEnabled?: boolean;
  streamViewType?: string;
  ttl?: { attributeName?: string; enabled?: boolean };
}

function keySchema(hashKey: string | undefined, rangeKey: string | undefined, schemas?: KeySchemaInput[]): KeySchemaElement[] {
  if (schemas && schemas.length > 0) return schemas.map((k) => ({ AttributeName: k.attributeName, KeyType: k.keyType as "HASH" | "RANGE" }));
  const out: KeySchemaElement[] = [];
  if (hashKey) out.push({ AttributeName: hashKey, KeyType: "HASH" });
  if (rangeKey) out.push({ AttributeName: rangeKey, KeyType: "RANGE" });
  return out;
}

/** The CreateTable request AWS would get for these Pulumi inputs. */
export function createTableInput(tableName: string, inputs: TableInputs): CreateTableCommandInput {
  const onDemand = (inputs.billingMode ?? "PROVISIONED") === "PAY_PER_REQUEST";
  const throughput = (r?: number, w?: number) => (onDemand ? undefined : { ReadCapacityUnits: r ?? 1, WriteCapacityUnits: w ?? 1 });
  const projection = (i: IndexInputs) => ({
    ProjectionType: i.projectionType as "ALL" | "KEYS_ONLY" | "INCLUDE",
    ...(i.nonKeyAttributes && i.nonKeyAttributes.length > 0 ? { NonKeyAttributes: i.nonKeyAttributes } : {}),
  });
  const gsis = (inputs.globalSecondaryIndexes ?? []).map((i) => ({
    IndexName: i.name,
    KeySchema: keySchema(i.hashKey, i.rangeKey, i.keySchemas),
    Projection: projection(i),
    ProvisionedThroughput: throughput(i.readCapacity, i.writeCapacity),
  }));
  const lsis = (inputs.localSecondaryIndexes ?? []).map((i) => ({
    IndexName: i.name,
    KeySchema: keySchema(inputs.hashKey, i.rangeKey),
    Projection: projection(i),
  }));
  return {
    TableName: tableName,
    AttributeDefinitions: (inputs.attributes ?? []).map((a) => ({ AttributeName: a.name, AttributeType: a.type as "S" | "N" | "B" })),
    KeySchema: keySchema(inputs.hashKey, inputs.rangeKey),
    BillingMode: onDemand ? "PAY_PER_REQUEST" : "PROVISIONED",
    ProvisionedThroughput: throughput(inputs.readCapacity, inputs.writeCapacity),
    ...(gsis.length > 0 ? { GlobalSecondaryIndexes: gsis } : {}),
    ...(lsis.length > 0 ? { LocalSecondaryIndexes: lsis } : {}),
    ...(inputs.streamEnabled ? { StreamSpecification: { StreamEnabled: true, StreamViewType: (inputs.streamViewType ?? "NEW_AND_OLD_IMAGES") as "NEW_IMAGE" } } : {}),
  };
}

/** Creates the table unless it already exists (kept from a previous run); says which. */
export async function ensureTable(client: DynamoDBClient, tableName: string, inputs: TableInputs): Promise<"created" | "existing"> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return "existing";
  } catch (err) {
    if ((err as Error).name !== "ResourceNotFoundException") throw err;
  }
  await client.send(new CreateTableCommand(createTableInput(tableName, inputs)));
  return "created";
}
