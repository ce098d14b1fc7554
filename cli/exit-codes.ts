import type { ApprovalOutcome } from './approval-execution';

export const EXIT_OK = 0;
/** Any failure: the stack not found, an AWS error, or a waited-for request that failed otherwise. */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
/** `--wait` / `wait`: the request was rejected. */
export const EXIT_REJECTED = 3;
/** `--wait` / `wait`: nobody decided in time. */
export const EXIT_EXPIRED = 4;
/** Ctrl-C while waiting, as shells report a process ended by SIGINT (128 + 2). */
export const EXIT_INTERRUPTED = 130;

/**
 * The exit code of a request that has ended, so `approval start --wait ... && ./deploy.sh` deploys
 * only when approved and a script can tell a rejection from silence without parsing output.
 */
export function exitCodeOfOutcome(outcome: ApprovalOutcome): number {
  switch (outcome) {
    case 'approved':
      return EXIT_OK;
    case 'rejected':
      return EXIT_REJECTED;
    case 'expired':
      return EXIT_EXPIRED;
    default:
      return EXIT_FAILURE;
  }
}
