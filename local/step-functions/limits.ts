/** The service's limits on request fields. */
export const MAX_PAYLOAD_BYTES = 262_144;
export const MAX_ERROR_LENGTH = 256;
export const MAX_CAUSE_LENGTH = 32_768;
export const MAX_DEFINITION_LENGTH = 1_048_576;
export const MAX_ARN_LENGTH = 256;
export const MAX_NEXT_TOKEN_LENGTH = 3_096;
