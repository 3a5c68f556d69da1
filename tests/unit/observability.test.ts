// The pure parts of issue 14: the EMF lines (shape, levels, aggregation, one document per extra
// dimension value, 100 values at most), what an ingest answer counts for, the backoff, the
// PutEvents packing and the fan-out entry, and the trace header.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { FAN_OUT_DETAIL_TYPES, publishes } from "../../runtime/contract/fan-out";
import { METRICS_NAMESPACE, metricDimensionSets, PIPELINE_METRICS } from "../../runtime/contract/metrics";
import { entryBytes, fanOutEntry, PUT_EVENTS_LIMITS, putEventsRequests } from "../../runtime/event-publisher";
import { ingestTally } from "../../runtime/ingest-metrics";
import { count, createTally, emfLevel, emfLines, MAX_EMF_VALUES, observe } from "../../runtime/metrics";
import { backoffCeilingSeconds, retryDelaySeconds } from "../../runtime/retry-backoff";
import { currentTraceHeader, traceRoot } from "../../runtime/trace-header";
import { newTraceHeader, tracingModeOf } from "../../local/lambda/trace-header";

const OPTS = { stage: "prod", timestampMs: Date.UTC(2026, 11, 1, 12), level: "warn" };

test("EMF: one line per tally, the CloudWatch embedded metric format with the level Lambda's filter keeps", () => {
  const t = createTally();
  count(t, "Accepted");
  count(t, "Accepted");
  observe(t, "IngestMs", 12.4);
  const lines = emfLines(t, OPTS);
  assert.is(lines.length, 1);
  const doc = JSON.parse(lines[0]);
  assert.equal(doc._aws, {
    Timestamp: OPTS.timestampMs,
    CloudWatchMetrics: [{ Namespace: METRICS_NAMESPACE, Dimensions: [["Stage"]], Metrics: [{ Name: "Accepted" }, { Name: "IngestMs", Unit: "Milliseconds" }] }],
  });
  assert.is(doc.Stage, "prod");
  assert.is(doc.Accepted, 2, "aggregated: one line, not one per count");
  assert.is(doc.IngestMs, 12);
  assert.is(doc.level, "warn");
  assert.is(doc.timestamp, "2026-12-01T12:00:00.000Z");
  assert.equal(emfLines(createTally(), OPTS), [], "nothing counted, nothing written");
  assert.is(emfLevel("warn"), "warn");
  assert.is(emfLevel("error"), "error");
  assert.is(emfLevel("debug"), "info");
  assert.is(emfLevel("info"), "info");
  assert.is(emfLevel("silent"), undefined);
});

test("EMF: a second dimension value rides in the main line, each further one gets its own; values beyond 100 spill over", () => {
  const t = createTally();
  count(t, "Processed", 3);
  count(t, "Failed", 1, "TRANSIENT");
  count(t, "Failed", 1, "TRANSIENT");
  count(t, "Failed", 1, "VALIDATION");
  for (let i = 0; i < MAX_EMF_VALUES + 5; i++) observe(t, "EndToEndMs", i);
  const docs = emfLines(t, OPTS).map((l) => JSON.parse(l));
  assert.is(docs.length, 3);
  assert.is(docs[0].Processed, 3);
  assert.is(docs[0].Category, "TRANSIENT");
  assert.is(docs[0].Failed, 2);
  assert.equal(docs[0]._aws.CloudWatchMetrics[1], { Namespace: "Sluice", Dimensions: [["Stage"], ["Stage", "Category"]], Metrics: [{ Name: "Failed" }] });
  assert.is(docs[0].EndToEndMs.length, MAX_EMF_VALUES);
  assert.is(docs[1].Category, "VALIDATION");
  assert.is(docs[1].Failed, 1);
  assert.is(docs[1].Processed, undefined, "counted once");
  assert.equal(docs[2].EndToEndMs, [100, 101, 102, 103, 104]);
  // Every metric and dimension set a line declares is in the contract the alarms are checked against.
  for (const d of docs) {
    for (const directive of d._aws.CloudWatchMetrics) {
      for (const m of directive.Metrics) {
        assert.ok(m.Name in PIPELINE_METRICS, m.Name);
        for (const set of directive.Dimensions) assert.ok(metricDimensionSets(m.Name).some((s) => s.join() === [...set].sort().join()), `${m.Name} ${set}`);
      }
    }
  }
});

