// The local stack's own AWS clients (making queues and tables, saving and re-sending messages) mark
// their requests, so that the faults injected for the pipeline (chaos-gate.ts) never stop the
// emulator from doing its own bookkeeping. The functions' and the pollers' clients are unmarked.
import { LOCAL_TOOLING_HEADER } from "./request-gate";

interface WithMiddleware {
  middlewareStack: { add(middleware: (next: (args: any) => Promise<any>) => (args: any) => Promise<any>, options: { step: "build"; name: string }): void };
}

export function asLocalTooling<C extends WithMiddleware>(client: C): C {
  client.middlewareStack.add(
    (next) => async (args: { request: { headers: Record<string, string> } }) => {
      args.request.headers[LOCAL_TOOLING_HEADER] = "1";
      return next(args);
    },
    { step: "build", name: "sluiceLocalTooling" },
  );
  return client;
}
