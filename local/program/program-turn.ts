// Pulumi's mock monitor, its config and its stack resource are process-wide: two program runs at
// once would register into each other. Every run in this process (the local stacks', the
// component tests') takes its turn here.

let lastTurn: Promise<unknown> = Promise.resolve();

/** Runs `fn` once every run that asked earlier has ended, whether it succeeded or not. */
export function inProgramTurn<T>(fn: () => Promise<T>): Promise<T> {
  const turn = lastTurn.then(fn);
  lastTurn = turn.catch(() => undefined);
  return turn;
}
