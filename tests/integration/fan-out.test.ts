// Fan-out on a local stack of its own (`publish: all`), through the HTTP API, the serialized
// archives, the IAM gate and the bus twin: every stored event appears on the bus exactly once per
// store, and when the bus fails for a while nothing is lost and nothing is stored twice (the
// records whose publish failed are retried with backoff; their redeliveries publish again, marked
// `redelivered`, which is why consumers dedupe by id). The functions' EMF lines are in its log.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startLocalStack, type LocalStack, type RecordedEvent } from "../../local/stack";
import { LOCAL_ENDPOINTS_KEY } from "../../local/outputs-file";
import { cloudEvent, eventually, httpClient, json, TARGET_ENV } from "./target";
import { signedHeaders, staticCredentials } from "../../cli/aws-signing";
import { queryString } from "../../cli/admin-client";

const deployed = (process.env[TARGET_ENV] ?? "").startsWith("deployed");
/** Short retries with room for a few failed publishes before the DLQ. */
const CONFIG = {
  "sluice:publish": "all",
  "sluice:workerTimeoutSeconds": "1",
  "sluice:batchingWindowSeconds": "0",
  "sluice:maxReceiveCount": "8",
  "sluice:retryBaseSeconds": "1",
  "sluice:retryMaxSeconds": "2",
  // The listing by source shows each event's attempts.
  "sluice:listIndex": "true",
};

function idOf(e: RecordedEvent): string {
  return (e.detail as { id: string }).id;
}

