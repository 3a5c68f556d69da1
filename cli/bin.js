#!/usr/bin/env node
// The `sluice` bin: register tsx's CommonJS hook so the TypeScript sources run as they are
// (no build step), then hand over to the CLI.
"use strict";
require("tsx/cjs");
const { run } = require("./main.ts");
run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`sluice: ${(err && err.stack) || String(err)}\n`);
    process.exitCode = 2;
  },
);
