// PipelineFunction: one inline-callback Lambda (aws.lambda.CallbackFunction) with what AWS does not
// give it safely by default: its own role with no managed policies (grants come from the
// components it uses), an explicit log group with retention, nodejs22.x on arm64, and a zip that
// carries only what the handler needs.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { SluiceComponent, type CommonArgs } from "./component";
import { LAMBDA_ASSUME_ROLE_POLICY } from "./policy";
import { bareSdkRequiresTransformation, RUNTIME_PROVIDED_PACKAGES } from "./sdk-packaging";
import { checkReservedConcurrency, UNRESERVED } from "./sizing";
import type { Transform } from "./transform";

export const FUNCTION_RUNTIME = "nodejs22.x";
export const FUNCTION_ARCHITECTURE = "arm64";

/**
 * What Lambda's X-Ray daemon calls with the function's role under active tracing (AWS managed
 * policy AWSXRayDaemonWriteAccess, less its sampling reads). X-Ray defines no resource types for
 * them (Service Authorization Reference, AWS X-Ray), so `*` is their only resource.
 */
export const TRACING_ACTIONS: readonly string[] = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"];

/**
 * Lambda's advanced logging for a level: only the JSON log format filters, and the platform's
 * START/END/REPORT lines (about 300 bytes an invocation) are INFO, so a lean level drops them.
 */
export function lambdaLogging(level: string, logGroup: pulumi.Input<string>): aws.types.input.lambda.FunctionLoggingConfig {
  const lean = level === "warn" || level === "error";
  return { logFormat: "JSON", logGroup, applicationLogLevel: level.toUpperCase(), systemLogLevel: lean ? "WARN" : "INFO" };
}

export interface PipelineFunctionArgs<E, R> extends Omit<CommonArgs, "kmsKeyArn"> {
  /** Builds the handler once per cold start; it comes from `runtime/`. Required. */
  callbackFactory: aws.lambda.CallbackFactory<E, R>;
  /** Memory in MB. Default 256. */
  memorySize?: pulumi.Input<number>;
  /** Timeout in seconds; a plain number because queues and leases are derived from it. Default 10. */
  timeout?: number;
  /** Environment variables. Default {}. */
  environment?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Days the function's log group keeps logs. Default 14. */
  logRetentionDays?: pulumi.Input<number>;
  /**
   * Concurrency reserved for (and capping) the function; -1 reserves none (sizing.ts,
   * checkReservedConcurrency). Default -1: safe on an account with a reduced concurrency quota.
   */
  reservedConcurrency?: number;
  /**
   * Lowest level logged: `debug`, `info`, `warn` or `error`. At `warn` and above Lambda's own
   * START/END/REPORT lines are dropped too (JSON log format, system level WARN). Default `info`.
   */
  logLevel?: string;
  /**
   * Active X-Ray tracing: Lambda samples invocations and records their segments, with the grant its
   * daemon needs. Off, the mode is PassThrough (a trace is only continued). Default false.
   */
  tracing?: boolean;
  /**
   * Packages to leave out of the zip beyond what is always left out: @pulumi/*, and the AWS SDK
   * packages the Lambda runtime provides (sdk-packaging.ts). Default none.
   */
  excludePackages?: string[];
  /** Per-child escape hatch for what these args do not cover. Default none. */
  transform?: {
    role?: Transform<aws.iam.RoleArgs>;
    logGroup?: Transform<aws.cloudwatch.LogGroupArgs>;
    logPolicy?: Transform<aws.iam.RolePolicyArgs>;
    tracingPolicy?: Transform<aws.iam.RolePolicyArgs>;
    function?: Transform<aws.lambda.CallbackFunctionArgs<E, R>>;
  };
}

