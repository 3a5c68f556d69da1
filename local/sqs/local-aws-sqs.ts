// local-aws-sqs, loaded with one correction: it runs ChangeMessageVisibility through its receive
// step, so every visibility change counted as one more receive (ApproximateReceiveCount + 1) and a
// message whose visibility the worker backs off reached the DLQ after half its receives. On SQS a
// visibility change is not a receive ("Amazon SQS visibility timeout", SQS Developer Guide). The
// library is one bundled file; its receive step takes a third argument only on the visibility
// path, and the correction makes the count depend on it. A version whose code differs is refused
// with this file's name, rather than silently miscounting.
import * as fs from "node:fs";
import * as nodeModule from "node:module";
import * as path from "node:path";

type LocalAwsSqs = typeof import("local-aws-sqs");

/** The receive step's count, as local-aws-sqs 2.0.x bundles it; `i` is true on the visibility path. */
const COUNTED = "let n=Number(t.record.attributes.ApproximateReceiveCount)+1;";
const CORRECTED = "let n=Number(t.record.attributes.ApproximateReceiveCount)+(i?0:1);";
/** The visibility path's call of that step, which passes the third argument. */
const VISIBILITY_CALL = "return l(this,D,Wt).call(this,r,n,!0),!0}";

let loaded: LocalAwsSqs | undefined;

export function loadLocalAwsSqs(): LocalAwsSqs {
  if (loaded) return loaded;
  const file = require.resolve("local-aws-sqs");
  const source = fs.readFileSync(file, "utf8");
  if (source.split(COUNTED).length !== 2 || !source.includes(VISIBILITY_CALL)) {
    throw new Error(`local-aws-sqs at ${file} is not the version local/sqs/local-aws-sqs.ts corrects (a visibility change must not count as a receive): review the correction`);
  }
  const Loader = nodeModule.Module as unknown as {
    new (id: string, parent: NodeModule): NodeModule & { _compile(code: string, filename: string): void };
    _nodeModulePaths(dir: string): string[];
  };
  const mod = new Loader(file, module);
  mod.filename = file;
  mod.paths = Loader._nodeModulePaths(path.dirname(file));
  mod._compile(source.replace(COUNTED, CORRECTED), file);
  loaded = mod.exports as LocalAwsSqs;
  return loaded;
}
