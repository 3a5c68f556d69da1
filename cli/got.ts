// got is ESM-only and publishes its types only under package.json "exports", which this repo's
// CommonJS `moduleResolution: node` does not read. Types come from the deep path (type-only,
// erased at compile time); the value from require("got"), which Node ≥ 20.19 loads as require(esm).
import type { Got } from "got/dist/source/index";

export type { Got, Response, RequestError } from "got/dist/source/index";

// eslint-disable-next-line @typescript-eslint/no-var-requires
export const got: Got = (require("got") as { default: Got }).default;
