// The local secrets, in memory: each with its ARN and its versions (AWSCURRENT, AWSPREVIOUS), made
// from the program's aws.secretsmanager.Secret/SecretVersion or seeded for a secret made out of
// band. Nothing here outlives the stack: the values come from config at every start.
import { randomUUID } from "node:crypto";
import { secretArnFor, secretNameOf } from "./secret-arn";

export interface SecretVersionRecord {
  versionId: string;
  value: string;
  stages: string[];
  createdAt: number;
}

export interface LocalSecret {
  name: string;
  arn: string;
  versions: SecretVersionRecord[];
}

export class SecretsRegistry {
  private readonly byName = new Map<string, LocalSecret>();

  constructor(private readonly where: { region: string; accountId: string }) {}

  /** The secret of `name`, made empty if it does not exist yet. */
  ensure(name: string): LocalSecret {
    let s = this.byName.get(name);
    if (!s) this.byName.set(name, (s = { name, arn: secretArnFor(name, this.where), versions: [] }));
    return s;
  }

  /** The secret a SecretId (name, full or partial ARN) names, if any. */
  find(secretId: string): LocalSecret | undefined {
    const s = this.byName.get(secretNameOf(secretId));
    if (!s) return undefined;
    return !secretId.startsWith("arn:") || secretId === s.arn || !/-[A-Za-z0-9]{6}$/.test(secretId) ? s : undefined;
  }

  /** A new current version; the one it replaces becomes AWSPREVIOUS. */
  put(name: string, value: string, versionId: string = randomUUID()): SecretVersionRecord {
    const s = this.ensure(name);
    for (const v of s.versions) {
      v.stages = v.stages.includes("AWSCURRENT") ? ["AWSPREVIOUS"] : v.stages.filter((st) => st !== "AWSPREVIOUS");
    }
    const version = { versionId, value, stages: ["AWSCURRENT"], createdAt: Date.now() };
    s.versions.push(version);
    return version;
  }

  /** The version asked for: by id, by stage, else the current one. */
  version(s: LocalSecret, opts: { versionId?: string; stage?: string }): SecretVersionRecord | undefined {
    if (opts.versionId) return s.versions.find((v) => v.versionId === opts.versionId && (!opts.stage || v.stages.includes(opts.stage)));
    return s.versions.find((v) => v.stages.includes(opts.stage ?? "AWSCURRENT"));
  }

  names(): string[] {
    return [...this.byName.keys()].sort();
  }
}
