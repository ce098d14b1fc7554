/**
 * Faults the local SES can be told to answer SendEmail with, as real SES does:
 * `throttled` (TooManyRequestsException, "Maximum sending rate exceeded"), `unavailable` (a 503),
 * `rejected` (MessageRejected).
 */
export type SesFault = 'throttled' | 'unavailable' | 'rejected';

/** What real SES answers SendEmail with for each fault: HTTP status, error type and message. */
export const FAULT_ANSWERS: Readonly<Record<SesFault, { status: number; type: string; message: string }>> = {
  throttled: { status: 429, type: 'TooManyRequestsException', message: 'Maximum sending rate exceeded.' },
  unavailable: { status: 503, type: 'ServiceUnavailable', message: 'Service unavailable (fault injected by the local mode).' },
  rejected: { status: 400, type: 'MessageRejected', message: 'Email rejected (fault injected by the local mode).' },
};
