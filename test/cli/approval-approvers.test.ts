import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  ANA,
  BEN,
  DAY,
  deployedStack,
  failed,
  generalInput,
  History,
  record,
  running,
  runGate,
  STATE_MACHINE_ARN,
  succeeded,
  type ExecutionDescription,
} from './gate-fixtures';

const sfnMock = mockClient(SFNClient);
const cfnMock = mockClient(CloudFormationClient);

beforeEach(() => {
  sfnMock.reset();
  cfnMock.reset();
});

function described(execution: ExecutionDescription, history: History): void {
  sfnMock.on(DescribeExecutionCommand, { executionArn: execution.executionArn }).resolves(execution);
  sfnMock.on(GetExecutionHistoryCommand, { executionArn: execution.executionArn }).resolves({ events: history.snapshot() });
}

async function status(execution: ExecutionDescription) {
  const human = await runGate(['status', execution.executionArn ?? '']);
  const json = await runGate(['status', execution.executionArn ?? '', '--json']);
  expect(human.code).toBe(0);
  expect(json.code).toBe(0);
  return { human: human.stdout.split('\n'), json: JSON.parse(json.stdout) as Record<string, unknown> };
}

const ANA_APPROVES = record('approved', '21/Nov/2026:10:04:00 +0000', { comment: 'Looks good' });
const BEN_APPROVES = record('approved', '21/Nov/2026:10:05:00 +0000');
const BEN_REJECTS = record('rejected', '21/Nov/2026:10:05:00 +0000', { comment: 'Not on a Friday' });

