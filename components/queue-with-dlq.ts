// QueueWithDlq: an SQS queue whose failures land in a dead-letter queue, encrypted at rest, with a
// visibility timeout derived from its consumer's timeout.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { checkActions, Grantee, policyDocument } from "./policy";
import { visibilityTimeoutFor } from "./sizing";
import { applyTransform, componentTags, Transform } from "./transform";

export interface QueueWithDlqArgs {
  /** Timeout (seconds) of the function that consumes the queue; visibility is 6 × this + window. Required. */
  consumerTimeoutSeconds: number;
  /** The consumer's batching window in seconds, added to the visibility timeout. Default 0. */
  consumerBatchingWindowSeconds?: number;
  /** Receives before a message moves to the DLQ. Default 5. */
  maxReceiveCount?: pulumi.Input<number>;
  /** How long the main queue keeps a message, in seconds. Default 345600 (4 days). */
  messageRetentionSeconds?: pulumi.Input<number>;
  /** How long the DLQ keeps a message, in seconds. Default 1209600 (14 days, the SQS maximum). */
  dlqRetentionSeconds?: pulumi.Input<number>;
  /** KMS key ARN for SSE on both queues. Default: none, SQS-managed SSE. */
  kmsKeyArn?: pulumi.Input<string>;
  /** Tags for every child; `component` is added. Default {}. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Per-child escape hatch for what these args do not cover. Default none. */
  transform?: {
    queue?: Transform<aws.sqs.QueueArgs>;
    dlq?: Transform<aws.sqs.QueueArgs>;
    grant?: Transform<aws.iam.RolePolicyArgs>;
    subscription?: Transform<aws.lambda.EventSourceMappingArgs>;
  };
}

export class QueueWithDlq extends pulumi.ComponentResource {
  public readonly queue: aws.sqs.Queue;
  public readonly dlq: aws.sqs.Queue;
  public readonly url: pulumi.Output<string>;
  public readonly arn: pulumi.Output<string>;
  public readonly queueName: pulumi.Output<string>;
  public readonly dlqUrl: pulumi.Output<string>;
  public readonly dlqArn: pulumi.Output<string>;
  public readonly dlqName: pulumi.Output<string>;
  public readonly visibilityTimeoutSeconds: number;
  private readonly consumerTimeoutSeconds: number;
  private readonly consumerBatchingWindowSeconds: number;
  private readonly kmsKeyArn: pulumi.Output<string | undefined>;
  private readonly grantTransform?: Transform<aws.iam.RolePolicyArgs>;
  private readonly subscriptionTransform?: Transform<aws.lambda.EventSourceMappingArgs>;
  private readonly tags: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: QueueWithDlqArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sluice:components:QueueWithDlq", name, {}, opts);
    const parent = { parent: this };
    const tags = componentTags(args.tags, "QueueWithDlq");
    this.kmsKeyArn = pulumi.output(args.kmsKeyArn).apply((k) => (k ? k : undefined));
    this.grantTransform = args.transform?.grant;
    this.subscriptionTransform = args.transform?.subscription;
    this.tags = tags;
    const encryption = this.kmsKeyArn.apply((key) =>
      key ? { kmsMasterKeyId: key, sqsManagedSseEnabled: false } : { kmsMasterKeyId: undefined, sqsManagedSseEnabled: true },
    );

    // The DLQ only accepts redrives from our own queue, whose ARN it must name before that queue
    // exists; explicit physical names (stack-scoped) break the cycle.
    const physical = `${name}-${pulumi.getStack()}`;
    const identity = aws.getCallerIdentityOutput({}, parent);
    const region = aws.getRegionOutput({}, parent);
    const partition = aws.getPartitionOutput({}, parent);
    const queueArn = pulumi.interpolate`arn:${partition.partition}:sqs:${region.region}:${identity.accountId}:${physical}`;

    const [dlqName, dlqArgs, dlqOpts] = applyTransform<aws.sqs.QueueArgs>(
      args.transform?.dlq,
      `${name}-dlq`,
      {
        name: `${physical}-dlq`,
        messageRetentionSeconds: args.dlqRetentionSeconds ?? 1_209_600,
        sqsManagedSseEnabled: encryption.sqsManagedSseEnabled,
        kmsMasterKeyId: encryption.kmsMasterKeyId,
        redriveAllowPolicy: queueArn.apply((arn) => JSON.stringify({ redrivePermission: "byQueue", sourceQueueArns: [arn] })),
        tags,
      },
      { ...parent },
    );
    this.dlq = new aws.sqs.Queue(dlqName, dlqArgs, dlqOpts);

