// A scanned event's envelope: its context attributes checked one by one (cloudevent-attributes.ts),
// `data` and `data_base64` found, nothing parsed that is not needed. Works on the scanner's tree,
// so the same code reads a structured body, a batch item and the event built from binary headers.
import type { FieldError } from "./contract/problems";
import { INPUT_LIMITS } from "./contract/limits";
import { attributeNameProblem, attributeProblem, CORE_ATTRIBUTES, DATA_MEMBERS } from "./cloudevent-attributes";
import type { AttributeValue } from "./cloudevent-attributes";
import type { JsonNode, ObjectNode } from "./json-scan";
import { pointerSegment } from "./json-scan";

/** One event as scanned: the text it lives in and its object node (spans are offsets into `text`). */
export interface ScannedEvent {
  text: string;
  root: ObjectNode;
}

/** The attributes every layer needs, decoded; the rest stay in the text. */
export interface Envelope {
  id: string;
  source: string;
  type: string;
  datacontenttype?: string;
  /** The `data` member (a JSON `null` included: an explicit null payload). */
  data?: JsonNode;
  /** The `data_base64` member, unless absent or null. */
  dataBase64?: JsonNode;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function attributeValue(text: string, node: JsonNode): AttributeValue {
  switch (node.k) {
    case "string":
      return { kind: "string", value: node.v };
    case "number":
      return { kind: "number", literal: text.slice(node.s, node.e) };
    case "true":
    case "false":
      return { kind: "boolean" };
    case "null":
      return { kind: "null" };
    default:
      return { kind: node.k };
  }
}

export function readEnvelope(ev: ScannedEvent): { ok: true; envelope: Envelope } | { ok: false; errors: FieldError[] } {
  const { text, root } = ev;
  const errors: FieldError[] = [];
  const strings: Record<string, string> = {};
  let data: JsonNode | undefined;
  let dataBase64: JsonNode | undefined;
  let attributes = 0;
  root.keys.forEach((name, n) => {
    const node = root.values[n];
    const path = pointerSegment(name);
    if (DATA_MEMBERS.includes(name)) {
      // `"data": null` is an explicit null payload (CloudEvents JSON format); a null data_base64 is none.
      if (name === "data") data = node;
      else if (node.k === "null") return;
      else if (node.k !== "string" || !BASE64.test(node.v)) errors.push({ path, message: "must be a base64 string (RFC 4648)" });
      else dataBase64 = node;
      return;
    }
    attributes++;
    const nameProblem = attributeNameProblem(name);
    if (nameProblem) {
      errors.push({ path, message: nameProblem });
      return;
    }
    const problem = attributeProblem(name, attributeValue(text, node));
    if (problem) errors.push({ path, message: problem });
    else if (node.k === "string") strings[name] = node.v;
  });
  for (const [name, spec] of Object.entries(CORE_ATTRIBUTES)) {
    if (spec.required && !root.keys.includes(name)) errors.push({ path: pointerSegment(name), message: "is required" });
  }
  if (attributes > INPUT_LIMITS.maxAttributes) errors.push({ path: "", message: `has ${attributes} context attributes; at most ${INPUT_LIMITS.maxAttributes} are accepted` });
  if (data && data.k !== "null" && dataBase64) errors.push({ path: "/data_base64", message: "data and data_base64 exclude each other" });
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, envelope: { id: strings.id, source: strings.source, type: strings.type, datacontenttype: strings.datacontenttype, data, dataBase64 } };
}