test("ingest: the answer decides the count — accepted, replayed, in flight, 503, rejected by problem slug; batches per item", () => {
  const counts = (res: { statusCode: number; headers?: Record<string, string>; body?: string }) => {
    const t = ingestTally({ headers: {}, body: "", ...res }, 3);
    assert.equal(t.values.IngestMs, [3]);
    return { ...t.counts, by: t.byDimension };
  };
  assert.equal(counts({ statusCode: 202, body: '{"id":"e","status":"accepted"}' }), { Accepted: 1, by: [] });
  assert.equal(counts({ statusCode: 202, headers: { "idempotent-replayed": "true" }, body: "{}" }), { Replayed: 1, by: [] });
  assert.equal(counts({ statusCode: 409, body: '{"type":"urn:sluice:problem:idempotency-key-in-flight"}' }), { InFlight: 1, by: [] });
  assert.equal(counts({ statusCode: 503, body: '{"type":"urn:sluice:problem:dependency-unavailable"}' }), { Unavailable: 1, by: [] });
  assert.equal(counts({ statusCode: 422, body: '{"type":"urn:sluice:problem:idempotency-key-reused"}' }), { by: [{ metric: "Rejected", value: "idempotency-key-reused", n: 1 }] });
  assert.equal(counts({ statusCode: 500, body: '{"type":"urn:sluice:problem:internal-error"}' }), { by: [] }, "a bug is the 5xx alarm's");
  const items = [
    { status: "accepted", httpStatus: 202 },
    { status: "accepted", httpStatus: 202 },
    { status: "replayed", httpStatus: 202 },
    { status: "rejected", httpStatus: 422, problem: { type: "urn:sluice:problem:validation-failed" } },
    { status: "rejected", httpStatus: 409, problem: { type: "urn:sluice:problem:idempotency-key-in-flight" } },
    { status: "failed", httpStatus: 503, problem: { type: "urn:sluice:problem:dependency-unavailable" } },
  ];
  assert.equal(counts({ statusCode: 207, body: JSON.stringify({ items }) }), { Accepted: 2, Replayed: 1, InFlight: 1, Unavailable: 1, by: [{ metric: "Rejected", value: "validation-failed", n: 1 }] });
});

test("backoff: the ceiling doubles with each receive up to the cap; full jitter stays within 1 s and the ceiling", () => {
  const policy = { baseSeconds: 2, maxSeconds: 60 };
  assert.equal([1, 2, 3, 4, 5, 6, 7].map((n) => backoffCeilingSeconds(n, policy)), [2, 4, 8, 16, 32, 60, 60]);
  assert.is(backoffCeilingSeconds(1_000, policy), 60, "no overflow");
  assert.is(backoffCeilingSeconds(Number.NaN, policy), 2, "an unreadable count is the first");
  assert.is(backoffCeilingSeconds(40, { baseSeconds: 900, maxSeconds: 1e9 }), 43_200, "never past SQS's 12 hours");
  assert.is(retryDelaySeconds(4, policy, () => 0), 1, "never an immediate redelivery");
  assert.is(retryDelaySeconds(4, policy, () => 0.999999), 16);
  assert.is(retryDelaySeconds(4, policy, () => 0.5), 8);
  let previous = 0;
  for (let n = 1; n <= 6; n++) {
    const highest = Math.max(...Array.from({ length: 200 }, () => retryDelaySeconds(n, policy)));
    assert.ok(highest <= backoffCeilingSeconds(n, policy), `receive ${n}: ${highest}`);
    assert.ok(backoffCeilingSeconds(n, policy) >= previous);
    previous = backoffCeilingSeconds(n, policy);
  }
});

