/**
 * Slack shows an error when an interaction is not acknowledged within 3 seconds ("Handling user
 * interaction in your Slack apps", https://docs.slack.dev/interactivity/handling-user-interaction),
 * so each invocation works to one deadline this long after it starts, leaving room for API Gateway.
 */
export const ACKNOWLEDGE_WITHIN_MS = 2_500;

/** The least time a call is given even when the deadline has passed, so that it fails fast rather than not at all. */
export const MIN_CALL_TIMEOUT_MS = 100;

/** One invocation's deadline: every call it makes (Secrets Manager, Step Functions, Slack) gets only the time left. */
export class InvocationDeadline {
  private readonly endsAtMs: number;

  constructor(
    private readonly nowMs: () => number = () => Date.now(),
    withinMs: number = ACKNOWLEDGE_WITHIN_MS,
  ) {
    this.endsAtMs = nowMs() + withinMs;
  }

  /** Milliseconds left until the deadline, never fewer than MIN_CALL_TIMEOUT_MS. */
  remainingMs(): number {
    return Math.max(MIN_CALL_TIMEOUT_MS, this.endsAtMs - this.nowMs());
  }

  /** A signal that aborts a call once the time left now has passed. */
  signal(): AbortSignal {
    return AbortSignal.timeout(this.remainingMs());
  }
}
