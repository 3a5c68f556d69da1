// IAM's wildcards (`*` any run, `?` one character) as RegExps, compiled once per pattern: policies
// are few and requests many. Actions, resources and the *Like condition operators all use it.
const compiled = new Map<string, RegExp>();

export function globRegExp(pattern: string, flags: string): RegExp {
  const key = `${flags}:${pattern}`;
  let re = compiled.get(key);
  if (!re) {
    if (compiled.size > 1024) compiled.clear();
    const body = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
    compiled.set(key, (re = new RegExp(`^${body}$`, flags)));
  }
  return re;
}
