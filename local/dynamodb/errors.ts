/**
 * An answer in DynamoDB's error shape: HTTP status, the exception's name (the `__type` after its
 * namespace) and message, and for a failed condition the item as it was, when the caller asked.
 * "Error handling with DynamoDB": https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html
 */
export class DynamoDbApiError extends Error {
  override readonly name = 'DynamoDbApiError';

  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    /** Members the exception carries beside its message (ConditionalCheckFailedException's `Item`). */
    readonly members: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

export function validationError(message: string): DynamoDbApiError {
  return new DynamoDbApiError(400, 'ValidationException', message);
}

export function serializationError(message: string): DynamoDbApiError {
  return new DynamoDbApiError(400, 'SerializationException', message);
}

/** What the stand-in refuses although DynamoDB would serve it: said so, so nobody takes it for DynamoDB's answer. */
export function notSupported(what: string): DynamoDbApiError {
  return validationError(`${what} is not supported by the local stand-in.`);
}

/** A misuse of the stand-in by the code that drives it (not by a client of its endpoint). */
export class LocalTableError extends Error {
  override readonly name = 'LocalTableError';
}
