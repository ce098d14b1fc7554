import { invalidRequestCause, validateApprovalRequest, type ApprovalRequestCheck } from '../commons/approval-request';
import type { WorkerLogger } from './drain-activity-tasks';

/**
 * The worker's `checkRequest` action, which the state machine's CheckRequest state invokes with the
 * whole execution input: the normalized request, or the InvalidRequest cause naming every problem.
 * No AWS call. The handler answers with exactly this, and the tests of the state machine run it as
 * the lambda:invoke integration's answer. Only the verdict and how many problems are logged, never
 * the request itself.
 */
export function checkRequest(request: unknown, logger?: Pick<WorkerLogger, 'info'>): ApprovalRequestCheck {
  const validation = validateApprovalRequest(request);
  if (validation.valid) {
    logger?.info('Checked an approval request: valid', { valid: true });
    return validation;
  }
  logger?.info('Checked an approval request: invalid', { valid: false, problems: validation.problems.length });
  return { valid: false, cause: invalidRequestCause(validation.problems) };
}