    this.consumerTimeoutSeconds = args.consumerTimeoutSeconds;
    this.consumerBatchingWindowSeconds = args.consumerBatchingWindowSeconds ?? 0;
    this.visibilityTimeoutSeconds = visibilityTimeoutFor(this.consumerTimeoutSeconds, this.consumerBatchingWindowSeconds);
    const [queueName, queueArgs, queueOpts] = applyTransform<aws.sqs.QueueArgs>(
      args.transform?.queue,
      `${name}-queue`,
      {
        name: physical,
        visibilityTimeoutSeconds: this.visibilityTimeoutSeconds,
        messageRetentionSeconds: args.messageRetentionSeconds ?? 345_600,
        sqsManagedSseEnabled: encryption.sqsManagedSseEnabled,
        kmsMasterKeyId: encryption.kmsMasterKeyId,
        redrivePolicy: pulumi
          .all([this.dlq.arn, args.maxReceiveCount ?? 5])
          .apply(([deadLetterTargetArn, maxReceiveCount]) => JSON.stringify({ deadLetterTargetArn, maxReceiveCount })),
        tags,
      },
      { ...parent },
    );
    this.queue = new aws.sqs.Queue(queueName, queueArgs, queueOpts);

    this.url = this.queue.url;
    this.arn = this.queue.arn;
    this.queueName = this.queue.name;
    this.dlqUrl = this.dlq.url;
    this.dlqArn = this.dlq.arn;
    this.dlqName = this.dlq.name;
    this.registerOutputs({ url: this.url, arn: this.arn, dlqUrl: this.dlqUrl, dlqArn: this.dlqArn });
  }

  /**
   * Grants `grantee` exactly `actions` (sqs:…) on the main queue, plus the KMS use those actions
   * imply when the queues are encrypted with a customer key; the inline policy is named
   * `<grantee>-queue-<label>`.
   */
  grant(grantee: Grantee, actions: readonly string[], label = "access"): aws.iam.RolePolicy {
    const sqsActions = checkActions("sqs", actions);
    const kmsActions = kmsActionsFor(sqsActions);
    const document = this.kmsKeyArn.apply((key) =>
      policyDocument([
        { actions: sqsActions, resources: [this.queue.arn] },
        ...(key && kmsActions.length > 0 ? [{ actions: kmsActions, resources: [key] }] : []),
      ]),
    );
    const [name, args, opts] = applyTransform<aws.iam.RolePolicyArgs>(
      this.grantTransform,
      `${grantee.name}-queue-${label}`,
      { role: grantee.role.name, policy: document },
      { parent: this },
    );
    return new aws.iam.RolePolicy(name, args, opts);
  }
  /**
   * Subscribes `consumer` through an event source mapping that reports partial batch failures,
   * so one failing record is retried alone. The consumer's timeout and window must fit the
   * visibility timeout this queue was built with.
   */
  subscribe(consumer: QueueConsumer, args: QueueSubscriptionArgs = {}): aws.lambda.EventSourceMapping {
    const window = args.batchingWindowSeconds ?? 0;
    if (consumer.timeoutSeconds > this.consumerTimeoutSeconds || window > this.consumerBatchingWindowSeconds) {
      throw new Error(
        `consumer ${consumer.name} (timeout ${consumer.timeoutSeconds}s, window ${window}s) outlasts the queue's sizing ` +
          `(timeout ${this.consumerTimeoutSeconds}s, window ${this.consumerBatchingWindowSeconds}s): messages would be redelivered mid-run`,
      );
    }
    const [name, mappingArgs, opts] = applyTransform<aws.lambda.EventSourceMappingArgs>(
      this.subscriptionTransform,
      `${consumer.name}-subscription`,
      {
        eventSourceArn: this.queue.arn,
        functionName: consumer.functionName,
        batchSize: args.batchSize ?? 10,
        maximumBatchingWindowInSeconds: window,
        functionResponseTypes: ["ReportBatchItemFailures"],
        scalingConfig: { maximumConcurrency: args.maxConcurrency ?? 5 },
        tags: this.tags,
      },
      { parent: this, dependsOn: args.dependsOn ?? [] },
    );
    return new aws.lambda.EventSourceMapping(name, mappingArgs, opts);
  }
}

export interface QueueSubscriptionArgs {
  /** Records per invocation. Default 10. */
  batchSize?: pulumi.Input<number>;
  /** Seconds to gather a batch; must not exceed the window the queue was sized with. Default 0. */
  batchingWindowSeconds?: number;
  /** Most concurrent invocations this queue may drive (2 to 1000). Default 5. */
  maxConcurrency?: pulumi.Input<number>;
  /** Resources the mapping waits for, e.g. the grant that lets the function receive. Default []. */
  dependsOn?: pulumi.Resource[];
}

/** The consumer side of a subscription: a function and the timeout the queue must outlast. */
export interface QueueConsumer {
  readonly name: string;
  readonly functionName: pulumi.Output<string>;
  readonly timeoutSeconds: number;
}

/** Sending to a KMS-encrypted queue needs a data key; receiving needs to decrypt it. */
export function kmsActionsFor(sqsActions: readonly string[]): string[] {
  const out = new Set<string>();
  for (const action of sqsActions) {
    if (action === "sqs:SendMessage") {
      out.add("kms:GenerateDataKey");
      out.add("kms:Decrypt");
    }
    if (action === "sqs:ReceiveMessage") out.add("kms:Decrypt");
  }
  return [...out].sort();
}
