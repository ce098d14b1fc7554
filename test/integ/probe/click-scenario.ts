import { buildDecisionLinks } from '../../../functions/commons/decision-links';
import { describe, parseJsonOrText, startRequest, takeTask, waitUntilClosed } from './executions';
import {
  type ApproveSeen,
  type ClickSummary,
  describeDecisionRecord,
  NO_TASK,
  NOT_REACHED,
  type PageSeen,
  type RejectSeen,
} from './summary';
import { type HeldOffDependencies, withWorkerHeldOff } from './worker-hold';

export interface ClickDependencies extends HeldOffDependencies {
  readonly openLink: (url: string) => Promise<PageSeen>;
}

/** Characters of the token a damaged link changes or loses. */
const DAMAGED_TAIL = 10;

/** The token with each of its last characters replaced by another base64 character. */
export function alteredToken(token: string): string {
  const tail = [...token.slice(-DAMAGED_TAIL)].map((char) => (char === 'A' ? 'B' : 'A')).join('');
  return token.slice(0, -DAMAGED_TAIL) + tail;
}

/** The token cut short, as a mail client that wraps a long line might leave it. */
export function truncatedToken(token: string): string {
  return token.slice(0, -DAMAGED_TAIL);
}

const NO_APPROVAL: ApproveSeen = { click: NO_TASK, execution: NOT_REACHED, record: NOT_REACHED, secondClick: NOT_REACHED };
const NO_REJECTION: RejectSeen = {
  alteredLink: NOT_REACHED,
  truncatedLink: NOT_REACHED,
  afterDamagedLinks: NOT_REACHED,
  click: NOT_REACHED,
  execution: NOT_REACHED,
  record: NOT_REACHED,
};

/** Approve: one click decides, the same link clicked again finds the request closed. */
async function approveThenClickAgain(deps: ClickDependencies, started: string[]): Promise<ApproveSeen | undefined> {
  const { sfn, config } = deps;
  const request = await startRequest(sfn, config.stateMachineArn, 'approve');
  started.push(request.executionArn);
  const task = await takeTask(sfn, config.activityArn, request.name);
  if (!task?.ownTask) return undefined;

  const { approveUrl } = buildDecisionLinks(config.approvalApiUrl, task.taskToken);
  const click = await deps.openLink(approveUrl);
  const execution = await waitUntilClosed(sfn, request.executionArn);
  const output = parseJsonOrText(execution.output) as { approval?: { decision?: unknown } } | undefined;
  const secondClick = await deps.openLink(approveUrl);
  return { click, execution: String(execution.status), record: describeDecisionRecord(output?.approval?.decision), secondClick };
}

/** Reject, after two damaged links that must change nothing. */
async function rejectAfterDamagedLinks(deps: ClickDependencies, started: string[]): Promise<RejectSeen | undefined> {
  const { sfn, config } = deps;
  const request = await startRequest(sfn, config.stateMachineArn, 'reject');
  started.push(request.executionArn);
  const task = await takeTask(sfn, config.activityArn, request.name);
  if (!task?.ownTask) return undefined;

  const alteredLink = await deps.openLink(buildDecisionLinks(config.approvalApiUrl, alteredToken(task.taskToken)).approveUrl);
  const truncatedLink = await deps.openLink(buildDecisionLinks(config.approvalApiUrl, truncatedToken(task.taskToken)).rejectUrl);
  const afterDamagedLinks = String((await describe(sfn, request.executionArn)).status);

  const click = await deps.openLink(buildDecisionLinks(config.approvalApiUrl, task.taskToken).rejectUrl);
  const execution = await waitUntilClosed(sfn, request.executionArn);
  return {
    alteredLink,
    truncatedLink,
    afterDamagedLinks,
    click,
    execution: [execution.status, execution.error].filter(Boolean).join(' '),
    record: describeDecisionRecord(parseJsonOrText(execution.cause)),
  };
}

/**
 * The click path on the deployed API, with real task tokens: the probe takes the tasks itself
 * while it holds every worker slot (see withWorkerHeldOff), then gives the slots back.
 */
export async function runClickScenario(deps: ClickDependencies): Promise<ClickSummary> {
  return withWorkerHeldOff(deps, { approve: NO_APPROVAL, reject: NO_REJECTION }, async (started) => {
    const approve = (await approveThenClickAgain(deps, started)) ?? NO_APPROVAL;
    // Without its own task the probe raced another poller; a second 60-second poll would not fit.
    const reject =
      approve === NO_APPROVAL ? NO_REJECTION : ((await rejectAfterDamagedLinks(deps, started)) ?? { ...NO_REJECTION, click: NO_TASK });
    return { approve, reject };
  });
}
