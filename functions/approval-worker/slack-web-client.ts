import { WebClient } from '@slack/web-api';
import type { SlackMessagingApi } from './send-approval-slack';

/** Time one Web API call may take: two calls a task, well inside TASK_BUDGET_MS with the email beside them. */
export const SLACK_CALL_TIMEOUT_MS = 4_000;

/**
 * The real client. It neither retries nor waits out a rate limit (by default it would, for up to
 * minutes): a task has TASK_BUDGET_MS, and the state machine's redeliveries retry a failed task.
 */
export function createSlackWebClient(botToken: string, apiUrl: string): SlackMessagingApi {
  return new WebClient(botToken, {
    slackApiUrl: apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: SLACK_CALL_TIMEOUT_MS,
  });
}
