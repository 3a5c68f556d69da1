// What the handlers use of the Lambda context, so tests and the local host can pass a plain object.

/** The invocation's request id and the time it has left. */
export interface LambdaContextLike {
  awsRequestId: string;
  getRemainingTimeInMillis(): number;
}