test("fan-out: which statuses each mode publishes; entries packed within PutEvents' 10 entries and 256 KB; an event too large is omitted, never cut", () => {
  assert.ok(publishes("all", "processed") && publishes("all", "failed"));
  assert.ok(!publishes("failures", "processed") && publishes("failures", "failed"));
  assert.ok(!publishes("none", "failed"));
  const meta = { id: "evt_1", status: "processed" as const, receivedAt: "2026-12-01T12:00:00.000Z", processedAt: "2026-12-01T12:00:01.000Z" };
  const small = fanOutEntry("m1", meta, '{"specversion":"1.0","data":{"n":18446744073709551617}}', "Root=1-5759e988-bd862e3fe1be46a994272793");
  assert.is(small.detailType, FAN_OUT_DETAIL_TYPES.processed);
  assert.ok(small.detail.endsWith(',"event":{"specversion":"1.0","data":{"n":18446744073709551617}}}'), "the event's own text, spliced in");
  assert.is(JSON.parse(small.detail).id, "evt_1");
  assert.is(small.traceHeader, "Root=1-5759e988-bd862e3fe1be46a994272793");
  const big = fanOutEntry("m2", { ...meta, status: "failed" }, JSON.stringify({ data: "x".repeat(PUT_EVENTS_LIMITS.maxBytes) }));
  assert.is(big.detailType, FAN_OUT_DETAIL_TYPES.failed);
  assert.equal(JSON.parse(big.detail), { ...meta, status: "failed", eventOmitted: "size" });
  const many = Array.from({ length: 23 }, (_, i) => fanOutEntry(`m${i}`, meta, "{}"));
  assert.equal(putEventsRequests(many).map((r) => r.length), [10, 10, 3]);
  const heavy = Array.from({ length: 4 }, (_, i) => fanOutEntry(`h${i}`, meta, JSON.stringify({ data: "y".repeat(100_000) })));
  const requests = putEventsRequests(heavy);
  assert.equal(requests.map((r) => r.length), [2, 2]);
  for (const r of requests) assert.ok(r.reduce((n, e) => n + entryBytes(e.detailType, e.detail), 0) <= PUT_EVENTS_LIMITS.maxBytes);
});

test("trace header: the invocation's from _X_AMZN_TRACE_ID, and its root id for log lines", () => {
  const header = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
  assert.is(currentTraceHeader({ _X_AMZN_TRACE_ID: header }), header);
  assert.is(currentTraceHeader({}), undefined);
  assert.is(currentTraceHeader({ _X_AMZN_TRACE_ID: "Root=1-a\nb" }), undefined, "nothing a message attribute would refuse");
  assert.is(traceRoot(header), "1-5759e988-bd862e3fe1be46a994272793");
  assert.is(traceRoot("Parent=53995c3f42cd8ad8;Root=1-5759e988-bd862e3fe1be46a994272793"), "1-5759e988-bd862e3fe1be46a994272793");
  assert.is(traceRoot("Root=nonsense"), undefined);
  assert.is(traceRoot(undefined), undefined);
  // What the local function host gives each invocation, in X-Ray's format.
  const local = newTraceHeader("Active", Date.UTC(2026, 11, 1));
  assert.match(local, /^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=1$/);
  assert.is(traceRoot(local)!.slice(2, 10), (Date.UTC(2026, 11, 1) / 1000).toString(16), "the root carries the epoch seconds");
  assert.match(newTraceHeader("PassThrough"), /;Sampled=0$/);
  assert.is.not(newTraceHeader("Active"), newTraceHeader("Active"), "a new trace per invocation");
  assert.is(tracingModeOf({ mode: "Active" }), "Active");
  assert.is(tracingModeOf(undefined), "PassThrough");
});

test.run();
