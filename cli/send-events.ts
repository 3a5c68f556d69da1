// Posts prepared events to the ingest API, one per request or ten per batch, with bounded
// concurrency. Retrying is got's job (see http-client.ts); this maps answers to outcomes.
import { routePath } from "../runtime/contract/routes";
import type { Got, Response } from "./got";
import { batchItemOutcome, isRetryableItem, singleOutcome, type BatchItemAnswer, type ItemResult } from "./outcome";
import { mapPool } from "./pool";

/** An event ready to send. */
export interface PreparedEvent {
  index: number;
  line?: number;
  event: Record<string, unknown>;
  /** Its idempotency key (see keys.ts); the server derives the same one from source+id. */
  key: string;
  /** The id the server will store it under, when known in advance. */
  storedId?: string;
}

export interface SendOptions {
  /** Use POST /events/batch, this many events per request; default off (one per request). */
  batchSize?: number;
  /** Requests in flight at once; default 8. */
  concurrency?: number;
  /** Called once per event as soon as its outcome is known. */
  onResult?: (result: ItemResult) => void;
}

/**
 * The API's batch limit (runtime/prepare-event.ts `MAX_BATCH_EVENTS`; a test keeps them equal).
 * Not imported: that module would load the SQS client into the CLI.
 */
export const MAX_BATCH = 10;

const JSON_CONTENT = "application/cloudevents+json; charset=utf-8";
const BATCH_CONTENT = "application/cloudevents-batch+json; charset=utf-8";

export function endpoint(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
}

export async function sendEvents(client: Got, baseUrl: string, events: readonly PreparedEvent[], opts: SendOptions = {}): Promise<ItemResult[]> {
  const concurrency = opts.concurrency ?? 8;
  const report = (r: ItemResult): ItemResult => {
    opts.onResult?.(r);
    return r;
  };
  if (!opts.batchSize || opts.batchSize <= 1) {
    return mapPool(events, concurrency, async (e) => report(await sendOne(client, baseUrl, e)));
  }
  const size = Math.min(opts.batchSize, MAX_BATCH);
  const chunks: PreparedEvent[][] = [];
  for (let i = 0; i < events.length; i += size) chunks.push(events.slice(i, i + size));
  const perChunk = await mapPool(chunks, concurrency, (chunk) => sendBatch(client, baseUrl, chunk, report));
  return perChunk.flat();
}

function base(e: PreparedEvent): ItemResult {
  return { index: e.index, line: e.line, eventId: typeof e.event.id === "string" ? e.event.id : undefined, key: e.key, outcome: "failed" };
}

/** Merges an answer into the event's result; a stored event keeps the id the server gave it. */
function finish(e: PreparedEvent, answer: Partial<ItemResult>, attempts: number): ItemResult {
  const stored = answer.outcome === "accepted" || answer.outcome === "replayed";
  const result: ItemResult = { ...base(e), ...answer, attempts };
  if (stored) result.id = answer.id ?? e.storedId;
  else delete result.id;
  return result;
}

export async function sendOne(client: Got, baseUrl: string, e: PreparedEvent): Promise<ItemResult> {
  try {
    const res = await client.post(endpoint(baseUrl, routePath("postEvent")), {
      body: JSON.stringify(e.event),
      headers: { "content-type": JSON_CONTENT },
      context: { eventId: base(e).eventId, key: e.key },
      responseType: "text",
    });
    return finish(e, singleOutcome(answerOf(res)), res.retryCount + 1);
  } catch (err) {
    return finish(e, { outcome: "failed", reason: networkReason(err) }, attemptsOf(err));
  }
}

async function sendBatch(client: Got, baseUrl: string, chunk: PreparedEvent[], report: (r: ItemResult) => ItemResult): Promise<ItemResult[]> {
  let res: Response<string>;
  try {
    res = await client.post(endpoint(baseUrl, routePath("postBatch")), {
      body: JSON.stringify(chunk.map((e) => e.event)),
      headers: { "content-type": BATCH_CONTENT },
      context: { eventId: chunk.map((e) => base(e).eventId).join(","), batch: true },
      responseType: "text",
    });
  } catch (err) {
    const reason = networkReason(err);
    const attempts = attemptsOf(err);
    return chunk.map((e) => report(finish(e, { outcome: "failed", reason }, attempts)));
  }
  const answer = answerOf(res);
  const attempts = res.retryCount + 1;
  const items = batchItems(answer.body);
  if ((answer.statusCode !== 202 && answer.statusCode !== 207) || !items) {
    // The whole request was answered at once (malformed, too large, throttled to the end...).
    const whole = singleOutcome(answer);
    const outcome = whole.outcome === "accepted" || whole.outcome === "replayed" ? "failed" : whole.outcome;
    const reason = whole.reason ?? `unexpected batch answer HTTP ${answer.statusCode}`;
    return chunk.map((e) => report(finish(e, { ...whole, outcome, reason }, attempts)));
  }
  const byIndex = new Map(items.map((item) => [item.index, item]));
  return Promise.all(
    chunk.map(async (e, i) => {
      const item = byIndex.get(i);
      if (!item) return report(finish(e, { outcome: "failed", httpStatus: answer.statusCode, reason: "missing from the batch answer" }, attempts));
      // A transient per-item failure gets got's full retry policy on its own (same source+id, same key).
      if (isRetryableItem(item)) {
        const single = await sendOne(client, baseUrl, e);
        return report({ ...single, attempts: attempts + (single.attempts ?? 1) });
      }
      return report(finish(e, batchItemOutcome(item), attempts));
    }),
  );
}

/** The per-event answers of a 202/207 batch: `{ items: [{ index, id?, status, httpStatus, problem? }] }`. */
function batchItems(body: unknown): BatchItemAnswer[] | undefined {
  const list = body && typeof body === "object" ? (body as { items?: unknown }).items : undefined;
  if (!Array.isArray(list)) return undefined;
  return list.filter((x): x is BatchItemAnswer => !!x && typeof x === "object" && typeof (x as BatchItemAnswer).index === "number");
}

function answerOf(res: Response<string>) {
  return { statusCode: res.statusCode, headers: res.headers, body: parseJson(res.body) };
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text === "" ? undefined : text;
  }
}

function networkReason(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return e.code ? `${e.code}: ${e.message ?? ""}`.trim() : e.message ?? String(err);
}

function attemptsOf(err: unknown): number {
  const retryCount = (err as { request?: { retryCount?: number } }).request?.retryCount;
  return (retryCount ?? 0) + 1;
}