if (deployed) {
  test.skip("fan-out on the local bus twin — skipped: a deployed bus has no fault switch or record to read", () => {});
} else {
  test("publish all: each stored event on the bus once per store; a bus failing for a while loses none and stores none twice", async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-fanout-"));
    const lines: string[] = [];
    let stack: LocalStack | undefined;
    try {
      const outputsFile = path.join(tmp, "outputs.json");
      stack = await startLocalStack({ stack: "dev", port: 0, dataDir: path.join(tmp, "data"), outputsFile, config: CONFIG, log: (l) => lines.push(l) });
      const endpoints = JSON.parse(fs.readFileSync(outputsFile, "utf8"))[LOCAL_ENDPOINTS_KEY] as {
        eventbridge: string;
        eventbridgeEvents: string;
        operator: { accessKeyId: string; secretAccessKey: string; region: string };
      };
      const api = httpClient(stack.apiUrl);
      const control = httpClient(endpoints.eventbridge);
      const busEvents = async () => json<{ events: RecordedEvent[] }>(await control.get("_sluice/events")).events;
      const postAll = async (n: number): Promise<string[]> => {
        const ids: string[] = [];
        for (let i = 0; i < n; i += 5) {
          const batch = Array.from({ length: Math.min(5, n - i) }, (_, j) => cloudEvent({ data: { i: i + j } }));
          const r = await api.post("events/batch", { body: JSON.stringify(batch), headers: { "content-type": "application/cloudevents-batch+json" } });
          assert.is(r.statusCode, 202, r.body);
          ids.push(...(json(r).items as { id: string }[]).map((x) => x.id));
        }
        return ids;
      };
      const allProcessed = (ids: string[]) =>
        eventually(`${ids.length} events processed`, async () => {
          for (const id of ids) {
            const r = await api.get(`events/${id}`);
            if (r.statusCode !== 200 || json(r).status !== "processed") return undefined;
          }
          return true;
        });

      // 1. A healthy bus: exactly once per store.
      const healthy = await postAll(15);
      await allProcessed(healthy);
      const once = await eventually("every stored event on the bus", async () => {
        const mine = (await busEvents()).filter((e) => healthy.includes(idOf(e)));
        return mine.length >= healthy.length ? mine : undefined;
      });
      assert.equal(once.map(idOf).sort(), [...healthy].sort(), "each once: no redelivery, no second publish");
      assert.ok(once.every((e) => e["detail-type"] === "sluice.event.processed" && e.source === "sluice" && e["trace-header"]?.startsWith("Root=1-")));
      assert.equal(fs.readFileSync(endpoints.eventbridgeEvents, "utf8").trim().split("\n").length, (await busEvents()).length, "the JSONL file is the record");

      // 2. The bus refuses every PutEvents for 3 s.
      const put = await control.put("_sluice/fault", { body: JSON.stringify({ mode: "request", forSeconds: 3 }) });
      assert.is(put.statusCode, 200, put.body);
      const during = await postAll(10);
      await allProcessed(during);
      const published = await eventually(
        "every event stored during the outage on the bus",
        async () => {
          const mine = (await busEvents()).filter((e) => during.includes(idOf(e)));
          return during.every((id) => mine.some((e) => idOf(e) === id)) ? mine : undefined;
        },
        60_000,
      );
      for (const id of during) {
        const copies = published.filter((e) => idOf(e) === id);
        // One store, so one publish that succeeded, plus any a redelivery repeated (marked as such).
        assert.ok(copies.length >= 1, id);
        assert.ok(copies.slice(1).every((e) => (e.detail as { redelivered?: boolean }).redelivered === true), `${id}: a repeat is a redelivery`);
        const r = json(await api.get(`events/${id}`));
        assert.is(r.status, "processed", `${id} stored once, as processed`);
      }
      assert.ok(published.some((e) => (e.detail as { redelivered?: boolean }).redelivered), "the outage did make records retry");

      // 3. The metrics were in the log all along.
      const emf = lines.filter((l) => l.startsWith('{"_aws":')).map((l) => JSON.parse(l));
      const total = (metric: string) => emf.reduce((n, d) => n + (typeof d[metric] === "number" ? d[metric] : 0), 0);
      assert.is(total("Accepted"), 25);
      assert.ok(total("Published") >= 25, `published ${total("Published")}`);
      assert.ok(total("PublishFailed") > 0, "the failed publishes were counted");
      assert.ok(lines.every((l) => !l.includes("visibility not changed") && !l.includes("request refused")), "the worker may change visibility and publish (IAM)");

      // 4. Stored none twice: one Processed per event sent, one store per id, and each record's
      // attempts are those of its one store (a second store would have added its own).
      const sent = [...healthy, ...during];
      assert.is(total("Processed"), sent.length, "Processed counts each event once");
      const logged = lines.filter((l) => l.startsWith("{") && !l.startsWith('{"_aws":')).map((l) => JSON.parse(l) as Record<string, unknown>);
      const listed = new Map<string, number>();
      let cursor: string | undefined;
      do {
        // The listing is IAM only: signed with the local stack's operator credentials.
        const url = `${stack.apiUrl.replace(/\/$/, "")}/events${queryString({ source: String(cloudEvent().source), limit: 100, cursor })}`;
        const headers = await signedHeaders({ method: "GET", url, headers: {} }, { region: endpoints.operator.region, credentials: staticCredentials(endpoints.operator), origin: "local operator" });
        const page = await httpClient(stack.apiUrl)(url, { prefixUrl: "", method: "GET", headers });
        assert.is(page.statusCode, 200, page.body);
        for (const item of json(page).items as { id: string; attempts: number }[]) listed.set(item.id, item.attempts);
        cursor = json(page).nextCursor;
      } while (cursor);
      for (const id of sent) {
        const stores = logged.filter((l) => l.msg === "stored" && l.eventId === id);
        assert.is(stores.length, 1, `${id}: stored once`);
        assert.is(listed.get(id), stores[0].attempts, `${id}: its attempts are its one store's`);
      }
      assert.ok(logged.some((l) => l.msg === "duplicate delivery: already stored" && during.includes(String(l.eventId))), "the outage's redeliveries were duplicates, not stores");
    } finally {
      await stack?.stop();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  test.run();
}
