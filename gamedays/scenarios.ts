// The four gamedays (docs/gamedays/): each breaks the local stack the way production breaks, runs
// the commands of the runbook it exercises, and checks the outcome — nothing lost, nothing stored
// twice, the pipeline back to normal.
import { gamedayEvent, type Gameday } from "./harness";

export interface Scenario {
  name: string;
  /** Extra `npm start -- --config` values. */
  config: string[];
  run(g: Gameday): Promise<void>;
}

const unique = () => Math.random().toString(36).slice(2, 8);

/** Every listed event of `source` (all pages). */
async function listed(g: Gameday, args: string[]): Promise<any[]> {
  return (await g.sluiceJson(["events", "ls", ...args, "--all"])).items;
}

const schemaChange: Scenario = {
  name: "schema-change",
  config: [],
  async run(g) {
    const source = `/gameday/schema/${unique()}`;
    g.step("a deploy tightens a schema: the worker fails every event as VALIDATION (failure mode poison_payload, category VALIDATION)");
    g.check((await g.sluice(["failure-mode", "set", "poison_payload", "--category", "VALIDATION"])).code === 0, "failure-mode set poison_payload --category VALIDATION");
    await new Promise((r) => setTimeout(r, 1500));
    const file = g.file("orders.ndjson", Array.from({ length: 20 }, (_, n) => gamedayEvent(source, n)));
    const sent = await g.sluiceJson(["send", file]);
    g.check(sent.accepted === 20, `20 events accepted (${sent.accepted})`);
    g.step("runbook poison-deploy: find the failed events by category");
    const failed = await g.eventually("20 events stored as failed VALIDATION", async () => {
      const items = await listed(g, ["--status", "failed", "--category", "VALIDATION", "--source", source]);
      return items.length === 20 ? items : undefined;
    });
    g.check(failed.every((e) => e.errorCategory === "VALIDATION"), "all failed as VALIDATION, found by the failed index");
    g.step("roll back (failure-mode set none), plan the replay, replay");
    g.check((await g.sluice(["failure-mode", "set", "none"])).code === 0, "failure-mode set none");
    await new Promise((r) => setTimeout(r, 1500));
    const plan = await g.sluiceJson(["replay", "--status", "failed", "--category", "VALIDATION", "--source", source, "--dry-run"]);
    g.check(plan.selected === 20, `the dry run plans 20 (${plan.selected})`);
    const replayed = await g.sluiceJson(["replay", "--status", "failed", "--category", "VALIDATION", "--source", source]);
    g.check(replayed.replayed === 20 && replayed.sendFailed === 0, `20 replayed (${replayed.replayed})`);
    const after = await g.eventually("all 20 processed", async () => {
      const items = await listed(g, ["--source", source]);
      return items.length === 20 && items.every((e) => e.status === "processed") ? items : undefined;
    });
    g.check(new Set(after.map((e) => e.id)).size === 20, "one record per key");
    g.check((await listed(g, ["--status", "failed", "--source", source])).length === 0, "no failed events left");
  },
};

const downstreamOutage: Scenario = {
  name: "downstream-outage",
  config: [],
  async run(g) {
    const source = `/gameday/outage/${unique()}`;
    g.step("the downstream slows down (slow_downstream 200 ms, inside the deadline): events are late, none fails");
    await g.sluice(["failure-mode", "set", "slow_downstream", "--latency-ms", "200"]);
    await new Promise((r) => setTimeout(r, 1500));
    const slow = await g.sluiceJson(["send", g.file("slow.ndjson", Array.from({ length: 5 }, (_, n) => gamedayEvent(`${source}/slow`, n)))]);
    g.check(slow.accepted === 5, "5 accepted while slow");
    const slowOnes = await g.eventually("the slow ones processed", async () => {
      const items = await listed(g, ["--source", `${source}/slow`]);
      return items.filter((e) => e.status === "processed").length === 5 ? items : undefined;
    });
    g.check(slowOnes.every((e) => e.attempts === 1), "slow, not failed: all 5 processed at the first attempt");
    g.step("then it fails outright (poison_payload TRANSIENT): events retry, then dead-letter");
    await g.sluice(["failure-mode", "set", "poison_payload", "--category", "TRANSIENT"]);
    await new Promise((r) => setTimeout(r, 1500));
    const sent = await g.sluiceJson(["send", g.file("outage.ndjson", Array.from({ length: 15 }, (_, n) => gamedayEvent(source, n)))]);
    g.check(sent.accepted === 15, `15 accepted during the outage (${sent.accepted})`);
    g.step("runbook dlq-depth: look before moving anything");
    const preview = await g.eventually("15 messages in the DLQ", async () => {
      const p = await g.sluiceJson(["dlq", "ls", "--source", source]);
      return p.matched === 15 ? p : undefined;
    });
    g.check(preview.groups.length === 1 && preview.groups[0].category === "TRANSIENT", "grouped as one TRANSIENT group");
    g.step("the downstream recovers: failure-mode set none, dry run, redrive with jitter");
    await g.sluice(["failure-mode", "set", "none"]);
    await new Promise((r) => setTimeout(r, 1500));
    const plan = await g.sluiceJson(["dlq", "redrive", "--source", source, "--category", "TRANSIENT", "--dry-run"]);
    g.check(plan.wouldMove === 15, `the plan moves 15 (${plan.wouldMove})`);
    const moved = await g.sluiceJson(["dlq", "redrive", "--source", source, "--category", "TRANSIENT", "--jitter", "3s", "--rate", "20"]);
    g.check(moved.moved === 15 && moved.sendFailed === 0, `15 moved (${moved.moved})`);
    const after = await g.eventually("all 15 processed", async () => {
      const items = await listed(g, ["--source", source]);
      return items.length === 15 && items.every((e) => e.status === "processed") ? items : undefined;
    });
    g.check(after.length === 15, "nothing lost: all 15 processed");
    g.check((await g.sluiceJson(["dlq", "ls", "--source", source])).matched === 0, "the DLQ holds none of them");
  },
};

