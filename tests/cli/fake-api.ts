// A tiny scripted stand-in for the ingest API: answers each request from a script, records every
// request it saw, and stores accepted events by source+id the way the real API keys them.
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/**
 * Decides the answer to the n-th request (0-based) on a path: undefined means "store and 202",
 * "hold" leaves the request unanswered until the server closes.
 */
export type Script = (req: SeenRequest, n: number) => Answer | "hold" | undefined;

export interface FakeApi {
  url: string;
  requests: SeenRequest[];
  stored: Map<string, unknown>;
  close(): Promise<void>;
}

export function problem(status: number, slug: string, detail: string, errors?: Array<{ path: string; message: string }>): Answer {
  return {
    status,
    headers: { "content-type": "application/problem+json" },
    body: { type: `urn:sluice:problem:${slug}`, title: slug, status, detail, ...(errors ? { errors } : {}) },
  };
}

function storeOne(stored: Map<string, unknown>, event: any): Answer {
  const key = `${event.source}\n${event.id}`;
  const id = `evt_${event.id}`;
  if (stored.has(key)) return { status: 202, headers: { "idempotent-replayed": "true" }, body: { id, status: "accepted" } };
  stored.set(key, event);
  return { status: 202, body: { id, status: "accepted" } };
}

export async function startFakeApi(script: Script = () => undefined): Promise<FakeApi> {
  const requests: SeenRequest[] = [];
  const stored = new Map<string, unknown>();
  const counts = new Map<string, number>();
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const seen: SeenRequest = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body };
      requests.push(seen);
      const n = counts.get(seen.url) ?? 0;
      counts.set(seen.url, n + 1);
      const scripted = script(seen, n);
      if (scripted === "hold") return;
      let answer = scripted;
      if (!answer && seen.url === "/events") answer = storeOne(stored, JSON.parse(body));
      if (!answer && seen.url === "/events/batch") {
        const results = (JSON.parse(body) as any[]).map((e, index) => {
          const a = storeOne(stored, e);
          return { index, id: (a.body as any).id, status: a.headers?.["idempotent-replayed"] ? "replayed" : "accepted", httpStatus: 202 };
        });
        answer = { status: 202, body: { items: results } };
      }
      answer ??= problem(404, "not-found", `no route ${seen.url}`);
      res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
      res.end(answer.body === undefined ? "" : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stored,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export function demoEvent(n: number, data: Record<string, unknown> = { id: n, name: `user ${n}`, active: true }): Record<string, unknown> {
  return { specversion: "1.0", id: `e-${n}`, source: "urn:test:cli", type: "sluice.demo.user", data };
}
