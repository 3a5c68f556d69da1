// Physical names: unique per project and stack, within each AWS limit, stable from run to run, on
// the naming rule itself, on components built for long and clashing stack names, and on the program.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { NAME_LIMITS, physicalName, type NameKind } from "../../components/naming";
import type { ResourceRecord } from "../../local/program/resource-record";
import { buildAlone, named } from "./alone";
import { TYPES } from "./harness";
import { sampleComponents } from "./sample-components";
import { DEPLOY_STACKS, deploy, LONG_STACK, stackNameOf } from "./stacks";

const KINDS = Object.keys(NAME_LIMITS) as NameKind[];
const FLAT = /^[A-Za-z0-9_-]+$/;

const rule = suite("physical name rule");

rule("every kind, stack and project: within the limit, allowed characters, all distinct, the same each time", () => {
  for (const kind of KINDS) {
    const seen = new Map<string, string>();
    for (const project of ["sluice", "orders"]) {
      for (const stack of ["dev", "prod", LONG_STACK]) {
        for (const name of ["sluice-events", "sluice-alarms-table-write-throttles", "n".repeat(300)]) {
          const made = physicalName(kind, { project, stack, name });
          const where = `${kind} ${project}/${stack}/${name.slice(0, 40)}`;
          assert.ok(made.length <= NAME_LIMITS[kind], `${where}: ${made.length} > ${NAME_LIMITS[kind]}`);
          const pathLike = kind === "logGroup" || kind === "vendedLogGroup" ? /^\/[A-Za-z0-9_\-/.#]+$/ : kind === "queryDefinition" ? /^[A-Za-z0-9_\-.#][A-Za-z0-9_\-/.#]*$/ : FLAT;
          assert.ok(pathLike.test(made), `${where}: ${made}`);
          assert.is(physicalName(kind, { project, stack, name }), made, `${where} is stable`);
          assert.not.ok(seen.has(made), `${where} collides with ${seen.get(made)}`);
          seen.set(made, where);
        }
      }
    }
  }
});

rule("readable: project, stack and the name without the project's prefix; log groups stay the documented paths", () => {
  assert.match(physicalName("queue", { project: "sluice", stack: "dev", name: "sluice-events" }), /^sluice-dev-events-[0-9a-f]{8}$/);
  assert.match(physicalName("dashboard", { project: "sluice", stack: "prod", name: "sluice" }), /^sluice-prod-[0-9a-f]{8}$/);
  assert.is(physicalName("logGroup", { project: "sluice", stack: "prod", name: "sluice-ingest" }), "/sluice/prod/sluice-ingest");
  assert.is(physicalName("vendedLogGroup", { project: "sluice", stack: "prod", name: "sluice-api-access" }), "/aws/vendedlogs/sluice/prod/sluice-api-access");
  // A saved query sits in a folder per project and stack in the Logs Insights console.
  assert.is(physicalName("queryDefinition", { project: "sluice", stack: "prod", name: "errors-by-category" }), "sluice/prod/errors-by-category");
  const long = physicalName("logGroup", { project: "sluice", stack: "dev", name: "l".repeat(600) });
  assert.match(long, /^\/sluice\/dev\/l+-[0-9a-f]{8}$/);
  assert.is(long.length, 512);
});

rule("suffixes count in the limit and come last, even when the rest is cut", () => {
  for (const stack of ["dev", LONG_STACK, "s".repeat(100)]) {
    const main = physicalName("queue", { project: "sluice", stack, name: "sluice-events" });
    const dlq = physicalName("queue", { project: "sluice", stack, name: "sluice-events", suffix: "-dlq" });
    const fifo = physicalName("queue", { project: "sluice", stack, name: "sluice-events", suffix: ".fifo" });
    assert.ok(dlq.endsWith("-dlq") && fifo.endsWith(".fifo"), `${dlq} ${fifo}`);
    assert.ok(dlq.length <= 80 && fifo.length <= 80, `${stack}: ${dlq.length}, ${fifo.length}`);
    assert.is.not(dlq, main);
  }
});

rule("names that read alike stay apart: hyphens across project and stack, characters a name may not hold", () => {
  const a = physicalName("function", { project: "orders-eu", stack: "dev", name: "ingest" });
  const b = physicalName("function", { project: "orders", stack: "eu-dev", name: "ingest" });
  assert.is.not(a, b);
  const dotted = physicalName("queue", { project: "sluice", stack: "my.stack", name: "q" });
  assert.ok(FLAT.test(dotted), dotted);
  assert.is.not(dotted, physicalName("queue", { project: "sluice", stack: "my-stack", name: "q" }));
});

rule.run();

/** The physical name of each resource that has a kind in NAME_LIMITS, with that kind. */
function physicalNames(resources: ResourceRecord[]): { kind: NameKind; name: string; of: string }[] {
  const byType: Record<string, NameKind> = {
    [TYPES.queue]: "queue",
    [TYPES.fn]: "function",
    [TYPES.role]: "role",
    [TYPES.logGroup]: "logGroup",
    [TYPES.table]: "table",
    [TYPES.topic]: "topic",
    [TYPES.dashboard]: "dashboard",
    [TYPES.alarm]: "alarm",
    [TYPES.bus]: "eventBus",
    [TYPES.queryDefinition]: "queryDefinition",
    [TYPES.secret]: "secret",
  };
  return resources
    .filter((r) => byType[r.type])
    .map((r) => ({ kind: byType[r.type], name: String(r.type === TYPES.dashboard ? r.inputs.dashboardName : r.inputs.name), of: r.name }));
}

const built = suite("physical names of built components");

built("a 60-character stack and two projects sharing it: every name set, within its limit, none shared", async () => {
  const seen = new Map<string, string>();
  for (const project of ["sluice", "orders"]) {
    const resources = await buildAlone(() => sampleComponents(), { project, stack: LONG_STACK });
    const names = physicalNames(resources);
    assert.ok(names.length >= 15, `only ${names.length} named resources`);
    for (const { kind, name, of } of names) {
      assert.ok(name !== "undefined" && name.length > 0, `${project}: ${of} has no physical name`);
      assert.ok(name.length <= NAME_LIMITS[kind], `${project}: ${of} ${name} (${name.length}) over ${NAME_LIMITS[kind]}`);
      const key = `${kind}:${name}`;
      assert.not.ok(seen.has(key), `${project}: ${of} ${name} also names ${seen.get(key)}`);
      seen.set(key, `${project}/${of}`);
    }
    // The DLQ admits redrives from the queue it names before that queue exists: it must be the real one.
    const queue = named(resources, TYPES.queue, "sluice-events-queue");
    const dlq = named(resources, TYPES.queue, "sluice-events-dlq");
    assert.equal(JSON.parse(dlq.inputs.redriveAllowPolicy).sourceQueueArns, [queue.state.arn]);
    assert.ok(queue.state.arn.endsWith(`:${queue.inputs.name}`));
    assert.is(JSON.parse(queue.inputs.redrivePolicy).deadLetterTargetArn, dlq.state.arn);
  }
});

built("the dev, prod and long-named programs name nothing alike, each within its limits", async () => {
  const seen = new Map<string, string>();
  // The KMS stack is prod again, under the same name: its names are prod's.
  for (const variant of DEPLOY_STACKS.filter((v) => !v.config["sluice:kmsKeyArn"])) {
    const stack = stackNameOf(variant);
    for (const { kind, name, of } of physicalNames((await deploy(variant)).resources)) {
      assert.ok(name.length <= NAME_LIMITS[kind], `${stack}: ${of} ${name}`);
      const key = `${kind}:${name}`;
      assert.not.ok(seen.has(key), `${stack}: ${of} ${name} also names ${seen.get(key)}`);
      seen.set(key, `${stack}/${of}`);
    }
  }
  assert.ok(seen.size >= 45, `only ${seen.size} names`);
});

built.run();
