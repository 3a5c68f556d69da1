// The retry policy, seen from outside: the CLI runs as a child process against a scripted server.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as net from "node:net";
import { demoEvent, problem, startFakeApi } from "./fake-api";
import { logLines, ndjson, runCli, summaryOf } from "./run-cli";

test("503 twice with Retry-After, then 202: retried with the same request, stored once", async () => {
  const api = await startFakeApi((_req, n) => (n < 2 ? { ...problem(503, "dependency-unavailable", "queue down"), headers: { "content-type": "application/problem+json", "retry-after": String(n) } } : undefined));
  try {
    const run = await runCli(["send", "-", "--url", api.url, "--json", "--verbose"], { input: ndjson([demoEvent(1)]) });
    const s = summaryOf(run);
    assert.is(run.code, 0, run.stderr);
    assert.is(s.accepted, 1);
    assert.is(s.failed, 0);
    assert.is(s.items[0].attempts, 3);
    assert.is(api.requests.length, 3);
    // Every attempt is the same request: same body, so the same source+id key on the server.
    assert.equal(new Set(api.requests.map((r) => r.body)).size, 1);
    assert.is(api.stored.size, 1);
    // The retries are visible, each honouring the server's Retry-After (0 s, then 1 s).
    const retries = logLines(run).filter((l) => l.msg === "retry");
    assert.equal(retries.map((l) => [l.attempt, l.cause, l.retryAfterMs, l.delayMs]), [
      [1, "HTTP 503", 0, 1],
      [2, "HTTP 503", 1000, 1000],
    ]);
    assert.is(retries[0].eventId, "e-1");
  } finally {
    await api.close();
  }
});

for (const [status, slug] of [[422, "validation-failed"], [400, "invalid-json"], [413, "payload-too-large"], [415, "unsupported-media-type"]] as const) {
  test(`${status} is not retried: one request, rejected with its reason, exit 1`, async () => {
    const api = await startFakeApi(() => problem(status, slug, "the event is wrong", status === 422 ? [{ path: "/data/id", message: "Expected an integer" }] : undefined));
    try {
      const run = await runCli(["send", "-", "--url", api.url, "--json"], { input: ndjson([demoEvent(1)]) });
      const s = summaryOf(run);
      assert.is(run.code, 1);
      assert.is(api.requests.length, 1);
      assert.is(s.rejected, 1);
      assert.is(s.items[0].httpStatus, status);
      assert.ok(s.items[0].reason.startsWith(slug), s.items[0].reason);
      if (status === 422) assert.ok(s.items[0].reason.includes("/data/id: Expected an integer"));
    } finally {
      await api.close();
    }
  });
}

test("409 in flight and API Gateway's own 429 (no Retry-After) are retried", async () => {
  const gatewayThrottle = { status: 429, headers: { "content-type": "application/json" }, body: { message: "Too Many Requests" } };
  const api = await startFakeApi((_req, n) => (n === 0 ? problem(409, "idempotency-key-in-flight", "try later") : n === 1 ? gatewayThrottle : undefined));
  try {
    const run = await runCli(["send", "-", "--url", api.url, "--json", "--verbose"], { input: ndjson([demoEvent(7)]) });
    assert.is(run.code, 0, run.stderr);
    assert.is(summaryOf(run).accepted, 1);
    assert.equal(logLines(run).filter((l) => l.msg === "retry").map((l) => l.cause), ["HTTP 409", "HTTP 429"]);
    assert.is(api.stored.size, 1);
  } finally {
    await api.close();
  }
});

