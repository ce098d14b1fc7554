/** The error names the Step Functions API answers with; the SDK throws the exception class of that name. */
export type StepFunctionsErrorCode =
  | 'ActivityDoesNotExist'
  | 'ExecutionAlreadyExists'
  | 'ExecutionDoesNotExist'
  | 'InvalidArn'
  | 'InvalidDefinition'
  | 'InvalidExecutionInput'
  | 'InvalidName'
  | 'InvalidOutput'
  | 'InvalidToken'
  | 'StateMachineAlreadyExists'
  | 'StateMachineDoesNotExist'
  | 'StateMachineTypeNotSupported'
  | 'TaskDoesNotExist'
  | 'TaskTimedOut'
  | 'ValidationException'
  | 'SerializationException'
  | 'UnknownOperationException';

/** Errors raised by the AWS JSON protocol framework rather than by the Step Functions model. */
const FRAMEWORK_ERRORS: ReadonlySet<StepFunctionsErrorCode> = new Set(['SerializationException', 'UnknownOperationException']);

/** A request Step Functions would refuse with HTTP 400 and this error code. */
export class StepFunctionsApiError extends Error {
  override readonly name = 'StepFunctionsApiError';

  constructor(
    readonly code: StepFunctionsErrorCode,
    message: string,
  ) {
    super(message);
  }

  /** The `__type` of the error body, namespaced as the service sends it (the SDK keeps the part after `#`). */
  get type(): string {
    const namespace = FRAMEWORK_ERRORS.has(this.code) ? 'com.amazon.coral.service' : 'com.amazonaws.swf.service.v2.model';
    return `${namespace}#${this.code}`;
  }
}