describe('approval status, each approver', () => {
  test('the seed form with a subject or policy beside it is still the seed form: the manager is the approver', async () => {
    // The state machine's check treats these two fields as extra fields of the seed request.
    const input = { managerEmailAddress: ANA, employeeName: 'Jim', subject: 'Something else', policy: 'all' };
    const execution = running('seed-extra', input);
    sfnMock.on(DescribeExecutionCommand, { executionArn: execution.executionArn }).resolves(execution);
    sfnMock.on(GetExecutionHistoryCommand, { executionArn: execution.executionArn }).resolves({ events: [] });

    const { json } = await status(execution);

    expect(json).toMatchObject({ policy: 'any', subject: 'Approval needed for Jim', approvers: [{ address: ANA, state: 'waiting' }] });
    expect(json.request).toEqual({ managerEmailAddress: ANA, employeeName: 'Jim' });
  });

  test('policy any: the first approval decides, the other approver is closed', async () => {
    const input = generalInput('any');
    const history = new History(input);
    const anaTask = history.scheduled(ANA, 1, 1);
    const benTask = history.scheduled(BEN, 1, 1);
    // The iterations run side by side: Ben's email goes out before Ana's.
    const benStarted = history.started(benTask, 2);
    const anaStarted = history.started(anaTask, 3);
    history.approved(anaStarted, 240, ANA_APPROVES);
    const execution = succeeded('any-1', input, { policy: 'any', approvers: [ANA, BEN], decision: { ...ANA_APPROVES, approver: ANA } });
    described(execution, history);
    expect(benStarted).toBeLessThan(anaStarted);

    const { human, json } = await status(execution);

    expect(human).toEqual([
      `Execution   ${execution.executionArn}`,
      'Status      SUCCEEDED (approved)',
      'Subject     Deploy release 42',
      'Requester   dev@example.com',
      'Policy      any: the first decision of any approver decides',
      'Details     Release: 42',
      'Started     2026-11-21 10:00:00 UTC',
      'Stopped     2026-11-21 10:05:00 UTC',
      'Approvers   ana@example.com  approved at 21/Nov/2026:10:04:00 +0000, comment "Looks good"',
      '            ben@example.com  closed: the request was decided by someone else',
      'Approver    ana@example.com',
      'Decision    approved',
      'Decided at  21/Nov/2026:10:04:00 +0000',
      'Source IP   203.0.113.9',
      'User agent  Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0',
      `Request id  ${ANA_APPROVES.requestId}`,
      'Comment     Looks good',
    ]);
    expect(json).toMatchObject({
      status: 'SUCCEEDED',
      outcome: 'approved',
      policy: 'any',
      subject: 'Deploy release 42',
      request: generalInput('any'),
      decision: { ...ANA_APPROVES, approver: ANA },
    });
    expect(json.request).not.toHaveProperty('managerEmailAddress');
    expect(json.approvers).toStrictEqual([
      {
        address: ANA,
        state: 'approved',
        attempt: 1,
        reminderCount: 2,
        emailedAt: '2026-11-21T10:00:03.000Z',
        decision: { ...ANA_APPROVES, approver: ANA },
      },
      { address: BEN, state: 'closed', attempt: 1, reminderCount: 2, emailedAt: '2026-11-21T10:00:02.000Z' },
    ]);
  });

  test('policy all: both approved, every record in the output and in each approver', async () => {
    const input = generalInput('all');
    const history = new History(input);
    const anaTask = history.scheduled(ANA, 1, 1);
    const benTask = history.scheduled(BEN, 1, 1);
    history.approved(history.started(anaTask, 2), 240, ANA_APPROVES);
    history.approved(history.started(benTask, 2), 300, BEN_APPROVES);
    const decisions = [
      { ...ANA_APPROVES, approver: ANA },
      { ...BEN_APPROVES, approver: BEN },
    ];
    const execution = succeeded('all-1', input, { policy: 'all', approvers: [ANA, BEN], decisions });
    described(execution, history);

    const { human, json } = await status(execution);

    expect(human).toContain('Policy      all: every approver must approve; the first rejection decides');
    expect(human).toContain('Approvers   ana@example.com  approved at 21/Nov/2026:10:04:00 +0000, comment "Looks good"');
    expect(human).toContain('            ben@example.com  approved at 21/Nov/2026:10:05:00 +0000');
    expect(human.filter((line) => line.startsWith('Approver    '))).toEqual(['Approver    ana@example.com', 'Approver    ben@example.com']);
    expect(json).toMatchObject({ outcome: 'approved', policy: 'all', decisions });
    expect(json).not.toHaveProperty('decision');
    expect((json.approvers as Array<Record<string, unknown>>).map(({ state, decision }) => ({ state, decision }))).toEqual([
      { state: 'approved', decision: decisions[0] },
      { state: 'approved', decision: decisions[1] },
    ]);
  });

  test('policy all: one rejection decides and closes the other approver', async () => {
    const input = generalInput('all');
    const history = new History(input);
    const anaTask = history.scheduled(ANA, 1, 1);
    const benTask = history.scheduled(BEN, 1, 1);
    history.started(anaTask, 2);
    history.failed(history.started(benTask, 2), 300, 'Rejected', JSON.stringify(BEN_REJECTS));
    const execution = failed('all-2', input, 'Rejected', JSON.stringify({ ...BEN_REJECTS, approver: BEN }));
    described(execution, history);

    const { human, json } = await status(execution);

    expect(human).toContain('Status      FAILED (rejected)');
    expect(human).toContain('Approvers   ana@example.com  closed: the request was decided by someone else');
    expect(human).toContain('            ben@example.com  rejected at 21/Nov/2026:10:05:00 +0000, comment "Not on a Friday"');
    expect(human).toContain('Approver    ben@example.com');
    expect(human).toContain('Decision    rejected');
    expect(json.decision).toStrictEqual({ ...BEN_REJECTS, approver: BEN });
    expect(json.approvers).toMatchObject([
      { address: ANA, state: 'closed' },
      { address: BEN, state: 'rejected', decision: { ...BEN_REJECTS, approver: BEN } },
    ]);
  });

  test('policy all: an approval before the rejection still shows, from the history', async () => {
    const input = generalInput('all');
    const history = new History(input);
    const anaTask = history.scheduled(ANA, 1, 1);
    const benTask = history.scheduled(BEN, 1, 1);
    history.approved(history.started(anaTask, 2), 240, ANA_APPROVES);
    history.failed(history.started(benTask, 2), 300, 'Rejected', JSON.stringify(BEN_REJECTS));
    const execution = failed('all-3', input, 'Rejected', JSON.stringify({ ...BEN_REJECTS, approver: BEN }));
    described(execution, history);

    const { json } = await status(execution);

    expect(json.approvers).toMatchObject([
      // The state machine's own data (the task input) names the approver; the record gains it.
      { address: ANA, state: 'approved', decision: { ...ANA_APPROVES, approver: ANA } },
      { address: BEN, state: 'rejected' },
    ]);
  });

  test('reminders: attempt 2 of 3 is reminder 1 of 2, with when its links stop working; the other approver waits', async () => {
    const input = generalInput('any');
    const history = new History(input, { reminderCount: 2, reminderIntervalSeconds: DAY });
    const anaFirst = history.scheduled(ANA, 1, 1);
    const benFirst = history.scheduled(BEN, 1, 1);
    history.timedOut(history.started(anaFirst, 2), DAY + 2);
    history.failed(history.started(benFirst, 2), 3, 'EmailDeliveryFailed', 'SES is throttling');
    const anaSecond = history.scheduled(ANA, 2, DAY + 3);
    history.started(anaSecond, DAY + 4);
    // Ben's redelivery is scheduled but no worker has taken it yet.
    history.scheduled(BEN, 1, 60);
    const execution = running('reminded-1', input);
    described(execution, history);

    const { human, json } = await status(execution);

    expect(human).toContain('Status      RUNNING (waiting for an approver to decide)');
    expect(human).toContain(
      'Approvers   ana@example.com  emailed reminder 1 of 2 at 2026-11-22 10:00:04 UTC, links valid until 2026-11-23 10:00:04 UTC',
    );
    expect(human).toContain('            ben@example.com  waiting: the email is not sent yet');
    expect(json.approvers).toStrictEqual([
      {
        address: ANA,
        state: 'emailed',
        attempt: 2,
        reminderCount: 2,
        emailedAt: '2026-11-22T10:00:04.000Z',
        validUntil: '2026-11-23T10:00:04.000Z',
        // This email's day and one more reminder's.
        expiresAt: '2026-11-24T10:00:04.000Z',
      },
      { address: BEN, state: 'waiting', attempt: 1, reminderCount: 2 },
    ]);
  });

  test('a first email says which reminder follows; a timed-out one waits for its reminder', async () => {
    const input = generalInput('all');
    const history = new History(input, { reminderCount: 3, reminderIntervalSeconds: 3_600 });
    history.started(history.scheduled(ANA, 1, 1), 2);
    history.timedOut(history.started(history.scheduled(BEN, 1, 1), 2), 3_602);
    const execution = running('reminded-2', input);
    described(execution, history);

    const { human, json } = await status(execution);

    expect(human).toContain('Status      RUNNING (waiting for every approver to approve)');
    expect(human).toContain(
      'Approvers   ana@example.com  emailed at 2026-11-21 10:00:02 UTC, links valid until 2026-11-21 11:00:02 UTC (then reminder 1 of 3)',
    );
    expect(human).toContain('            ben@example.com  waiting: reminder 1 of 3 is not sent yet');
    expect(json.approvers).toMatchObject([
      { state: 'emailed', expiresAt: '2026-11-21T14:00:02.000Z' },
      { state: 'waiting', attempt: 2 },
    ]);
  });

  test('expired under any: everyone who stayed silent expired', async () => {
    const input = generalInput('any');
    const history = new History(input, { reminderCount: 0, reminderIntervalSeconds: 60 });
    history.timedOut(history.started(history.scheduled(ANA, 1, 1), 2), 62);
    history.timedOut(history.started(history.scheduled(BEN, 1, 1), 2), 62);
    const execution = failed('expired-1', input, 'Expired', 'Nobody approved or rejected the request before the last reminder ran out.');
    described(execution, history);

    const { human, json } = await status(execution);

    expect(human).toContain('Approvers   ana@example.com  expired: no answer before the last reminder ran out');
    expect(human).toContain('            ben@example.com  expired: no answer before the last reminder ran out');
    expect(json.approvers).toMatchObject([{ state: 'expired' }, { state: 'expired' }]);
  });

  test('expired under all: the silent approver expired, the one who approved stays approved', async () => {
    const input = generalInput('all');
    const history = new History(input, { reminderCount: 0, reminderIntervalSeconds: 60 });
    history.approved(history.started(history.scheduled(ANA, 1, 1), 2), 30, ANA_APPROVES);
    history.timedOut(history.started(history.scheduled(BEN, 1, 1), 2), 62);
    const execution = failed('expired-2', input, 'Expired', 'An approver did not approve or reject before the last reminder ran out.');
    described(execution, history);

    const { json } = await status(execution);

    expect(json.approvers).toMatchObject([
      { address: ANA, state: 'approved' },
      { address: BEN, state: 'expired' },
    ]);
  });

  test('an email SES refused is not delivered; the other approver is closed', async () => {
    const input = generalInput('any');
    const history = new History(input);
    history.started(history.scheduled(ANA, 1, 1), 2);
    history.failed(history.started(history.scheduled(BEN, 1, 1), 2), 3, 'EmailDeliveryRefused', 'MessageRejected: address blocked');
    const execution = failed('refused-1', input, 'EmailDeliveryRefused', 'MessageRejected: address blocked');
    described(execution, history);

    const { human, json } = await status(execution);

    expect(human).toContain('Approvers   ana@example.com  closed: the request ended without their decision');
    expect(human).toContain('            ben@example.com  not delivered: EmailDeliveryRefused');
    expect(json.approvers).toMatchObject([
      { state: 'closed' },
      { state: 'not-delivered', error: 'EmailDeliveryRefused', cause: 'MessageRejected: address blocked' },
    ]);
  });

  test('terminal escapes in the request, a record and the history are shown escaped', async () => {
    const evil = { ...generalInput('any'), subject: 'Deploy\u001b[2J', details: { 'K\u009b': 'v\u202e' } };
    const history = new History(evil);
    history.approved(history.started(history.scheduled(ANA, 1, 1), 2), 30, { ...ANA_APPROVES, comment: 'ok\u001b]0;pwned\u0007' });
    described(running('evil-1', evil), history);

    const result = await runGate(['status', running('evil-1', evil).executionArn ?? '']);

    expect(result.stdout).toContain('Subject     Deploy\\u001b[2J');
    expect(result.stdout).toContain('Details     K\\u009b: v\\u202e');
    expect(result.stdout).toContain('comment "ok\\u001b]0;pwned\\u0007"');
    expect(result.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
  });

  test('no task token is ever printed, should a record or a history event carry one', async () => {
    const input = generalInput('all');
    const history = new History(input);
    const anaStarted = history.started(history.scheduled(ANA, 1, 1), 2);
    history.approved(anaStarted, 30, { ...ANA_APPROVES, taskToken: 'SECRET-TOKEN-1' });
    history.started(history.scheduled(BEN, 1, 1), 2);
    const execution = failed('token-1', input, 'Rejected', JSON.stringify({ ...BEN_REJECTS, approver: BEN, TaskToken: 'SECRET-TOKEN-2' }));
    described(execution, history);

    const human = await runGate(['status', execution.executionArn ?? '']);
    const json = await runGate(['status', execution.executionArn ?? '', '--json']);

    expect(human.stdout).toContain('Decision    rejected');
    expect(human.stdout).not.toContain('SECRET-TOKEN');
    // The cause itself is the execution's, shown as it is in `cause`; the parsed records are clean.
    const view = JSON.parse(json.stdout) as { decision: object; approvers: Array<{ decision?: object }>; cause: string };
    expect(JSON.stringify(view.decision)).not.toContain('SECRET-TOKEN');
    expect(JSON.stringify(view.approvers)).not.toContain('SECRET-TOKEN');
  });

  test('the seed form keeps its fields, and its one approver has a state too', async () => {
    const seed = { managerEmailAddress: 'manager@example.com', employeeName: 'Jim Smith' };
    const execution = running('seed-1', seed);
    sfnMock.on(DescribeExecutionCommand).resolves(execution);
    sfnMock.on(GetExecutionHistoryCommand).resolves({ events: [] });

    const { human, json } = await status(execution);

    expect(human).toContain('Status      RUNNING (waiting for the manager to approve or reject)');
    expect(human).toContain('Approver    manager@example.com  waiting: the email is not sent yet');
    expect(human.some((line) => line.startsWith('Subject'))).toBe(false);
    expect(json).toMatchObject({ request: seed, policy: 'any', subject: 'Approval needed for Jim Smith' });
    expect(json.approvers).toStrictEqual([{ address: 'manager@example.com', state: 'waiting' }]);
  });

  test('the history is read page by page', async () => {
    const input = generalInput('any');
    const history = new History(input);
    history.started(history.scheduled(ANA, 1, 1), 2);
    const events = history.snapshot();
    const execution = running('paged-1', input);
    sfnMock.on(DescribeExecutionCommand).resolves(execution);
    sfnMock.on(GetExecutionHistoryCommand).resolves({ events: events.slice(0, 5), nextToken: 'page-2' });
    sfnMock.on(GetExecutionHistoryCommand, { nextToken: 'page-2' }).resolves({ events: events.slice(5) });

    const { json } = await status(execution);

    expect(sfnMock).toHaveReceivedCommandWith(GetExecutionHistoryCommand, { executionArn: execution.executionArn, nextToken: 'page-2' });
    expect(json.approvers).toMatchObject([
      { address: ANA, state: 'emailed' },
      { address: BEN, state: 'waiting' },
    ]);
  });
});

describe('approval list', () => {
  test('shows approvers and subject, the seed form as "Approval needed for <employee>", and reads no history', async () => {
    deployedStack(cfnMock);
    const general = running('general-1', generalInput('all'));
    const seed = {
      ...running('seed-1', { managerEmailAddress: 'boss@example.com', employeeName: 'Ann Lee' }),
      startDate: new Date('2026-11-20T09:00:00Z'),
    };
    sfnMock.on(ListExecutionsCommand).resolves({
      executions: [general, seed].map((item) => ({
        executionArn: item.executionArn,
        stateMachineArn: STATE_MACHINE_ARN,
        name: item.name,
        status: item.status,
        startDate: item.startDate,
      })),
    });
    sfnMock.on(DescribeExecutionCommand, { executionArn: general.executionArn }).resolves(general);
    sfnMock.on(DescribeExecutionCommand, { executionArn: seed.executionArn }).resolves(seed);

    const result = await runGate(['list']);
    const json = await runGate(['list', '--json']);

    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^STARTED\s+APPROVERS\s+SUBJECT\s+EXECUTION ARN$/);
    expect(lines[1]).toMatch(/^2026-11-21 10:00:00 UTC\s+ana@example\.com, ben@example\.com\s+Deploy release 42\s+arn:/);
    expect(lines[2]).toMatch(/^2026-11-20 09:00:00 UTC\s+boss@example\.com\s+Approval needed for Ann Lee\s+arn:/);
    expect(sfnMock).not.toHaveReceivedCommand(GetExecutionHistoryCommand);
    const views = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    expect(views[0]).toMatchObject({ policy: 'all', subject: 'Deploy release 42', request: generalInput('all') });
    expect(views[0]).not.toHaveProperty('approvers');
  });
});
