// Prices an event from what the end-to-end run counted, at the list prices of DESIGN §8
// (us-east-1, no free tier). Pure: the counts come in, dollars per million events go out.
export const PRICES = {
  apiPerMillionRequests: 1.0,
  lambdaPerMillionRequests: 0.2,
  lambdaPerGbSecondArm64: 0.0000133334,
  sqsPerMillionRequests: 0.4,
  dynamoPerMillionWriteUnits: 0.625,
  dynamoPerMillionReadUnits: 0.125,
  dynamoStoragePerGbMonth: 0.25,
  logsPerGbIngested: 0.5,
};

export interface PerEventUsage {
  apiRequests: number;
  lambdaInvocations: number;
  lambdaGbSeconds: number;
  sqsBilledRequests: number;
  dynamoWriteUnits: number;
  dynamoReadUnits: number;
  /** Bytes kept per event, for the days the TTL keeps them. */
  storedBytes: number;
  storedDays: number;
  logBytes: number;
}

const GB = 1024 ** 3;

export function costPerMillion(u: PerEventUsage): Record<string, number> & { total: number } {
  const m = 1_000_000;
  const lines = {
    api: u.apiRequests * PRICES.apiPerMillionRequests,
    lambdaRequests: u.lambdaInvocations * PRICES.lambdaPerMillionRequests,
    lambdaCompute: u.lambdaGbSeconds * m * PRICES.lambdaPerGbSecondArm64,
    sqs: u.sqsBilledRequests * PRICES.sqsPerMillionRequests,
    dynamoWrites: u.dynamoWriteUnits * PRICES.dynamoPerMillionWriteUnits,
    dynamoReads: u.dynamoReadUnits * PRICES.dynamoPerMillionReadUnits,
    dynamoStorage: ((u.storedBytes * m) / GB) * PRICES.dynamoStoragePerGbMonth * (u.storedDays / 30),
    logs: ((u.logBytes * m) / GB) * PRICES.logsPerGbIngested,
  };
  const total = Object.values(lines).reduce((a, b) => a + b, 0);
  return { ...lines, total };
}
