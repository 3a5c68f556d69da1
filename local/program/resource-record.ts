// What the program declared, as the mock monitor saw it: the shapes every consumer of a program
// run (the local stack's twins, the component tests, the bench) reads.

/** A resource registration as the mocks receive it. */
export interface NewResourceArgs {
  type: string;
  name: string;
  inputs: Record<string, any>;
  custom?: boolean;
  id?: string;
}

export interface ResourceRecord {
  type: string;
  /** The logical name given to the resource in the program. */
  name: string;
  inputs: Record<string, any>;
  /** The state the mock returned: inputs plus the provider-computed fields. */
  state: Record<string, any>;
  id: string;
  custom: boolean;
}

export interface ProgramRun {
  stack: string;
  config: Record<string, string>;
  resources: ResourceRecord[];
  outputs: Record<string, unknown>;
}

/** A numeric input as the provider reads it: absent or not a number means the default. */
export function numberInput(v: unknown, fallback: number): number {
  const n = Number(v);
  return v === undefined || v === null || v === "" || Number.isNaN(n) ? fallback : n;
}
