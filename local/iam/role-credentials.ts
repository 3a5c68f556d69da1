// Temporary credentials for a function's role session, shaped like the ones Lambda hands its
// instances (an ASIA… key id, a secret, a session token), and the environment that carries them.
import { randomBytes } from "node:crypto";

export interface RoleCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** Fresh, random credentials: unguessable, so only the instances given them can sign as the role. */
export function issueRoleCredentials(): RoleCredentials {
  const id = [...randomBytes(16)].map((b) => BASE32[b % 32]).join("");
  return {
    accessKeyId: `ASIA${id}`,
    secretAccessKey: randomBytes(30).toString("base64"),
    sessionToken: randomBytes(96).toString("base64"),
  };
}

/** The variables Lambda sets for the execution role's credentials. */
export function credentialsEnv(c: RoleCredentials): Record<string, string> {
  return { AWS_ACCESS_KEY_ID: c.accessKeyId, AWS_SECRET_ACCESS_KEY: c.secretAccessKey, AWS_SESSION_TOKEN: c.sessionToken };
}
