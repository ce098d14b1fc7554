import type { SFNClient } from '@aws-sdk/client-sfn';
import { buildDecisionLinks } from '../../../functions/commons/decision-links';
import {
  describe,
  type HeldTask,
  historyOf,
  parseJsonOrText,
  sleep,
  startRequest,
  takeTask,
  takeTasksOf,
  waitUntilClosed,
} from './executions';
import type { ClickDependencies } from './click-scenario';
import {
  AFTER_DECISION_POLL,
  type AllSummary,
  type AnySummary,
  clip,
  describeDecisionRecord,
  NO_TASKS,
  NOT_REACHED,
  PROBE_APPROVERS,
  twoApproverRequest,
} from './summary';
import { withWorkerHeldOff } from './worker-hold';

/** The request's two tasks in the order of approvers, or undefined when the probe did not get both. */
async function takeBothTasks(deps: ClickDependencies, executionName: string): Promise<readonly [HeldTask, HeldTask] | undefined> {
  const tasks = await takeTasksOf(deps.sfn, deps.config.activityArn, executionName, PROBE_APPROVERS.length);
  const [first, second] = PROBE_APPROVERS.map((approver) => tasks?.get(approver));
  return first && second ? [first, second] : undefined;
}

const approveUrl = (deps: ClickDependencies, task: HeldTask): string =>
  buildDecisionLinks(deps.config.approvalApiUrl, task.taskToken).approveUrl;

/**
 * One GetActivityTask on the activity after the decision, held by the service for its full 60
 * seconds. Not cut short on the client: the service would keep the poll open after the client left
 * it, and a task scheduled meanwhile (the next scenario's) would be handed to it and lost.
 */
async function pollAfterDecision(sfn: SFNClient, activityArn: string, executionName: string): Promise<string> {
  const task = await takeTask(sfn, activityArn, executionName);
  if (!task) return AFTER_DECISION_POLL.none;
  return task.ownTask ? AFTER_DECISION_POLL.ownTask : AFTER_DECISION_POLL.otherTask;
}

const ANY_NOT_RUN = {
  click: NOT_REACHED,
  execution: NOT_REACHED,
  record: NOT_REACHED,
  otherApproverLink: NOT_REACHED,
  afterDecisionPoll: NOT_REACHED,
};

/**
 * Policy `any` with two approvers: the second approver's Approve link decides; the first
 * approver's link then answers "no longer open", and a full long poll on the activity finds no
 * task: stopping the Map closed the other approver's task, and nothing asks again. About 70 s of
 * the assertion's 120: seconds for the request and the clicks, 60 for the poll.
 */
export async function runAnyScenario(deps: ClickDependencies): Promise<AnySummary> {
  const { sfn, config } = deps;
  return withWorkerHeldOff(deps, ANY_NOT_RUN, async (started) => {
    const request = await startRequest(sfn, config.stateMachineArn, 'any', twoApproverRequest('any'));
    started.push(request.executionArn);
    const tasks = await takeBothTasks(deps, request.name);
    if (!tasks) return { ...ANY_NOT_RUN, click: NO_TASKS };
    const [first, second] = tasks;

    const click = await deps.openLink(approveUrl(deps, second));
    const execution = await waitUntilClosed(sfn, request.executionArn);
    const output = parseJsonOrText(execution.output) as { approval?: { decision?: unknown } } | undefined;
    const otherApproverLink = await deps.openLink(approveUrl(deps, first));
    // A request still open would make the 60-second poll overrun the assertion's time; its status already fails the check.
    const afterDecisionPoll = execution.status === 'RUNNING' ? NOT_REACHED : await pollAfterDecision(sfn, config.activityArn, request.name);
    return {
      click,
      execution: String(execution.status),
      record: describeDecisionRecord(output?.approval?.decision, { approver: PROBE_APPROVERS[1] }),
      otherApproverLink,
      afterDecisionPoll,
    };
  });
}

/** Waits until the execution's history holds `count` ActivitySucceeded events (the clicks recorded), up to 10 s. */
async function waitForRecordedClicks(sfn: SFNClient, executionArn: string, count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const events = await historyOf(sfn, executionArn);
    if (events.filter((event) => event.type === 'ActivitySucceeded').length >= count) return;
    await sleep(500);
  }
}

/** Each decision record described against the approver at its position in the request. */
function describeDecisionRecords(records: unknown): string[] {
  if (!Array.isArray(records)) return [clip(`not a list of records: ${JSON.stringify(records) ?? 'none'}`)];
  return records.map((record, index) => describeDecisionRecord(record, { approver: PROBE_APPROVERS[index] ?? 'nobody (an extra record)' }));
}

const ALL_NOT_RUN = {
  secondApproverClick: NOT_REACHED,
  afterOneApproval: NOT_REACHED,
  firstApproverClick: NOT_REACHED,
  execution: NOT_REACHED,
  records: [],
};

/**
 * Policy `all` with two approvers, approving in the reverse of their order: the request stays open
 * after one approval, succeeds after both, and its output holds one record per approver in the
 * order of approvers (not of the clicks). About 10 s.
 */
export async function runAllScenario(deps: ClickDependencies): Promise<AllSummary> {
  const { sfn, config } = deps;
  return withWorkerHeldOff<Omit<AllSummary, 'workerHeldOff' | 'workerRestored' | 'stopped'>>(deps, ALL_NOT_RUN, async (started) => {
    const request = await startRequest(sfn, config.stateMachineArn, 'all', twoApproverRequest('all'));
    started.push(request.executionArn);
    const tasks = await takeBothTasks(deps, request.name);
    if (!tasks) return { ...ALL_NOT_RUN, secondApproverClick: NO_TASKS };
    const [first, second] = tasks;

    const secondApproverClick = await deps.openLink(approveUrl(deps, second));
    await waitForRecordedClicks(sfn, request.executionArn, 1);
    // A moment for the state machine to act on the approval, as it would if one approval wrongly decided.
    await sleep(1_000);
    const afterOneApproval = String((await describe(sfn, request.executionArn)).status);
    const firstApproverClick = await deps.openLink(approveUrl(deps, first));
    const execution = await waitUntilClosed(sfn, request.executionArn);
    const output = parseJsonOrText(execution.output) as { approval?: { decisions?: unknown } } | undefined;
    return {
      secondApproverClick,
      afterOneApproval,
      firstApproverClick,
      execution: String(execution.status),
      records: describeDecisionRecords(output?.approval?.decisions),
    };
  });
}
