// Ingest CPU: the I/O-free part of POST /events (parse, validate, hash, enrich) for a 1 KB event,
// timed over many iterations in this process. Each iteration gets its own event id, so nothing is
// reused from a previous one.
import { createEventTypes } from "../runtime/event-types";
import { createEnvelopeValidator } from "../runtime/event-validator";
import { prepareEvent } from "../runtime/prepare-event";
import { eventBody } from "./event";
import { median } from "./stats";

export interface IngestCpuResult {
  microsPerEvent: number;
  iterations: number;
  rounds: number;
}

export function measureIngestCpu(opts: { iterations: number; rounds: number }): IngestCpuResult {
  const validator = createEnvelopeValidator(createEventTypes({ testEvents: false }), { unknownTypes: "reject" });
  const deps = { validator, maxBodyBytes: 204800 };
  const total = opts.iterations * (opts.rounds + 1);
  // Bodies are built before the clock starts: building them is the client's work, not the ingest's.
  const bodies = Array.from({ length: total }, (_, i) => eventBody(`cpu-${i}`));
  const run = (from: number): number => {
    const start = process.hrtime.bigint();
    for (let i = from; i < from + opts.iterations; i++) {
      const prepared = prepareEvent(
        {
          headers: { "content-type": "application/cloudevents+json" },
          body: bodies[i],
          requestId: `req-${i}`,
          sourceIp: "127.0.0.1",
          userAgent: "bench",
          receivedAt: new Date().toISOString(),
        },
        deps,
      );
      if (!prepared.ok) throw new Error(`the bench event was rejected: ${JSON.stringify(prepared.problem)}`);
    }
    return Number(process.hrtime.bigint() - start) / 1000 / opts.iterations;
  };
  run(0); // warm-up round: lets the JIT compile the path, as on a warm Lambda instance
  const perRound: number[] = [];
  for (let r = 1; r <= opts.rounds; r++) perRound.push(run(r * opts.iterations));
  return { microsPerEvent: median(perRound), iterations: opts.iterations, rounds: opts.rounds };
}
