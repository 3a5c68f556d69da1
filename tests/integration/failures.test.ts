// Failure paths end to end, with the non-prod `sluice.test.fault` event type: a permanent fault is
// stored as failed and not retried; a transient one is retried and, failing every time, ends in
// the dead-letter queue through the queue's own redrive policy.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { parseQueueMessage } from "../../runtime/queue-message";
import { eventually, faultEvent, httpClient, json, target } from "./target";

const t = target();
const api = httpClient(t.apiUrl);
const dlqUrl = String(t.outputs.dlqUrl ?? "");

async function postEvent(event: Record<string, unknown>): Promise<string> {
  const res = await api.post("events", { body: JSON.stringify(event), headers: { "content-type": "application/cloudevents+json" } });
  assert.is(res.statusCode, 202, res.body);
  return json(res).id as string;
}

/** A deployed DLQ needs AWS credentials to read; say so instead of failing on their absence. */
function dlqUnreadableReason(): string | undefined {
  if (!dlqUrl) return "the stack exports no dlqUrl";
  if (t.kind === "local") return undefined;
  const hasCreds = process.env.AWS_ACCESS_KEY_ID || process.env.AWS_PROFILE || process.env.AWS_WEB_IDENTITY_TOKEN_FILE || fs.existsSync(path.join(os.homedir(), ".aws", "credentials"));
  return hasCreds ? undefined : "reading the deployed DLQ needs AWS credentials (none found in the environment or ~/.aws)";
}

function dlqClient(): SQSClient {
  if (t.kind === "local") {
    return new SQSClient({ region: "us-east-1", endpoint: new URL(dlqUrl).origin, credentials: { accessKeyId: "local", secretAccessKey: "local" } });
  }
  const region = /sqs\.([a-z0-9-]+)\.amazonaws\.com/.exec(dlqUrl)?.[1];
  return new SQSClient(region ? { region } : {});
}

test("a permanent fault is stored as failed with its category, and not retried", async () => {
  const id = await postEvent(faultEvent("permanent"));
  const view = await eventually("the event to be stored as failed", async () => {
    const r = await api.get(`events/${id}`);
    return r.statusCode === 200 && json(r).status === "failed" ? json(r) : undefined;
  });
  assert.is(view.errorCategory, "PERMANENT");
});

test("a PROCESSING fault (an ordinary exception) is classified and stored as failed", async () => {
  const id = await postEvent(faultEvent("processing"));
  const view = await eventually("the event to be stored as failed", async () => {
    const r = await api.get(`events/${id}`);
    return r.statusCode === 200 && json(r).status === "failed" ? json(r) : undefined;
  });
  assert.is(view.errorCategory, "PROCESSING");
});

const reason = dlqUnreadableReason();
if (reason) {
  test.skip(`a poison (always transient) event ends in the DLQ — skipped: ${reason}`, () => {});
} else {
  test("a poison event (transient every time) ends in the DLQ after maxReceiveCount receives, and is never processed", async () => {
    const id = await postEvent(faultEvent("transient"));
    const sqs = dlqClient();
    try {
      const message = await eventually(
        "the poison message in the DLQ",
        async () => {
          const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 2, MessageSystemAttributeNames: ["ApproximateReceiveCount"] }));
          return (out.Messages ?? []).find((m) => messageId(m.Body) === id);
        },
        90_000,
      );
      // The message is a header line and the event's text (runtime/queue-message.ts).
      const parsed = parseQueueMessage(message.Body!);
      assert.ok(parsed.ok);
      if (parsed.ok) assert.is(JSON.parse(parsed.message.event).type, "sluice.test.fault");
      const r = await api.get(`events/${id}`);
      // Acknowledged, never processed: the record says accepted (or failed), never processed.
      assert.is(r.statusCode, 200, r.body);
      assert.is.not(json(r).status, "processed");
    } finally {
      sqs.destroy();
    }
  });
}

function messageId(body: string | undefined): string | undefined {
  const parsed = parseQueueMessage(body ?? "");
  return parsed.ok ? parsed.message.id : undefined;
}

test.run();
