/**
 * Error names the worker reports to Step Functions and the state machine reacts to.
 * statemachine/approval.asl.json refers to the same names; test/statemachine checks they agree.
 */
export const ApprovalError = {
  /** The execution input cannot become an email (missing field, not an address, name too long). Not retried. */
  InvalidRequest: 'InvalidRequest',
  /**
   * SES did not send now: throttled or unavailable, or refusing the whole account (sending paused,
   * sender not verified, quota used up). The state machine redelivers with backoff and a new token.
   */
  EmailDeliveryFailed: 'EmailDeliveryFailed',
  /** SES refused this one message for a reason retrying cannot fix (a rejected message or recipient, a bad request). */
  EmailDeliveryRefused: 'EmailDeliveryRefused',
  /** An approver clicked Reject (sent by the approval API, not by the worker). */
  Rejected: 'Rejected',
  /** Nobody answered before the last reminder ran out (under policy `all`: one approver did not). */
  Expired: 'Expired',
  /**
   * Inside the state machine only: under policy `any` the first approval fails its Map iteration
   * with this error, which stops the other approvers' iterations; the Map's Catch turns it into success.
   */
  Approved: 'Approved',
  /**
   * Inside the state machine only: the CheckRequest state could not get an answer from the worker
   * function (it failed, or Lambda kept refusing to run it) even after retrying. The request was
   * not judged, so this is not InvalidRequest.
   */
  RequestCheckFailed: 'RequestCheckFailed',
} as const;

export type ApprovalErrorName = (typeof ApprovalError)[keyof typeof ApprovalError];
