/** An answer in Lambda's REST-JSON error shape: the type in x-amzn-ErrorType, the message in the body. */
export class LambdaApiError extends Error {
  override readonly name = 'LambdaApiError';

  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    /** More fields of the body, e.g. a throttle's Reason. */
    readonly extra: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}
