// An operator's replay of a source's events (POST /admin/replay) through the real ingest, worker,
// operator and query: the stored event keeps its verification receipt and its raw body, whether
// the raw body sat inside the event (a span) or beside it (a type's coercions changed the event),
// so `sluice verify` still checks the signature of a replayed event.
import { randomUUID } from "node:crypto";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { verifyStored } from "../../cli/verify";
import { adminEvent, drain, json, lambdaContext, storedDocument, storedRecord } from "./harness";
import { GH, post, startSources, stopSources, view, type SourcesCtx } from "./sources-harness";

const test = suite<SourcesCtx>("sources: a replay keeps the receipt and the raw body");

test.before((ctx) => startSources(ctx));
test.after((ctx) => stopSources(ctx));

async function replay(ctx: SourcesCtx, source: string) {
  const event = adminEvent({ method: "POST", path: "/admin/replay", headers: { "content-type": "application/json" }, body: { source, status: "processed", jitterSeconds: 0 } });
  const res = await ctx.operator(event, lambdaContext());
  assert.is(res.statusCode, 200, res.body);
  return json(res);
}

test("a signed GitHub delivery and a coerced plain body, replayed: receipt, raw body and its form unchanged, still verifiable", async (ctx) => {
  const body = JSON.stringify({ action: "opened", number: 9, repository: { full_name: "acme/app" } });
  const signed = await post(ctx, "github", body, { "content-type": "application/json", "x-github-event": "pull_request", "x-github-delivery": randomUUID(), "x-hub-signature-256": await ctx.octokit.sign(GH[0], body) });
  assert.is(signed.statusCode, 202, signed.body);
  const coercedBody = `{"id":"${Math.floor(Math.random() * 1e9)}","name":" Ada ","active":"true"}`;
  const coerced = await post(ctx, "crm", coercedBody, { "content-type": "application/json" });
  assert.is(coerced.statusCode, 202, coerced.body);
  const ids = [json(signed).id as string, json(coerced).id as string];

  const before = await Promise.all(ids.map((id) => view(ctx, id, true)));
  const docsBefore = await Promise.all(ids.map((id) => storedDocument(ctx.b, ctx.table, id)));
  assert.ok(docsBefore[0]?.rawOf, "the delivery's raw body is a span of its event");
  assert.is(docsBefore[1]?.rawOf, undefined, "the coerced body is kept beside its event");

  for (const [source, id] of [["/sources/github", ids[0]], ["/sources/crm", ids[1]]]) {
    const run = await replay(ctx, source);
    assert.equal([run.replayed, run.skipped, run.sendFailed], [1, 0, 0], `${source}: ${JSON.stringify(run)}`);
    await drain(ctx.b, ctx.queueUrl, ctx.worker);
    assert.is((await storedRecord(ctx.b, ctx.table, id))?.n, 2, `${source}: stored again by the replay`);
  }

  for (const [i, id] of ids.entries()) {
    const after = await view(ctx, id, true);
    assert.equal(after.receipt, before[i].receipt, `${id}: the receipt as it was`);
    assert.is(after.raw, before[i].raw, `${id}: the raw body as it was`);
    assert.equal(after.event, before[i].event, `${id}: the event as it was`);
    const doc = await storedDocument(ctx.b, ctx.table, id);
    assert.equal(doc?.rawOf, docsBefore[i]?.rawOf, `${id}: the raw body in the same form`);
  }
  const verdict = verifyStored(await view(ctx, ids[0], true), () => GH);
  assert.is(verdict.verdict, "valid", JSON.stringify(verdict));
});

test.run();
