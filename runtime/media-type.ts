// Content types as RFC 9110 §8.3.1 writes them: `type/subtype *( OWS ";" OWS [ name=value ] )`
// where a value is a token or a quoted string with backslash escapes, so a `;` or a `charset=`
// inside quotes is part of another parameter's value, never a parameter of its own.

export interface MediaType {
  /** `type/subtype`, lower-cased (media types compare case-insensitively). */
  essence: string;
  /** Parameters in order; names lower-cased, values as sent (unquoted). */
  params: { name: string; value: string }[];
}

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

function isOws(ch: string | undefined): boolean {
  return ch === " " || ch === "\t";
}

/** The parsed header, or undefined when it is not a media type. */
export function parseMediaType(header: string): MediaType | undefined {
  let i = 0;
  const n = header.length;
  while (isOws(header[i])) i++;
  const readToken = (): string => {
    const from = i;
    while (i < n && TCHAR.test(header[i])) i++;
    return header.slice(from, i);
  };
  const type = readToken();
  if (!type || header[i] !== "/") return undefined;
  i++;
  const subtype = readToken();
  if (!subtype) return undefined;
  const params: { name: string; value: string }[] = [];
  for (;;) {
    while (isOws(header[i])) i++;
    if (i >= n) break;
    if (header[i] !== ";") return undefined;
    i++;
    while (isOws(header[i])) i++;
    if (i >= n || header[i] === ";") continue; // an empty parameter is allowed
    const name = readToken();
    if (!name || header[i] !== "=") return undefined;
    i++;
    let value: string;
    if (header[i] === '"') {
      value = "";
      i++;
      for (;;) {
        if (i >= n) return undefined;
        const ch = header[i];
        const code = ch.charCodeAt(0);
        if (ch === '"') {
          i++;
          break;
        }
        if (ch === "\\") {
          const next = header[i + 1];
          if (next === undefined || (next.charCodeAt(0) < 0x20 && next !== "\t") || next.charCodeAt(0) === 0x7f) return undefined;
          value += next;
          i += 2;
          continue;
        }
        if ((code < 0x20 && ch !== "\t") || code === 0x7f) return undefined;
        value += ch;
        i++;
      }
    } else {
      value = readToken();
      if (!value) return undefined;
    }
    params.push({ name: name.toLowerCase(), value });
  }
  return { essence: `${type}/${subtype}`.toLowerCase(), params };
}

/** A charset we read: none given (JSON is UTF-8), or every `charset` naming UTF-8. */
export function isUtf8Charset(media: MediaType): boolean {
  return media.params.every((p) => p.name !== "charset" || ["utf-8", "utf8"].includes(p.value.toLowerCase()));
}

/** JSON-formatted content per the CloudEvents JSON format: subtype `json` or ending in `+json`. */
export function isJsonMediaType(media: MediaType): boolean {
  const subtype = media.essence.slice(media.essence.indexOf("/") + 1);
  return subtype === "json" || subtype.endsWith("+json");
}

/**
 * Whether a `datacontenttype` says no more than a JSON event's default (`application/json`, in
 * UTF-8): such an event is the same event as one without the attribute (CloudEvents 1.0).
 */
export function isDefaultDataContentType(value: string): boolean {
  const media = parseMediaType(value);
  return media !== undefined && media.essence === "application/json" && media.params.every((p) => p.name === "charset" && isUtf8Charset(media));
}
