// QueueWithDlq: an SQS queue whose failures land in a dead-letter queue, encrypted at rest, with a
// visibility timeout derived from its consumer's timeout.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { SluiceComponent, type CommonArgs } from "./component";
import { checkQueueEncryption, queueEncryption } from "./encryption";
import type { Grantee } from "./policy";
import { checkDlqRetention, checkMappingConcurrency, SQS_RETENTION_RANGE, UNRESERVED, visibilityTimeoutFor } from "./sizing";
import type { Transform } from "./transform";

/** What Lambda's event source mapping calls on the queue, with the consumer's own role. */
export const QUEUE_POLL_ACTIONS: readonly string[] = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"];

export interface QueueWithDlqArgs extends CommonArgs {
  /** Timeout (seconds) of the function that consumes the queue; visibility is 6 × this + window. Required. */
  consumerTimeoutSeconds: number;
  /** The consumer's batching window in seconds, added to the visibility timeout. Default 0. */
  consumerBatchingWindowSeconds?: number;
  /** Receives before a message moves to the DLQ. Default 5. */
  maxReceiveCount?: pulumi.Input<number>;
  /** How long the main queue keeps a message, in seconds; at least a day under the DLQ's. Default 345600 (4 days). */
  messageRetentionSeconds?: number;
  /** How long the DLQ keeps a message, counted from its first send, in seconds. Default 1209600 (14 days, the SQS maximum). */
  dlqRetentionSeconds?: number;
  /** KMS key ARN for SSE on both queues. Default: none, SQS-managed SSE. */
  kmsKeyArn?: pulumi.Input<string>;
  /** Per-child escape hatch for what these args do not cover. Default none. */
  transform?: {
    /** A physical `name` set here must be set in the DLQ's `redriveAllowPolicy` too (it names the queue in advance). */
    queue?: Transform<aws.sqs.QueueArgs>;
    dlq?: Transform<aws.sqs.QueueArgs>;
    /** Every grant of this queue, the poll grant of `subscribe` included. */
    grant?: Transform<aws.iam.RolePolicyArgs>;
    subscription?: Transform<aws.lambda.EventSourceMappingArgs>;
  };
}

export class QueueWithDlq extends SluiceComponent {
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
  private readonly transforms: NonNullable<QueueWithDlqArgs["transform"]>;

  constructor(name: string, args: QueueWithDlqArgs, opts?: pulumi.ComponentResourceOptions) {
    super("QueueWithDlq", name, args, opts);
    const parent = { parent: this };
    this.transforms = args.transform ?? {};
    const encryption = this.kmsKeyArn.apply(queueEncryption);
    const sse = {
      kmsMasterKeyId: encryption.apply((e) => e.kmsMasterKeyId),
      sqsManagedSseEnabled: encryption.apply((e) => e.sqsManagedSseEnabled),
    } as { kmsMasterKeyId: pulumi.Output<string>; sqsManagedSseEnabled: pulumi.Output<boolean> };

    // The DLQ only accepts redrives from our own queue, whose ARN it must name before that queue
    // exists; explicit physical names break the cycle.
    const physical = this.physicalName("queue");
    const identity = aws.getCallerIdentityOutput({}, parent);
    const region = aws.getRegionOutput({}, parent);
    const partition = aws.getPartitionOutput({}, parent);
    const queueArn = pulumi.interpolate`arn:${partition.partition}:sqs:${region.region}:${identity.accountId}:${physical}`;

    const mainRetention = args.messageRetentionSeconds ?? 345_600;
    const dlqRetention = args.dlqRetentionSeconds ?? SQS_RETENTION_RANGE.max;
    checkDlqRetention(name, mainRetention, dlqRetention);
    const [dlqName, dlqArgs, dlqOpts] = this.child<aws.sqs.QueueArgs>(`${name}-dlq`, this.transforms.dlq, {
      name: this.physicalName("queue", { suffix: "-dlq" }),
      messageRetentionSeconds: dlqRetention,
      ...sse,
      redriveAllowPolicy: queueArn.apply((arn) => JSON.stringify({ redrivePermission: "byQueue", sourceQueueArns: [arn] })),
      tags: this.tags,
    });
    this.dlq = new aws.sqs.Queue(dlqName, withCheckedEncryption(dlqName, dlqArgs), dlqOpts);

    this.consumerTimeoutSeconds = args.consumerTimeoutSeconds;
    this.consumerBatchingWindowSeconds = args.consumerBatchingWindowSeconds ?? 0;
    this.visibilityTimeoutSeconds = visibilityTimeoutFor(this.consumerTimeoutSeconds, this.consumerBatchingWindowSeconds);
    const [queueName, queueArgs, queueOpts] = this.child<aws.sqs.QueueArgs>(`${name}-queue`, this.transforms.queue, {
      name: physical,
      visibilityTimeoutSeconds: this.visibilityTimeoutSeconds,
      messageRetentionSeconds: mainRetention,
      ...sse,
      redrivePolicy: pulumi
        .all([this.dlq.arn, args.maxReceiveCount ?? 5])
        .apply(([deadLetterTargetArn, maxReceiveCount]) => JSON.stringify({ deadLetterTargetArn, maxReceiveCount })),
      tags: this.tags,
    });
    this.queue = new aws.sqs.Queue(queueName, withCheckedEncryption(queueName, queueArgs), queueOpts);
    // A transform may have changed either retention: the rule holds on what is deployed.
    pulumi.all([queueArgs.messageRetentionSeconds, dlqArgs.messageRetentionSeconds]).apply(([main, dlq]) => checkDlqRetention(name, main ?? 345_600, dlq ?? 345_600));

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
    return this.grantOn("queue", this.queue, grantee, actions, label);
  }

