// A program that fails under mocks fails in two ways: it throws while index.ts loads, or a
// resource registration rejects later (an error inside an `apply`, or a twin that could not be
// made), which nothing awaits. Both are the program's failure, reported with its own message.
import * as path from "node:path";

/** The runner's own folder (local/): its frames are not the program's. */
const RUNNER_DIR = path.resolve(__dirname, "..") + path.sep;

/** The program itself failed; `message` is the program's own. */
export class ProgramError extends Error {
  constructor(
    /** The stack whose program failed. */
    readonly stackName: string,
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = "ProgramError";
    if (cause instanceof Error && cause.stack) this.stack = cause.stack;
  }

  /** The frames of the error's stack in the project's own files (not node_modules, not this runner). */
  projectFrames(projectDir: string): string[] {
    return String(this.stack ?? "")
      .split("\n")
      .filter((line) => /^\s+at /.test(line) && line.includes(projectDir + path.sep) && !line.includes(`${path.sep}node_modules${path.sep}`) && !line.includes(RUNNER_DIR))
      .map((line) => line.trim().replace(projectDir + path.sep, ""));
  }
}

export interface RejectionWatch {
  /** The first rejection no one handled while the watch was on. */
  readonly first: unknown;
  readonly failed: boolean;
  /** Settles (rejects) with the first such rejection; never resolves. */
  readonly failure: Promise<never>;
  stop(): void;
}

/**
 * Collects the promise rejections no one handles while a program runs (instead of letting Node
 * end the process with them), so the run can fail with them.
 */
export function watchUnhandledRejections(): RejectionWatch {
  let fail!: (err: unknown) => void;
  const failure = new Promise<never>((_, reject) => (fail = reject));
  failure.catch(() => undefined);
  const watch = { first: undefined as unknown, failed: false, failure, stop: () => process.off("unhandledRejection", onRejection) };
  const onRejection = (reason: unknown) => {
    if (watch.failed) return;
    watch.failed = true;
    watch.first = reason;
    fail(reason);
  };
  process.on("unhandledRejection", onRejection);
  return watch;
}