test("admin runs: a redrive or replay POST that answers 503 or nothing is not re-run, and says what to do; reads are retried", async () => {
  const env = { ...process.env, AWS_ACCESS_KEY_ID: "AKIDTEST", AWS_SECRET_ACCESS_KEY: "secret", AWS_REGION: "us-east-1", AWS_PROFILE: "", AWS_SESSION_TOKEN: "" };
  const preview = { filter: {}, depth: { visible: 0, inFlight: 0 }, scanned: 0, matched: 0, complete: true, stoppedBy: null, groups: [] };
  const api = await startFakeApi((req, n) => {
    if (req.url.startsWith("/admin/dlq?") || req.url === "/admin/dlq") return n < 2 ? problem(503, "dependency-unavailable", "queue down") : { status: 200, body: preview };
    if (req.url === "/admin/dlq/redrive" || req.url === "/admin/replay") return problem(503, "dependency-unavailable", "queue down");
    return undefined;
  });
  try {
    const redrive = await runCli(["dlq", "redrive", "--url", api.url, "--category", "TRANSIENT"], { env });
    assert.is(redrive.code, 1, redrive.stderr);
    assert.is(api.requests.filter((r) => r.url === "/admin/dlq/redrive").length, 1, "sent once");
    assert.match(redrive.stderr, /not retried automatically: .*running the same command again is safe/);
    const replay = await runCli(["replay", "--url", api.url, "--status", "failed"], { env });
    assert.is(replay.code, 1, replay.stderr);
    assert.is(api.requests.filter((r) => r.url === "/admin/replay").length, 1, "sent once");
    assert.match(replay.stderr, /not retried automatically: .*re-sends them/);
    const ls = await runCli(["dlq", "ls", "--url", api.url, "--json"], { env });
    assert.is(ls.code, 0, ls.stderr);
    assert.is(api.requests.filter((r) => r.url.startsWith("/admin/dlq") && r.method === "GET").length, 3, "a read is retried");
  } finally {
    await api.close();
  }
  // No answer at all: the connection is refused.
  const closed = await new Promise<number>((resolve) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
  const lost = await runCli(["dlq", "redrive", "--url", `http://127.0.0.1:${closed}`], { env });
  assert.is(lost.code, 1, lost.stderr);
  assert.match(lost.stderr, /no answer \(ECONNREFUSED\).*\n.*running the same command again is safe/);
});

test("a Retry-After beyond the longest wait ends the retries instead of hanging", async () => {
  const api = await startFakeApi(() => ({ ...problem(503, "dependency-unavailable", "down for a while"), headers: { "retry-after": "3600" } }));
  try {
    const run = await runCli(["send", "-", "--url", api.url, "--json"], { input: ndjson([demoEvent(1)]) });
    assert.is(run.code, 1);
    assert.is(api.requests.length, 1);
    assert.is(summaryOf(run).failed, 1);
  } finally {
    await api.close();
  }
});

test("a 5xx that never clears fails after the retry limit, with exponential backoff", async () => {
  const api = await startFakeApi(() => problem(500, "internal", "boom"));
  try {
    const run = await runCli(["send", "-", "--url", api.url, "--json", "--verbose", "--retries", "2"], { input: ndjson([demoEvent(1)]) });
    const s = summaryOf(run);
    assert.is(run.code, 1);
    assert.is(api.requests.length, 3);
    assert.is(s.failed, 1);
    assert.is(s.items[0].attempts, 3);
    assert.ok(s.items[0].reason.includes("boom"));
    // Full jitter: each delay lies in [1, base·2^(n-1)] with base 250 ms.
    const delays = logLines(run).filter((l) => l.msg === "retry").map((l) => l.delayMs);
    assert.is(delays.length, 2);
    assert.ok(delays[0] >= 1 && delays[0] <= 250, String(delays));
    assert.ok(delays[1] >= 1 && delays[1] <= 500, String(delays));
  } finally {
    await api.close();
  }
});

test("a refused connection is retried as a network error, then reported as failed", async () => {
  // A port that was free a moment ago and has nothing listening now.
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const run = await runCli(["send", "-", "--url", `http://127.0.0.1:${port}`, "--json", "--verbose", "--retries", "2"], { input: ndjson([demoEvent(1)]) });
  assert.is(run.code, 1);
  const s = summaryOf(run);
  assert.is(s.failed, 1);
  assert.ok(s.items[0].reason.startsWith("ECONNREFUSED"), s.items[0].reason);
  assert.equal(logLines(run).filter((l) => l.msg === "retry").map((l) => l.cause), ["ECONNREFUSED", "ECONNREFUSED"]);
});

test("--batch sends 10 per request; transiently refused items (503, 409 in flight) are retried alone, a 422 is not", async () => {
  let firstBatch = true;
  const api = await startFakeApi((req) => {
    if (req.url !== "/events/batch" || !firstBatch) return undefined;
    firstBatch = false;
    const events = JSON.parse(req.body) as any[];
    // Store all but three: the queue is down for one, another's key is in flight, one is invalid.
    const results = events.map((e, index) => {
      if (index === 3) return { index, status: "failed", httpStatus: 503, problem: { type: "urn:sluice:problem:dependency-unavailable", status: 503 } };
      if (index === 5) return { index, status: "rejected", httpStatus: 409, problem: { type: "urn:sluice:problem:idempotency-key-in-flight", status: 409 } };
      if (index === 6) return { index, status: "rejected", httpStatus: 422, problem: { type: "urn:sluice:problem:validation-failed", status: 422, errors: [{ path: "/data/id", message: "Expected an integer" }] } };
      api.stored.set(`${e.source}\n${e.id}`, e);
      return { index, id: `evt_${e.id}`, status: "accepted", httpStatus: 202 };
    });
    return { status: 207, body: { items: results } };
  });
  try {
    const events = Array.from({ length: 23 }, (_, i) => demoEvent(i));
    const run = await runCli(["send", "-", "--url", api.url, "--json", "--batch", "--concurrency", "1"], { input: ndjson(events) });
    const s = summaryOf(run);
    assert.is(run.code, 1, run.stdout);
    assert.equal([s.accepted, s.rejected, s.failed], [22, 1, 0]);
    assert.is(s.items[6].httpStatus, 422);
    assert.match(s.items[6].reason, /^validation-failed \(\/data\/id: Expected an integer\)/);
    assert.equal(api.requests.filter((r) => r.url === "/events/batch").map((r) => JSON.parse(r.body).length), [10, 10, 3]);
    assert.equal(api.requests.filter((r) => r.url === "/events").map((r) => JSON.parse(r.body).id).sort(), ["e-3", "e-5"]);
    assert.is(api.stored.size, 22);
  } finally {
    await api.close();
  }
});

test("Ctrl-C halfway: the finished events are summarized, a rerun is suggested, exit 130", async () => {
  // The first event is stored; the second is held unanswered, so the run is mid-flight when stopped.
  const api = await startFakeApi((_req, n) => (n === 0 ? undefined : "hold"));
  try {
    const run = await runCli(["send", "-", "--url", api.url, "--json", "--concurrency", "1"], {
      input: ndjson([demoEvent(1), demoEvent(2), demoEvent(3)]),
      onSpawn: (child) => {
        const poll = setInterval(() => {
          if (api.requests.length < 2) return;
          clearInterval(poll);
          child.kill("SIGINT");
        }, 20);
      },
    });
    assert.is(run.code, 130, run.stderr);
    const s = summaryOf(run);
    assert.is(s.interrupted, true);
    assert.equal([s.total, s.accepted], [1, 1]);
    assert.match(run.stderr, /interrupted after 1 of 3 events; rerun the same input to finish/);
  } finally {
    await api.close();
  }
});

test.run();
