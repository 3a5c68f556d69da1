// The Pulumi project the local stack and the component tests run: this repository's index.ts,
// Pulumi.yaml and stack files, unless a caller names another project folder.
import * as path from "node:path";

export const PROJECT_DIR = path.resolve(__dirname, "..", "..");
/** The project's `name` in Pulumi.yaml, and so the namespace of its config keys. */
export const PROJECT_NAME = "sluice";
