/**
 * Error names the worker reports to Step Functions and the state machine reacts to.
 * statemachine/approval.asl.json refers to the same names; test/statemachine checks they agree.
 */
export const ApprovalError = {
  /** The execution input cannot become an email (missing field, not an address, name too long). Not retried. */
  InvalidRequest: 'InvalidRequest',
  /** SES could not send now (throttled, unavailable, quota); the state machine retries with backoff and a new token. */
  EmailDeliveryFailed: 'EmailDeliveryFailed',
  /** SES refused the message for a reason retrying cannot fix (rejected, unverified sender, paused account). */
  EmailDeliveryRefused: 'EmailDeliveryRefused',
  /** The manager clicked Reject (sent by the approval API, not by the worker). */
  Rejected: 'Rejected',
  /** Nobody answered before the last reminder ran out. */
  Expired: 'Expired',
} as const;

export type ApprovalErrorName = (typeof ApprovalError)[keyof typeof ApprovalError];