  /**
   * Grants `grantee` exactly `actions` (sqs:…) on the dead-letter queue, with the KMS use they
   * imply, as `<grantee>-dlq-<label>`: for whoever looks into the DLQ and moves messages out of it.
   */
  grantDlq(grantee: Grantee, actions: readonly string[], label = "access"): aws.iam.RolePolicy {
    return this.grantOn("dlq", this.dlq, grantee, actions, label);
  }

  private grantOn(target: "queue" | "dlq", queue: aws.sqs.Queue, grantee: Grantee, actions: readonly string[], label: string): aws.iam.RolePolicy {
    return this.grantPolicy({
      grantee,
      target,
      label,
      service: "sqs",
      actions,
      resources: () => [queue.arn],
      kmsActions: kmsActionsFor,
      transform: this.transforms.grant,
    });
  }

  /**
   * Subscribes `consumer` through an event source mapping that reports partial batch failures,
   * so one failing record is retried alone. Grants the consumer's role the poll actions (and
   * kms:Decrypt with a customer key) as `<consumer>-queue-poll`, which the mapping waits for:
   * Lambda checks the role's permissions when the mapping is created. The consumer's timeout and
   * window must fit the visibility timeout this queue was built with.
   */
  subscribe(consumer: QueueConsumer, args: QueueSubscriptionArgs = {}): aws.lambda.EventSourceMapping {
    const window = args.batchingWindowSeconds ?? 0;
    if (consumer.timeoutSeconds > this.consumerTimeoutSeconds || window > this.consumerBatchingWindowSeconds) {
      throw new Error(
        `consumer ${consumer.name} (timeout ${consumer.timeoutSeconds}s, window ${window}s) outlasts the queue's sizing ` +
          `(timeout ${this.consumerTimeoutSeconds}s, window ${this.consumerBatchingWindowSeconds}s): messages would be redelivered mid-run`,
      );
    }
    const maxConcurrency = args.maxConcurrency ?? 5;
    checkMappingConcurrency(consumer.name, maxConcurrency, consumer.reservedConcurrency ?? UNRESERVED);
    const poll = this.grant(consumer, QUEUE_POLL_ACTIONS, "poll");
    const [name, mappingArgs, opts] = this.child<aws.lambda.EventSourceMappingArgs>(
      `${consumer.name}-subscription`,
      this.transforms.subscription,
      {
        eventSourceArn: this.queue.arn,
        functionName: consumer.functionName,
        batchSize: args.batchSize ?? 10,
        maximumBatchingWindowInSeconds: window,
        functionResponseTypes: ["ReportBatchItemFailures"],
        scalingConfig: { maximumConcurrency: maxConcurrency },
        tags: this.tags,
      },
      { dependsOn: [poll] },
    );
    return new aws.lambda.EventSourceMapping(name, mappingArgs, opts);
  }
}

/**
 * The args after the caller's transform, with the encryption fields checked against the
 * conflict the provider refuses (a transform could bring it back).
 */
function withCheckedEncryption(queue: string, args: aws.sqs.QueueArgs): aws.sqs.QueueArgs {
  const settings = pulumi
    .all([args.kmsMasterKeyId, args.sqsManagedSseEnabled, args.kmsDataKeyReusePeriodSeconds])
    .apply(([kmsMasterKeyId, sqsManagedSseEnabled, kmsDataKeyReusePeriodSeconds]) =>
      checkQueueEncryption(queue, { kmsMasterKeyId, sqsManagedSseEnabled, kmsDataKeyReusePeriodSeconds }),
    );
  return {
    ...args,
    kmsMasterKeyId: settings.apply((s) => s.kmsMasterKeyId) as pulumi.Output<string>,
    sqsManagedSseEnabled: settings.apply((s) => s.sqsManagedSseEnabled) as pulumi.Output<boolean>,
    kmsDataKeyReusePeriodSeconds: settings.apply((s) => s.kmsDataKeyReusePeriodSeconds) as pulumi.Output<number>,
  };
}

export interface QueueSubscriptionArgs {
  /** Records per invocation. Default 10. */
  batchSize?: pulumi.Input<number>;
  /** Seconds to gather a batch; must not exceed the window the queue was sized with. Default 0. */
  batchingWindowSeconds?: number;
  /** Most concurrent invocations this queue may drive (2 to 1000, at most the consumer's reserved concurrency). Default 5. */
  maxConcurrency?: number;
}

/** The consumer side of a subscription: a function, its role, and the timeout the queue must outlast. */
export interface QueueConsumer extends Grantee {
  readonly functionName: pulumi.Output<string>;
  readonly timeoutSeconds: number;
  /** The consumer's reserved concurrency, -1 or absent for none. */
  readonly reservedConcurrency?: number;
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
