/**
 * The worker's own CloudWatch metrics, published as embedded metric format (EMF) log lines. The
 * worker publishes them and infra/constructs/approval-monitoring.ts alarms on them and graphs
 * them, so both take the names from here.
 */

/** Namespace the worker publishes under unless the stack chooses another. */
export const WORKER_METRICS_NAMESPACE_DEFAULT = 'HumanApproval';

/** Value of the `service` dimension of every worker metric (Powertools adds it from its service name). */
export const WORKER_SERVICE_NAME = 'approval-worker';

/** Metric names; every one is a count (unit Count) of events in the run that publishes it. */
export const WORKER_METRICS = {
  /** SES accepted an approval email. */
  EmailsSent: 'EmailsSent',
  /**
   * Delivery failed for now (throttled, unavailable); the state machine retries with a new email
   * (unless a Slack message went out: EmailFailedAfterSlack).
   */
  EmailsFailed: 'EmailsFailed',
  /** SES refused the message; retrying cannot help. */
  EmailsRefused: 'EmailsRefused',
  /** SES answered with throttling. */
  EmailsThrottled: 'EmailsThrottled',
  /** A task whose input cannot become an email. */
  InvalidRequests: 'InvalidRequests',
  /** SES refused because of the account: sending paused or suspended, access denied, identity not verified. */
  SesAccountProblems: 'SesAccountProblems',
} as const;

/**
 * Counts about the runs themselves rather than about email (the dashboard's "Email through SES"
 * graph shows WORKER_METRICS); also counts, published the same way.
 */
export const WORKER_RUN_METRICS = {
  /**
   * A run out of time while tasks were still arriving started its successor (an asynchronous invoke
   * of its own function), so a backlog keeps draining instead of waiting for the schedule.
   */
  HandOvers: 'HandOvers',
  /**
   * A run that would have handed over did not: its chain had handed over MAX_HAND_OVER_HOPS times
   * (functions/approval-worker/hand-over-event.ts). The wake-ups and the schedule take over.
   */
  HandOverLimitReached: 'HandOverLimitReached',
} as const;

/**
 * Counts about Slack messages, for requests with `slack` in `via` (functions/approval-worker/send-approval-slack.ts
 * says which Slack answers lead where); also counts, published the same way.
 */
export const WORKER_SLACK_METRICS = {
  /** Slack accepted an approval message (chat.postMessage). */
  SlackMessagesSent: 'SlackMessagesSent',
  /**
   * Slack failed for now (rate limited, 5xx, network): with email in `via` the approver was emailed
   * instead; otherwise the state machine retries with a new message.
   */
  SlackMessagesFailed: 'SlackMessagesFailed',
  /** Slack refused the message for this approver (e.g. channel_not_found); the approver was emailed instead. */
  SlackMessagesRefused: 'SlackMessagesRefused',
  /**
   * Slack refused the app itself (invalid_auth, token_revoked, missing scope) or its secret could not
   * be used: with email in `via` the approver was emailed instead; otherwise the task failed.
   */
  SlackAccountProblems: 'SlackAccountProblems',
  /** Slack knows no user with the approver's address (users_not_found); the approver was emailed instead. */
  SlackApproverNotFound: 'SlackApproverNotFound',
  /** The task token does not fit in a button's value; the approver was emailed instead. */
  SlackTokenTooLong: 'SlackTokenTooLong',
  /**
   * With `via` ["slack", "email"], the Slack message went out but the email did not (also counted as
   * EmailsFailed, EmailsRefused or SesAccountProblems); the task stays open for the Slack buttons.
   */
  EmailFailedAfterSlack: 'EmailFailedAfterSlack',
  /** A reminder took the buttons off the approver's previous Slack message (chat.update). */
  SlackMessagesReplaced: 'SlackMessagesReplaced',
  /** Slack did not take that update; the old buttons answer "no longer open" instead. */
  SlackUpdatesFailed: 'SlackUpdatesFailed',
  /**
   * The table of Slack messages (functions/commons/slack-message-records.ts) could not be read or
   * written: the approver was reached, but the message will not be closed at the request's end.
   */
  SlackRecordsFailed: 'SlackRecordsFailed',
} as const;

export type WorkerMetricName =
  | (typeof WORKER_METRICS)[keyof typeof WORKER_METRICS]
  | (typeof WORKER_RUN_METRICS)[keyof typeof WORKER_RUN_METRICS]
  | (typeof WORKER_SLACK_METRICS)[keyof typeof WORKER_SLACK_METRICS];
