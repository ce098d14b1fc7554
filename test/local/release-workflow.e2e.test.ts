import { expect } from '@jest/globals';
import { DescribeExecutionCommand, ListExecutionsCommand, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { linksOf, open, uniqueManager, waitForEmails, waitForEnd } from '../support/local-flow';
import { useLocalStack } from '../support/use-local-stack';

jest.setTimeout(60_000);

/**
 * examples/release-workflow on the local stack: the release state machine asks the approval state
 * machine with startExecution.sync:2 and goes on with its answer, as it would on AWS.
 */
describe('the example release workflow on the local stack', () => {
  const local = useLocalStack();

  function releaseMachine(): string {
    const arn = Object.entries(local.stack.stateMachines).find(([name]) => name.startsWith('ReleaseWorkflow'))?.[1];
    if (!arn) throw new Error(`no release workflow among ${Object.keys(local.stack.stateMachines).join(', ')}`);
    return arn;
  }

  async function startRelease(release: string, approvers: string[]): Promise<string> {
    const input = { release, change: 'Adds the export endpoint', approvers, requester: uniqueManager('dev') };
    const { executionArn } = await local.sfn.send(
      new StartExecutionCommand({ stateMachineArn: releaseMachine(), input: JSON.stringify(input) }),
    );
    if (!executionArn) throw new Error('StartExecution returned no ARN');
    return executionArn;
  }

  it('deploys once both approvers approved, with both records, and the approval is a child of the release', async () => {
    const ana = uniqueManager('release-ana');
    const ben = uniqueManager('release-ben');
    const releaseArn = await startRelease('42', [ana, ben]);

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
    const releaseArn = await startRelease('43', [ana, ben]);
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
      new StartExecutionCommand({ stateMachineArn: releaseMachine(), input: JSON.stringify(input) }),
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
      new StartExecutionCommand({ stateMachineArn: releaseMachine(), input: JSON.stringify(input) }),
    );
    const release = await waitForEnd(local.sfn, executionArn ?? '');

    expect(release).toMatchObject({ status: 'FAILED', error: 'InvalidRequest' });
    expect(release.cause).toMatch(/^Invalid approval request: .*requester/);
  });

  it('stops with ReleaseApprovalStopped when the approval execution is stopped before a decision (its Error and Cause are absent)', async () => {
    const ana = uniqueManager('release-stop-ana');
    const releaseArn = await startRelease('46', [ana]);
    await waitForEmails(local.stack, ana);
    const approvals = (await local.sfn.send(new ListExecutionsCommand({ stateMachineArn: local.stack.stateMachineArn }))).executions ?? [];
    const approvalInputs = await Promise.all(
      approvals.map(async ({ executionArn }) => ({
        executionArn,
        input: (await local.sfn.send(new DescribeExecutionCommand({ executionArn }))).input ?? '',
      })),
    );
    const child = approvalInputs.find(({ input }) => input.includes(releaseArn));
    if (!child?.executionArn) throw new Error('the release started no approval execution');

    await local.sfn.send(new StopExecutionCommand({ executionArn: child.executionArn }));
    const release = await waitForEnd(local.sfn, releaseArn);

    expect(release).toMatchObject({
      status: 'FAILED',
      error: 'ReleaseApprovalStopped',
      cause: 'The approval execution was stopped before every approver decided.',
    });
  });
});
