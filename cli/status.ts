// `sluice status ID`: the stored event and its processing status.
import { routePath } from "../runtime/contract/routes";
import type { Got } from "./got";
import { problemReason } from "./outcome";
import { endpoint, parseJson } from "./send-events";

/** `text` is the answer as sent: the event in it is exactly as stored, which a parse would round. */
export type StatusAnswer = { found: true; text: string } | { found: false; httpStatus: number; reason: string };

export async function fetchStatus(client: Got, baseUrl: string, id: string): Promise<StatusAnswer> {
  const res = await client.get(endpoint(baseUrl, routePath("getEvent", { id })), { responseType: "text", context: { eventId: id } });
  if (res.statusCode === 200) return { found: true, text: res.body };
  const body = parseJson(res.body);
  const challenge = res.headers["www-authenticate"];
  return { found: false, httpStatus: res.statusCode, reason: problemReason(body, res.statusCode, Array.isArray(challenge) ? challenge[0] : challenge) };
}