export class PipelineFunction<E, R> extends SluiceComponent {
  public readonly role: aws.iam.Role;
  public readonly logGroup: aws.cloudwatch.LogGroup;
  public readonly function: aws.lambda.CallbackFunction<E, R>;
  public readonly functionName: pulumi.Output<string>;
  public readonly arn: pulumi.Output<string>;
  public readonly invokeArn: pulumi.Output<string>;
  /** The configured timeout in seconds, for what is derived from it (visibility, lease, alarms). */
  public readonly timeoutSeconds: number;
  /** The reserved concurrency, or -1 for none; an event source mapping must not drive more. */
  public readonly reservedConcurrency: number;

  constructor(public readonly name: string, args: PipelineFunctionArgs<E, R>, opts?: pulumi.ComponentResourceOptions) {
    super("PipelineFunction", name, args, opts);
    this.timeoutSeconds = args.timeout ?? 10;
    this.reservedConcurrency = checkReservedConcurrency(name, args.reservedConcurrency ?? UNRESERVED);
    const t = args.transform ?? {};

    const [roleName, roleArgs, roleOpts] = this.child<aws.iam.RoleArgs>(`${name}-role`, t.role, {
      name: this.physicalName("role"),
      assumeRolePolicy: LAMBDA_ASSUME_ROLE_POLICY,
      description: `Sluice ${name} function (least privilege)`,
      tags: this.tags,
    });
    this.role = new aws.iam.Role(roleName, roleArgs, roleOpts);

    // An explicit group (instead of the one Lambda creates on first log) has a retention and is
    // deleted with the stack, so `pulumi destroy` leaves no orphaned logs behind.
    const [logName, logArgs, logOpts] = this.child<aws.cloudwatch.LogGroupArgs>(`${name}-logs`, t.logGroup, {
      name: this.physicalName("logGroup"),
      retentionInDays: args.logRetentionDays ?? 14,
      tags: this.tags,
    });
    this.logGroup = new aws.cloudwatch.LogGroup(logName, logArgs, logOpts);

    const logPolicy = this.grantPolicy({
      grantee: this,
      target: "logs",
      label: "access",
      service: "logs",
      actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
      resources: () => [pulumi.interpolate`${this.logGroup.arn}:*`],
      transform: t.logPolicy,
    });

    const tracing = args.tracing ?? false;
    const tracingPolicy = tracing
      ? this.grantPolicy({ grantee: this, target: "xray", label: "tracing", service: "xray", actions: TRACING_ACTIONS, resources: () => ["*"], transform: t.tracingPolicy })
      : undefined;

    const [fnName, fnArgs, fnOpts] = this.child<aws.lambda.CallbackFunctionArgs<E, R>>(
      `${name}-function`,
      t.function,
      {
        name: this.physicalName("function"),
        callbackFactory: args.callbackFactory,
        role: this.role,
        runtime: FUNCTION_RUNTIME,
        architectures: [FUNCTION_ARCHITECTURE],
        memorySize: args.memorySize ?? 256,
        timeout: this.timeoutSeconds,
        reservedConcurrentExecutions: this.reservedConcurrency,
        environment: { variables: args.environment ?? {} },
        loggingConfig: lambdaLogging(args.logLevel ?? "info", this.logGroup.name),
        tracingConfig: { mode: tracing ? "Active" : "PassThrough" },
        // The SDK stays out even if it ever moves to package.json `dependencies`.
        codePathOptions: { extraExcludePackages: [...RUNTIME_PROVIDED_PACKAGES, ...(args.excludePackages ?? [])] },
        tags: this.tags,
      },
      // The function must not run before it may write its logs (and traces); its zip requires the SDK by package name.
      { dependsOn: tracingPolicy ? [logPolicy, tracingPolicy] : [logPolicy], transformations: [bareSdkRequiresTransformation] },
    );
    this.function = new aws.lambda.CallbackFunction<E, R>(fnName, fnArgs, fnOpts);
    this.functionName = this.function.name;
    this.arn = this.function.arn;
    this.invokeArn = this.function.invokeArn;
    this.registerOutputs({ functionName: this.functionName, arn: this.arn, roleArn: this.role.arn, logGroup: this.logGroup.name });
  }
}
