// `sluice status ID`: the stored event and its processing status.
import { routePath } from "../runtime/contract/routes";
import type { Got } from "./got";
import { problemReason } from "./outcome";
import { endpoint, parseJson } from "./send-events";

export type StatusAnswer = { found: true; record: unknown } | { found: false; httpStatus: number; reason: string };

export async function fetchStatus(client: Got, baseUrl: string, id: string): Promise<StatusAnswer> {
  const res = await client.get(endpoint(baseUrl, routePath("getEvent", { id })), { responseType: "text", context: { eventId: id } });
  const body = parseJson(res.body);
  if (res.statusCode === 200) return { found: true, record: body };
  return { found: false, httpStatus: res.statusCode, reason: problemReason(body, res.statusCode) };
}
