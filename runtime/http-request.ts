// Reading an HTTP request the same way everywhere: the handlers, the local edge and the CLI.

/** Header lookup that ignores case (API Gateway lower-cases, but direct invocations may not). */
export function headerOf(headers: Record<string, string | undefined> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === wanted) return v;
  return undefined;
}

/**
 * `decodeURIComponent` that never throws: a malformed escape (`%E0%A4%A`) is kept as sent, so a
 * hostile path or header can be refused by the check that reads it, not crash the reader.
 */
export function decodeComponent(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
