import { invalidRequestCause, type ApprovalRequestCheck, type RequestProblem, validateApprovalRequest } from '../commons/approval-request';
import type { WorkerLogger } from './drain-activity-tasks';

/** What of the deployment a request may ask for: the request's rules alone cannot know it. */
export interface DeploymentChannels {
  /** Whether the worker has a Slack app to send with (WorkerConfig.slack). */
  readonly slackConfigured: boolean;
}

/**
 * Problems of a request on this deployment: a channel it cannot send through. Read from the input
 * itself, so that an otherwise invalid request hears of it in the same cause.
 */
export function deploymentProblems(input: unknown, deployment: DeploymentChannels): RequestProblem[] {
  const via = typeof input === 'object' && input !== null ? (input as { via?: unknown }).via : undefined;
  if (!Array.isArray(via) || !via.includes('slack') || deployment.slackConfigured) return [];
  return [
    {
      path: ['via'],
      message: 'via: this deployment has no Slack app configured (set the slackSecretName setting); use "email"',
    },
  ];
}

/**
 * The worker's `checkRequest` action, which the state machine's CheckRequest state invokes with the
 * whole execution input: the normalized request, or the InvalidRequest cause naming every problem.
 * No AWS call. The handler answers with exactly this, and the tests of the state machine run it as
 * the lambda:invoke integration's answer. Only the verdict and how many problems are logged, never
 * the request itself. A request for Slack on a deployment without it fails here, before anyone is asked.
 */
export function checkRequest(
  request: unknown,
  logger?: Pick<WorkerLogger, 'info'>,
  deployment: DeploymentChannels = { slackConfigured: false },
): ApprovalRequestCheck {
  const validation = validateApprovalRequest(request);
  const problems = [...(validation.valid ? [] : validation.problems), ...deploymentProblems(request, deployment)];
  if (validation.valid && problems.length === 0) {
    logger?.info('Checked an approval request: valid', { valid: true });
    return validation;
  }
  logger?.info('Checked an approval request: invalid', { valid: false, problems: problems.length });
  return { valid: false, cause: invalidRequestCause(problems) };
}
