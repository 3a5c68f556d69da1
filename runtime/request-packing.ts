// Packs items, in order, into the fewest requests an AWS batch API takes: at most `maxEntries` each
// and `maxBytes` of their sizes (SendMessageBatch: 10 and 256 KiB; PutEvents: 10 and 256 KB). An
// item larger than `maxBytes` goes alone, and the service answers for it.
export function packRequests<T>(items: readonly T[], sizeOf: (item: T) => number, limits: { maxEntries: number; maxBytes: number }): T[][] {
  const requests: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length > 0 && (current.length === limits.maxEntries || bytes + size > limits.maxBytes)) {
      requests.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) requests.push(current);
  return requests;
}
