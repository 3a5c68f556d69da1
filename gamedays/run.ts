// `npm run gameday [-- NAME…]`: runs the gamedays (docs/gamedays/), each against a fresh local
// stack, one after another, and exits non-zero if any check failed. Not part of `npm test`: the
// four take a few minutes on two cores, and CI's 20 minutes are mostly spent by `npm test` already.
import { runGameday } from "./harness";
import { SCENARIOS } from "./scenarios";

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !SCENARIOS.some((s) => s.name === w));
  if (unknown.length > 0) {
    process.stderr.write(`gameday: unknown ${unknown.join(", ")}; known: ${SCENARIOS.map((s) => s.name).join(", ")}\n`);
    process.exit(2);
  }
  const results: { name: string; failed: string[]; seconds: number }[] = [];
  for (const s of SCENARIOS.filter((x) => wanted.length === 0 || wanted.includes(x.name))) {
    const started = Date.now();
    results.push({ name: s.name, failed: await runGameday(s.name, s.config, s.run), seconds: Math.round((Date.now() - started) / 1000) });
  }
  process.stdout.write("\ngamedays:\n");
  for (const r of results) process.stdout.write(`  ${r.failed.length === 0 ? "passed" : "FAILED"}  ${r.name} (${r.seconds} s)${r.failed.map((f) => `\n          ${f}`).join("")}\n`);
  process.exit(results.every((r) => r.failed.length === 0) ? 0 : 1);
}

main().catch((err: Error) => {
  process.stderr.write(`gameday: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
