// The input limits, written once: the ingest checks them before anything walks the input, the
// README's limits table is checked against them, and the CLI and the tests build edge cases from
// them. Anything within these limits is accepted and stored exactly; anything beyond is a 4xx.

export const INPUT_LIMITS = {
  /** Default request body limit in bytes, after base64 decoding (config `maxBodyBytes`). */
  defaultMaxBodyBytes: 200 * 1024,
  /**
   * Most nested objects and arrays in one event, counting the event object itself as 1 (so `data`
   * may nest 63 deep). A batch's outer array does not count; in binary mode the body is `data`.
   */
  maxDepth: 64,
  /** Longest value of any context attribute (`id`, `source`, `type`, extensions…), in UTF-8 bytes. */
  maxAttributeBytes: 1024,
  /** Longest context attribute name (CloudEvents: lower-case letters and digits only). */
  maxAttributeNameLength: 64,
  /** Most context attributes in one event, core ones included. */
  maxAttributes: 100,
  /** Longest `Idempotency-Key` or `webhook-id` header, in characters. */
  maxKeyLength: 255,
  /** Most events in one `POST /events/batch`. */
  maxBatchEvents: 10,
} as const;

/** What SQS takes: one message body, and all bodies of one SendMessageBatch together (bytes). */
export const QUEUE_LIMITS = {
  maxMessageBytes: 256 * 1024,
  maxBatchBytes: 256 * 1024,
  maxBatchEntries: 10,
} as const;
