// The README's config reference must say what Pulumi.yaml and the stack files say.
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { knownStacks, readProjectConfigSchema } from "../../local/program/stack-config";
import { readmeConfigTable, renderConfigTable, stackOverrides } from "./config-table";

const ROOT = path.resolve(__dirname, "../..");

test("README config table matches Pulumi.yaml and the stack files", () => {
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  assert.fixture(readmeConfigTable(readme), renderConfigTable());
});

test("every config key is typed, defaulted and described; stacks set only declared keys of the right type", () => {
  const schema = readProjectConfigSchema();
  assert.ok(Object.keys(schema).length >= 20);
  const jsType = { integer: "number", boolean: "boolean", string: "string", array: "object", object: "object" } as const;
  for (const [key, entry] of Object.entries(schema)) {
    // Pulumi's project schema has no object type: an object is declared by its default alone.
    if (entry.type === undefined && entry.default !== null && typeof entry.default === "object" && !Array.isArray(entry.default)) entry.type = "object";
    assert.ok(entry.type && entry.type in jsType, `${key}: type ${entry.type}`);
    assert.ok(entry.default !== undefined, `${key} has no default`);
    assert.type(entry.default, jsType[entry.type as keyof typeof jsType], `${key} default type`);
    if (entry.type === "integer") assert.ok(Number.isInteger(entry.default), `${key} default is not an integer`);
    assert.ok(typeof entry.description === "string" && entry.description.length > 20, `${key} description`);
  }
  assert.equal(knownStacks(), ["dev", "prod"]);
  for (const stack of knownStacks()) {
    for (const [fullKey, value] of Object.entries(stackOverrides(stack))) {
      const [ns, key] = fullKey.split(":");
      if (ns !== "sluice") continue;
      assert.ok(schema[key], `Pulumi.${stack}.yaml sets undeclared ${fullKey}`);
      assert.type(value, jsType[(schema[key].type ?? "object") as keyof typeof jsType], `${stack} ${fullKey}`);
    }
    assert.ok(stackOverrides(stack)["aws:region"], `${stack} sets aws:region`);
  }
});

test("the issue's knobs are all configurable", () => {
  const keys = Object.keys(readProjectConfigSchema());
  for (const k of [
    "throttleRateLimit", "throttleBurstLimit", "maxBodyBytes", "batchSize", "batchingWindowSeconds", "workerMaxConcurrency",
    "ingestMemoryMb", "ingestTimeoutSeconds", "workerMemoryMb", "workerTimeoutSeconds", "queryMemoryMb", "queryTimeoutSeconds",
    "maxReceiveCount", "messageRetentionSeconds", "idempotencyWindowSeconds", "logRetentionDays", "alarmEmail", "kmsKeyArn",
    "protect", "corsOrigins", "unknownTypes", "testEvents", "demoSource",
  ]) {
    assert.ok(keys.includes(k), `missing config ${k}`);
  }
});

test.run();
