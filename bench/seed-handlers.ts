// The comparison pipeline of the bench: a seed-style ingest and worker, run by the same program
// (bench/seed-stack.ts swaps only these two factories) on the same local servers. The ingest
// parses, validates with the same type registry and sends; no idempotency at the edge. The worker
// stores each event with one conditional write of the event as a DynamoDB map. Same logger, same
// level, same SDK clients: what differs is the design, not the instrumentation.
import type { APIGatewayProxyEventV2, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { SendMessageBatchCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { createDocumentClient, createSqsClient } from "../runtime/aws-clients";
import { FUNCTION_ENVIRONMENT } from "../runtime/contract/environment";
import { problem } from "../runtime/contract/problems";
import { itemKey, TABLE_HASH_KEY, TABLE_TTL_ATTRIBUTE } from "../runtime/contract/table";
import { createEventTypes } from "../runtime/event-types";
import { jsonResponse, problemResponse } from "../runtime/http-response";
import type { HttpResult } from "../runtime/http-response";
import { deriveKey, eventIdForKey } from "../runtime/idempotency-key";
import type { LambdaContextLike } from "../runtime/lambda-context";
import { createLogger } from "../runtime/log";
import { readSettings } from "../runtime/settings";

type Event = Record<string, unknown>;

function isEvent(v: unknown): v is Event {
  return v !== null && typeof v === "object" && !Array.isArray(v) && (v as Event).specversion === "1.0" && ["id", "source", "type"].every((k) => typeof (v as Event)[k] === "string" && (v as Event)[k] !== "");
}

export function seedIngestFactory(): (event: APIGatewayProxyEventV2, context: LambdaContextLike) => Promise<HttpResult> {
  const settings = readSettings(process.env, FUNCTION_ENVIRONMENT.ingest.needs);
  const registry = createEventTypes({ testEvents: settings.testEvents });
  const sqs = createSqsClient();
  const log = createLogger({ fn: "seed-ingest", stage: settings.stage }, { level: settings.logLevel });
  const check = (value: unknown): Event | undefined => {
    if (!isEvent(value)) return undefined;
    if (!registry.has(String(value.type))) return value;
    const data = registry.validate(String(value.type), value.data);
    return data.ok ? { ...value, data: data.value } : undefined;
  };
  return async (event, context) => {
    const requestId = event.requestContext?.requestId ?? context.awsRequestId;
    const text = event.isBase64Encoded ? Buffer.from(event.body ?? "", "base64").toString("utf8") : (event.body ?? "");
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return problemResponse(problem("invalid-json", "the body is not JSON", { requestId }));
    }
    const receivedAt = new Date().toISOString();
    const message = (e: Event) => JSON.stringify({ receivedAt, requestId, event: e });
    if ((event.rawPath ?? "").endsWith("/batch")) {
      const events = Array.isArray(value) ? value.map(check) : [];
      if (events.length === 0 || events.length > 10 || events.some((e) => !e)) return problemResponse(problem("validation-failed", "invalid batch", { requestId }));
      await sqs.send(new SendMessageBatchCommand({ QueueUrl: settings.queueUrl, Entries: events.map((e, i) => ({ Id: String(i), MessageBody: message(e!) })) }));
      log.info("accepted", { requestId, events: events.length });
      return jsonResponse(202, { items: events.map((e) => ({ id: eventIdForKey(deriveKey({ source: String(e!.source), id: String(e!.id) })), status: "accepted" })) });
    }
    const checked = check(value);
    if (!checked) return problemResponse(problem("validation-failed", "invalid event", { requestId }));
    await sqs.send(new SendMessageCommand({ QueueUrl: settings.queueUrl, MessageBody: message(checked) }));
    log.info("accepted", { requestId });
    return jsonResponse(202, { id: eventIdForKey(deriveKey({ source: String(checked.source), id: String(checked.id) })), status: "accepted" });
  };
}

export function seedWorkerFactory(): (event: SQSEvent, context: LambdaContextLike) => Promise<SQSBatchResponse> {
  const settings = readSettings(process.env, FUNCTION_ENVIRONMENT.worker.needs);
  const doc = createDocumentClient();
  const log = createLogger({ fn: "seed-worker", stage: settings.stage }, { level: settings.logLevel });
  return async (event, context) => {
    const failures: { itemIdentifier: string }[] = [];
    await Promise.all(
      (event.Records ?? []).map(async (record) => {
        try {
          const m = JSON.parse(record.body) as { receivedAt: string; requestId: string; event: Event };
          const id = eventIdForKey(deriveKey({ source: String(m.event.source), id: String(m.event.id) }));
          const fields: Record<string, unknown> = {
            status: "processed",
            source: m.event.source,
            type: m.event.type,
            receivedAt: m.receivedAt,
            processedAt: new Date().toISOString(),
            requestId: m.requestId,
            event: m.event,
            [TABLE_TTL_ATTRIBUTE]: settings.retentionDays > 0 ? Math.floor(Date.parse(m.receivedAt) / 1000) + Math.max(settings.retentionDays * 86400, settings.windowSeconds) : undefined,
          };
          const set = Object.entries(fields).filter(([, v]) => v !== undefined);
          // One conditional write of the whole event as a map (UpdateItem: the worker's role may not PutItem).
          await doc.send(
            new UpdateCommand({
              TableName: settings.tableName,
              Key: itemKey(id),
              UpdateExpression: "SET " + set.map((_, i) => `#f${i} = :f${i}`).join(", "),
              ConditionExpression: "attribute_not_exists(#k)",
              ExpressionAttributeNames: { "#k": TABLE_HASH_KEY, ...Object.fromEntries(set.map(([k], i) => [`#f${i}`, k])) },
              ExpressionAttributeValues: Object.fromEntries(set.map(([, v], i) => [`:f${i}`, v])),
            }),
          );
        } catch (err) {
          if ((err as { name?: string }).name === "ConditionalCheckFailedException") return;
          failures.push({ itemIdentifier: record.messageId });
        }
      }),
    );
    log.info("batch handled", { awsRequestId: context.awsRequestId, records: event.Records?.length ?? 0, failed: failures.length });
    return { batchItemFailures: failures };
  };
}
