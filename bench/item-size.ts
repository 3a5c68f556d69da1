// DynamoDB's item size, as its documentation counts it (names and values in bytes; numbers about
// one byte per two significant digits plus one; 3 bytes per map or list plus one per element),
// plus the 100 bytes per item that storage is billed for. Pure: typed items in, bytes out.
import type { AttributeValue } from "@aws-sdk/client-dynamodb";

/** Storage DynamoDB bills per item beyond its attributes. */
export const STORAGE_OVERHEAD_BYTES = 100;

function numberBytes(n: string): number {
  const digits = n.replace(/^-/, "").replace(/e.*$/i, "").replace(".", "").replace(/^0+/, "").replace(/0+$/, "");
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

export function valueBytes(v: AttributeValue): number {
  if (v.S !== undefined) return Buffer.byteLength(v.S, "utf8");
  if (v.N !== undefined) return numberBytes(v.N);
  if (v.B !== undefined) return v.B.byteLength;
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.SS) return v.SS.reduce((s, x) => s + Buffer.byteLength(x, "utf8"), 0);
  if (v.NS) return v.NS.reduce((s, x) => s + numberBytes(x), 0);
  if (v.BS) return v.BS.reduce((s, x) => s + x.byteLength, 0);
  if (v.L) return 3 + v.L.reduce((s, x) => s + 1 + valueBytes(x), 0);
  if (v.M) return 3 + Object.entries(v.M).reduce((s, [k, x]) => s + 1 + Buffer.byteLength(k, "utf8") + valueBytes(x), 0);
  return 0;
}

/** The size DynamoDB charges write units on (1 unit per 1 KB). */
export function itemBytes(item: Record<string, AttributeValue>): number {
  return Object.entries(item).reduce((s, [name, v]) => s + Buffer.byteLength(name, "utf8") + valueBytes(v), 0);
}
