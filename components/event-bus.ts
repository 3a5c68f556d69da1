// EventBus: the fan-out bus consumers subscribe to with their own EventBridge rules (config
// `publish`); the worker puts `sluice.event.processed` / `sluice.event.failed` on it. It grants
// publishing on itself only, action by action.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { SluiceComponent, type CommonArgs } from "./component";
import type { Grantee } from "./policy";
import type { Transform } from "./transform";

export interface EventBusArgs extends Omit<CommonArgs, "kmsKeyArn"> {
  /** Per-child escape hatch for what these args do not cover. Default none. */
  transform?: {
    /** EventBridge encrypts the bus with an AWS owned key; a customer key goes here (`kmsKeyIdentifier`), with its key policy. */
    bus?: Transform<aws.cloudwatch.EventBusArgs>;
    grant?: Transform<aws.iam.RolePolicyArgs>;
  };
}

export class EventBus extends SluiceComponent {
  public readonly bus: aws.cloudwatch.EventBus;
  public readonly name: pulumi.Output<string>;
  public readonly arn: pulumi.Output<string>;
  private readonly transforms: NonNullable<EventBusArgs["transform"]>;

  constructor(name: string, args: EventBusArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super("EventBus", name, args, opts);
    this.transforms = args.transform ?? {};
    const [busName, busArgs, busOpts] = this.child<aws.cloudwatch.EventBusArgs>(`${name}-bus`, this.transforms.bus, {
      name: this.physicalName("eventBus"),
      description: "Sluice: processed and failed events for consumers (at least once; dedupe by detail.id)",
      tags: this.tags,
    });
    this.bus = new aws.cloudwatch.EventBus(busName, busArgs, busOpts);
    this.name = this.bus.name;
    this.arn = this.bus.arn;
    this.registerOutputs({ name: this.name, arn: this.arn });
  }

  /** Grants `grantee` exactly `actions` (events:…) on this bus, as `<grantee>-bus-<label>`. */
  grant(grantee: Grantee, actions: readonly string[], label = "publish"): aws.iam.RolePolicy {
    return this.grantPolicy({ grantee, target: "bus", label, service: "events", actions, resources: () => [this.arn], transform: this.transforms.grant });
  }
}