const trafficSpike: Scenario = {
  name: "traffic-spike",
  // A stage that admits 20 requests a second: the spike is ten times that.
  config: ["throttleRateLimit=20", "throttleBurstLimit=20"],
  async run(g) {
    const source = `/gameday/spike/${unique()}`;
    g.step("300 events at 32 requests in flight against a 20/s stage: API Gateway answers 429, the CLI backs off and retries");
    const sent = await g.sluice(["send", g.file("spike.ndjson", Array.from({ length: 300 }, (_, n) => gamedayEvent(source, n))), "--concurrency", "32", "--retries", "12", "--json", "--verbose"]);
    const summary = JSON.parse(sent.stdout);
    const throttled = sent.stderr.split("\n").filter((l) => l.includes('"cause":"HTTP 429"')).length;
    g.check(throttled > 0, `the stage throttled (${throttled} retries after a 429)`);
    g.check(summary.accepted === 300 && summary.failed === 0 && summary.rejected === 0, `all 300 accepted (${summary.accepted} accepted, ${summary.failed} failed)`);
    g.step("runbook throttling: every event stored once, none in the DLQ");
    const stored = await g.eventually("300 processed", async () => {
      const items = await listed(g, ["--source", source]);
      return items.length === 300 && items.every((e) => e.status === "processed") ? items : undefined;
    }, 180_000);
    g.check(new Set(stored.map((e) => e.id)).size === 300, "300 records, one per key");
    g.check((await g.sluiceJson(["dlq", "ls", "--source", source])).matched === 0, "nothing dead-lettered");
  },
};

const duplicateStorm: Scenario = {
  name: "duplicate-storm",
  config: [],
  async run(g) {
    const source = `/gameday/duplicates/${unique()}`;
    g.step("every accepted event is queued twice (duplicate_submit) while three producers send the same 50 events at once");
    await g.sluice(["failure-mode", "set", "duplicate_submit"]);
    await new Promise((r) => setTimeout(r, 1500));
    const file = g.file("dupes.ndjson", Array.from({ length: 50 }, (_, n) => gamedayEvent(source, n)));
    const runs = await Promise.all([1, 2, 3].map(() => g.sluiceJson(["send", file, "--concurrency", "16"])));
    g.check(runs.every((r) => r.failed === 0 && r.rejected === 0), "every send ends stored or replayed");
    g.check(runs.reduce((s, r) => s + r.accepted, 0) === 50, `exactly 50 accepted across the three (${runs.map((r) => r.accepted).join(" + ")})`);
    const stored = await g.eventually("50 processed", async () => {
      const items = await listed(g, ["--source", source]);
      return items.length === 50 && items.every((e) => e.status === "processed") ? items : undefined;
    });
    g.check(new Set(stored.map((e) => e.id)).size === 50, "one record per key");
    const duplicateIds = await g.eventually("the worker to see the second copies", async () => {
      const ids = new Set(g.logs().filter((l) => l.includes("duplicate delivery: already stored") && l.includes('"fn":"worker"')).map((l) => JSON.parse(l).eventId as string));
      return ids.size >= 50 ? ids : undefined;
    }, 60_000);
    g.check(stored.every((e) => duplicateIds.has(e.id)), "the second copy of each event was a duplicate the worker acked (logged: duplicate delivery)");
    await g.sluice(["failure-mode", "set", "none"]);
  },
};

export const SCENARIOS: Scenario[] = [schemaChange, downstreamOutage, trafficSpike, duplicateStorm];
