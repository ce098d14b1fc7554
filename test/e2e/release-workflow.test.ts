import { expect } from '@jest/globals';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  type SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { fetchStoredEmails } from '../../local/ses/stored-emails';
import { linksOf, open, uniqueManager, waitForEmails, waitForEnd } from '../support/local-flow';
import { type LocalStackUnderTest, useLocalStack } from '../support/use-local-stack';

jest.setTimeout(60_000);

function releaseMachine(local: LocalStackUnderTest): string {
  const arn = Object.entries(local.stack.stateMachines).find(([name]) => name.startsWith('ReleaseWorkflow'))?.[1];
  if (!arn) throw new Error(`no release workflow among ${Object.keys(local.stack.stateMachines).join(', ')}`);
  return arn;
}

async function startRelease(local: LocalStackUnderTest, release: string, approvers: string[]): Promise<string> {
  const input = { release, change: 'Adds the export endpoint', approvers, requester: uniqueManager('dev') };
  const { executionArn } = await local.sfn.send(
    new StartExecutionCommand({ stateMachineArn: releaseMachine(local), input: JSON.stringify(input) }),
  );
  if (!executionArn) throw new Error('StartExecution returned no ARN');
  return executionArn;
}

/** The approval execution a release started: the one whose input names the release as its parent. */
async function approvalOf(sfn: SFNClient, approvalMachine: string, releaseArn: string): Promise<{ executionArn: string; input: string }> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const approvals = (await sfn.send(new ListExecutionsCommand({ stateMachineArn: approvalMachine }))).executions ?? [];
    for (const { executionArn } of approvals) {
      const input = (await sfn.send(new DescribeExecutionCommand({ executionArn }))).input ?? '';
      if (executionArn && input.includes(releaseArn)) return { executionArn, input };
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the release ${releaseArn} started no approval execution`);
}

/**
 * examples/release-workflow on the local stack: the release state machine asks the approval state
 * machine with startExecution.waitForTaskToken, handing it its task token, and the approval answers
 * it with SendTaskSuccess or SendTaskFailure as it ends, so the release catches each reason by its
 * error name, as it would on AWS ("Wait for a Callback with Task Token" and "Start a new AWS Step
 * Functions state machine from a running execution", AWS Step Functions Developer Guide).
 */
describe('the example release workflow on the local stack', () => {
  const local = useLocalStack();

  it('deploys once both approvers approved, with both records, and the approval is a child of the release', async () => {
    const ana = uniqueManager('release-ana');
    const ben = uniqueManager('release-ben');
    const releaseArn = await startRelease(local, '42', [ana, ben]);

    const [toAna] = await waitForEmails(local.stack, ana);
    const [toBen] = await waitForEmails(local.stack, ben);
    expect(toAna?.subject).toBe('Deploy release 42 to production');
    expect(toAna?.body.text).toContain('release-42.tar.gz');
    await open(linksOf(toAna!).approve);
    await open(linksOf(toBen!).approve);
    const release = await waitForEnd(local.sfn, releaseArn);

    expect(release.status).toBe('SUCCEEDED');
    const output = JSON.parse(release.output ?? '{}') as { approval: { decisions: Array<Record<string, unknown>> }; deployment: unknown };
    expect(output.deployment).toEqual({ deployed: 'release-42.tar.gz' });
    expect(output.approval.decisions.map((record) => [record.approver, record.decision])).toEqual([
      [ana, 'approved'],
      [ben, 'approved'],
    ]);
    // The approval execution carries its parent's id, as startExecution.sync:2 with associateWithParent sends it.
    const approvals = await local.sfn.send(new ListExecutionsCommand({ stateMachineArn: local.stack.stateMachineArn }));
    const inputs = await Promise.all(
      (approvals.executions ?? []).map(
        async (execution) =>
          JSON.parse(
            (await local.sfn.send(new DescribeExecutionCommand({ executionArn: execution.executionArn }))).input ?? '{}',
          ) as Record<string, unknown>,
      ),
    );
    expect(inputs).toContainEqual(expect.objectContaining({ AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: releaseArn, policy: 'all' }));
  });

  it("stops with ReleaseRejected, the rejecting approver's record as the cause, when one approver rejects", async () => {
    const ana = uniqueManager('release-no-ana');
    const ben = uniqueManager('release-no-ben');
    const releaseArn = await startRelease(local, '43', [ana, ben]);
    const [toBen] = await waitForEmails(local.stack, ben);
    await waitForEmails(local.stack, ana);

    await open(linksOf(toBen!).reject);
    const release = await waitForEnd(local.sfn, releaseArn);

    expect(release).toMatchObject({ status: 'FAILED', error: 'ReleaseRejected' });
    expect(JSON.parse(release.cause ?? '{}')).toMatchObject({ decision: 'rejected', approver: ben });
  });

  it.each([
    ['change', 'without', { release: '45', approvers: ['ana@example.com'], requester: 'dev@example.com' }],
    ['requester', 'without', { release: '45', change: 'Adds the export endpoint', approvers: ['ana@example.com'] }],
    ['release', 'without', { change: 'Adds the export endpoint', approvers: ['ana@example.com'], requester: 'dev@example.com' }],
    ['approvers', 'without', { release: '45', change: 'Adds the export endpoint', requester: 'dev@example.com' }],
    ['change', 'with a number as', { release: '45', change: 7, approvers: ['ana@example.com'], requester: 'dev@example.com' }],
  ])('refuses an input %s: started %s it, it fails at once with InvalidReleaseInput naming the field', async (field, _how, input) => {
    const approvalsBefore =
      (await local.sfn.send(new ListExecutionsCommand({ stateMachineArn: local.stack.stateMachineArn }))).executions ?? [];

    const { executionArn } = await local.sfn.send(
      new StartExecutionCommand({ stateMachineArn: releaseMachine(local), input: JSON.stringify(input) }),
    );
    const release = await waitForEnd(local.sfn, executionArn ?? '');

    expect(release).toMatchObject({ status: 'FAILED', error: 'InvalidReleaseInput' });
    expect(release.cause).toMatch(new RegExp(`^The release workflow's input has no "${field}" \\(`));
    // Nobody was asked.
    const approvalsAfter =
      (await local.sfn.send(new ListExecutionsCommand({ stateMachineArn: local.stack.stateMachineArn }))).executions ?? [];
    expect(approvalsAfter).toHaveLength(approvalsBefore.length);
  });

  it("stops with the approval's own error when the request is not valid (self-approval)", async () => {
    const ana = uniqueManager('release-self');
    const input = { release: '44', change: 'x', approvers: [ana], requester: ana };
    const { executionArn } = await local.sfn.send(
      new StartExecutionCommand({ stateMachineArn: releaseMachine(local), input: JSON.stringify(input) }),
    );
    const release = await waitForEnd(local.sfn, executionArn ?? '');

    expect(release).toMatchObject({ status: 'FAILED', error: 'InvalidRequest' });
    expect(release.cause).toMatch(/^Invalid approval request: .*requester/);
  });

  it("refuses an email SES rejects: the release stops with the approval's EmailDeliveryRefused and its cause", async () => {
    const ana = uniqueManager('release-refused');
    local.stack.ses.setFault('rejected');
    let release;
    try {
      release = await waitForEnd(local.sfn, await startRelease(local, '47', [ana]));
    } finally {
      local.stack.ses.setFault(undefined);
    }

    expect(release).toMatchObject({ status: 'FAILED', error: 'EmailDeliveryRefused' });
    expect(release.cause).toBe('SES refused the email: MessageRejected: Email rejected (fault injected by the local mode).');
  });

  it('keeps waiting after its approval was stopped (a stopped approval cannot answer), until the task timeout the release sets', async () => {
    const ana = uniqueManager('release-stop-ana');
    const releaseArn = await startRelease(local, '46', [ana]);
    await waitForEmails(local.stack, ana);
    const child = await approvalOf(local.sfn, local.stack.stateMachineArn, releaseArn);

    await local.sfn.send(new StopExecutionCommand({ executionArn: child.executionArn }));
    await new Promise((resolve) => setTimeout(resolve, 500));

    expect((await local.sfn.send(new DescribeExecutionCommand({ executionArn: releaseArn }))).status).toBe('RUNNING');
    const { events } = await local.sfn.send(new GetExecutionHistoryCommand({ executionArn: releaseArn }));
    const scheduled = events?.find((event) => event.type === 'TaskScheduled')?.taskScheduledEventDetails;
    // The approval's own time limit plus five minutes (HumanApproval.approvalDecisionTask): then States.Timeout, caught as ReleaseApprovalUnanswered.
    expect(scheduled?.timeoutInSeconds).toBeGreaterThan(86_400);
    await local.sfn.send(new StopExecutionCommand({ executionArn: releaseArn }));
  });

  it("keeps the parent's task token out of every email and every log line", async () => {
    const ana = uniqueManager('release-token-ana');
    const releaseArn = await startRelease(local, '48', [ana]);
    const [email] = await waitForEmails(local.stack, ana);
    const { input } = await approvalOf(local.sfn, local.stack.stateMachineArn, releaseArn);
    const token = (JSON.parse(input) as { approval: { parentTaskToken: string } }).approval.parentTaskToken;
    await open(linksOf(email!).reject);
    await waitForEnd(local.sfn, releaseArn);

    // The check proves it has data: a real token, and emails and log lines to look through.
    expect(token.length).toBeGreaterThan(500);
    const emails = await fetchStoredEmails(local.stack.sesUrl);
    expect(emails.length).toBeGreaterThan(0);
    expect(local.logs.length).toBeGreaterThan(0);
    for (const text of [JSON.stringify(emails), local.logs.join('\n')]) {
      expect(text).not.toContain(token);
      expect(text).not.toContain(encodeURIComponent(token));
    }
  });

  it('still serves the startExecution.sync:2 form: a parent of that form gets the approval and its failures as States.TaskFailed', async () => {
    const { stateMachineArn: parentArn } = await local.sfn.send(
      new CreateStateMachineCommand({
        name: `sync2-parent-${process.pid}`,
        roleArn: 'arn:aws:iam::123456789012:role/sync2-parent',
        definition: JSON.stringify({
          StartAt: 'Ask',
          States: {
            Ask: {
              Type: 'Task',
              Resource: 'arn:aws:states:::states:startExecution.sync:2',
              Parameters: { StateMachineArn: local.stack.stateMachineArn, 'Input.$': '$' },
              Catch: [{ ErrorEquals: ['States.TaskFailed'], ResultPath: '$.failure', Next: 'NotApproved' }],
              End: true,
            },
            NotApproved: { Type: 'Pass', End: true },
          },
        }),
      }),
    );
    const manager = uniqueManager('sync2');
    const start = async (): Promise<string> =>
      (
        await local.sfn.send(
          new StartExecutionCommand({
            stateMachineArn: parentArn,
            input: JSON.stringify({ managerEmailAddress: manager, employeeName: 'Jo' }),
          }),
        )
      ).executionArn ?? '';

    const approvedArn = await start();
    const [first] = await waitForEmails(local.stack, manager);
    await open(linksOf(first!).approve);
    const approved = await waitForEnd(local.sfn, approvedArn);
    const rejectedArn = await start();
    const [, second] = await waitForEmails(local.stack, manager, 2);
    await open(linksOf(second!).reject);
    const rejected = await waitForEnd(local.sfn, rejectedArn);

    expect(approved.status).toBe('SUCCEEDED');
    expect(JSON.parse(approved.output ?? '{}')).toMatchObject({
      Status: 'SUCCEEDED',
      Output: { approval: { decision: { decision: 'approved' } } },
    });
    const failure = (JSON.parse(rejected.output ?? '{}') as { failure: { Error: string; Cause: string } }).failure;
    expect(failure.Error).toBe('States.TaskFailed');
    expect(JSON.parse(failure.Cause)).toMatchObject({ Status: 'FAILED', Error: 'Rejected' });
  });
});

describe('the example release workflow on the local stack, with a request that expires at once', () => {
  const local = useLocalStack({ context: { reminderIntervalSeconds: 1, reminderCount: 0 } });

  it('stops with ReleaseExpired, caught by the name Expired, when an approver stays silent', async () => {
    const releaseArn = await startRelease(local, '49', [uniqueManager('release-silent-ana'), uniqueManager('release-silent-ben')]);

    const release = await waitForEnd(local.sfn, releaseArn);

    expect(release).toMatchObject({
      status: 'FAILED',
      error: 'ReleaseExpired',
      cause: 'Not every approver approved the release in time: the last reminder ran out.',
    });
  });
});
