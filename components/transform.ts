// The escape hatch every component offers per child resource: whatever the flat args do not cover
// (a tag, an attribute, a resource option) can still be set without forking the component.
import * as pulumi from "@pulumi/pulumi";

/**
 * Either a partial args object merged over the component's choice, or a function that edits the
 * args and options in place (it may also rename the child).
 */
export type Transform<Args> =
  | Partial<Args>
  | ((args: Args, opts: pulumi.CustomResourceOptions, name: string) => void | { name?: string });

/** Runs `transform` over a child's name, args and options and returns what the child gets. */
export function applyTransform<Args extends object>(
  transform: Transform<Args> | undefined,
  name: string,
  args: Args,
  opts: pulumi.CustomResourceOptions,
): [string, Args, pulumi.CustomResourceOptions] {
  if (transform === undefined) return [name, args, opts];
  if (typeof transform === "function") {
    const result = transform(args, opts, name);
    return [result?.name ?? name, args, opts];
  }
  return [name, { ...args, ...transform }, opts];
}
