/** The service's limits on request fields that only the local endpoint checks (the cause limit is shared: statemachine/step-functions-limits.ts). */
export const MAX_PAYLOAD_BYTES = 262_144;
export const MAX_ERROR_LENGTH = 256;
export const MAX_DEFINITION_LENGTH = 1_048_576;
export const MAX_ARN_LENGTH = 256;
export const MAX_NEXT_TOKEN_LENGTH = 3_096;
