// The gate config (twin-protocol.ts GateConfig) of one local stack, held in the stack's process:
// IAM's gate config (the tool credentials at first, every function's role once the program ran),
// the chaos rules from --chaos and the control endpoint.
// Every twin supervisor attaches; an update reaches each running twin, and a twin that starts
// (or restarts) later gets the current config with its start.
import type { GateConfig } from "./twin-protocol";

export class GateSettings {
  private config: GateConfig;
  private readonly targets: Array<(config: GateConfig) => Promise<void>> = [];

  constructor(initial: Partial<GateConfig> = {}) {
    this.config = { chaos: [], ...initial };
  }

  current(): GateConfig {
    return this.config;
  }

  /** Replaces the parts of the config given; resolves once every running twin applied it. */
  async update(change: Partial<GateConfig>): Promise<void> {
    this.config = { ...this.config, ...change };
    await Promise.all(this.targets.map((t) => t(this.config)));
  }

  attach(target: (config: GateConfig) => Promise<void>): void {
    this.targets.push(target);
  }
}
