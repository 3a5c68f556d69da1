// POST /sources/{name}: a webhook or plain JSON for one configured source. In this order: the
// source (404), the body's size (413), the signature over the raw bytes (401, nothing stored and
// nothing said of why; the reason is logged), then the event Sluice makes of the body (415, 400,
// 422), its key (source name + id) and the same lease, send and answer as POST /events.
import { problem } from "../contract/problems";
import type { SourceRuntime } from "../contract/sources";
import type { EnvelopeValidator } from "../event-validator";
import { failedDependency } from "../failure-classes";
import { problemResponse } from "../http-response";
import type { HttpResult } from "../http-response";
import { sourceKey, sourcePayloadHash } from "../idempotency-key";
import type { Acceptor } from "../ingest-accept";
import { unavailable } from "../ingest-accept";
import { errorSummary } from "../log";
import type { Logger } from "../log";
import { prepareScanned } from "../prepare-event";
import type { IngestRequest } from "../prepare-event";
import type { SecretReader } from "./secret-store";
import { compiledRules, needsSecrets } from "./source-config";
import { wrapSourceEvent } from "./source-event";
import { bodySha256, receiptOf, verifySource } from "./verify-signature";
import { webhookHandshake } from "./webhook-handshake";

export interface SourceRouteDeps {
  sources: Map<string, SourceRuntime>;
  secrets: SecretReader;
  validator: EnvelopeValidator;
  maxBodyBytes: number;
  accept: Acceptor;
  /** Epoch milliseconds. */
  now: () => number;
}

export interface SourceRoute {
  /** The request's trace header travels with the queued message (as POST /events's does). */
  post(req: IngestRequest, name: string, log: Logger, traceHeader: string | undefined): Promise<HttpResult>;
  handshake(req: IngestRequest, name: string): HttpResult;
}

/** The body's bytes exactly as received: what the signature covers. */
export function rawBody(req: Pick<IngestRequest, "body" | "isBase64Encoded">): Buffer {
  const raw = req.body ?? "";
  return req.isBase64Encoded ? Buffer.from(raw, "base64") : Buffer.from(raw, "utf8");
}

export function createSourceRoute(deps: SourceRouteDeps): SourceRoute {
  const rules = new Map([...deps.sources.values()].map((s) => [s.name, compiledRules(s)]));

  const rejected = (p: { status: number; type: string }, log: Logger) => log.info("rejected", { status: p.status, problem: p.type });

  return {
    handshake: (req, name) => webhookHandshake(deps.sources.get(name), name, req.headers, req.requestId),

    async post(req, name, baseLog, traceHeader) {
      const source = deps.sources.get(name);
      const log = baseLog.child({ source: name });
      if (!source) {
        const p = problem("not-found", `no source named ${JSON.stringify(name)}`, { requestId: req.requestId });
        rejected(p, log);
        return problemResponse(p);
      }
      const body = rawBody(req);
      if (body.byteLength > deps.maxBodyBytes) {
        const p = problem("payload-too-large", `the body is ${body.byteLength} bytes; the limit is ${deps.maxBodyBytes}`, { requestId: req.requestId });
        rejected(p, log);
        return problemResponse(p);
      }
      let secrets: string[] = [];
      let secretVersion: string | undefined;
      if (needsSecrets(source)) {
        try {
          const read = await deps.secrets.read(source.secretId!);
          secrets = read.values;
          secretVersion = read.version;
        } catch (err) {
          if (!failedDependency(err)) throw err;
          log.error("the source's secrets could not be read", { secretId: source.secretId, ...errorSummary(err) });
          return unavailable("the source's secrets are unavailable; retry later", req.requestId);
        }
      }
      const nowMs = deps.now();
      const verdict = verifySource(source, { headers: req.headers, body, secrets, nowSeconds: Math.floor(nowMs / 1000), toleranceSeconds: source.toleranceSeconds });
      if (!verdict.ok) {
        // The client learns only that it failed; the log says why, under the request id.
        log.warn("signature rejected", { scheme: source.verify, reason: verdict.reason });
        return problemResponse(problem("signature-invalid", "the request's signature could not be verified", { requestId: req.requestId }));
      }
      const wrapped = wrapSourceEvent(source, rules.get(name)!, { headers: req.headers, body, receivedAt: req.receivedAt, requestId: req.requestId });
      if (!wrapped.ok) {
        rejected(wrapped.problem, log);
        return problemResponse(wrapped.problem);
      }
      const receipt = receiptOf(source, verdict, { verifiedAt: new Date(nowMs).toISOString(), bodySha256: bodySha256(body), secretVersion });
      const prepared = prepareScanned(req, { validator: deps.validator, maxBodyBytes: deps.maxBodyBytes }, wrapped.scanned, {
        keyOf: (_source, id) => sourceKey(name, id),
        hash: sourcePayloadHash,
        decorate: (message, accepted) => {
          message.receipt = receipt;
          // A type's coercions changed the body inside the event: then the raw bytes travel too.
          if (accepted === wrapped.scanned.text) message.rawOf = wrapped.rawOf;
          else message.raw = body;
        },
      });
      if (!prepared.ok) {
        rejected(prepared.problem, log);
        return problemResponse(prepared.problem);
      }
      return deps.accept.accept(prepared.prepared, req.requestId, log, traceHeader);
    },
  };
}
