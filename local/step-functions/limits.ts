/** The service's limits on request fields that only the local endpoint checks (the cause and payload limits are shared: statemachine/step-functions-limits.ts). */
export { MAX_PAYLOAD_BYTES } from '../../statemachine/step-functions-limits';
export const MAX_ERROR_LENGTH = 256;
export const MAX_DEFINITION_LENGTH = 1_048_576;
export const MAX_ARN_LENGTH = 256;
export const MAX_NEXT_TOKEN_LENGTH = 3_096;
