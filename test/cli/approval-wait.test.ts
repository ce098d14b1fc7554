import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  SFNClient,
  SFNServiceException,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { processWaitDependencies } from '../../cli/wait-for-outcome';
import {
  ANA,
  BEN,
  deployedStack,
  executionArn,
  failed,
  generalInput,
  History,
  record,
  running,
  runGate,
  STARTED,
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

const NAME = 'release-42';
const ARN = executionArn(NAME);
const INPUT = generalInput('all');
const ANA_APPROVES = record('approved', '21/Nov/2026:10:00:04 +0000');
const BEN_APPROVES = record('approved', '21/Nov/2026:10:00:06 +0000', { comment: 'Go' });
const BEN_REJECTS = record('rejected', '21/Nov/2026:10:00:06 +0000', { comment: 'Not today' });

const APPROVED = succeeded(NAME, INPUT, {
  policy: 'all',
  approvers: [ANA, BEN],
  decisions: [
    { ...ANA_APPROVES, approver: ANA },
    { ...BEN_APPROVES, approver: BEN },
  ],
});
const REJECTED = failed(NAME, INPUT, 'Rejected', JSON.stringify({ ...BEN_REJECTS, approver: BEN }));
const EXPIRED = failed(
  NAME,
  INPUT,
  'Expired',
  'An approver did not approve or reject before the last reminder ran out; every approver must approve.',
);

/** Scripts DescribeExecution: one answer per poll, the last one repeated. */
function polls(...answers: ExecutionDescription[]): void {
  const [last] = answers.slice(-1);
  let stub = sfnMock.on(DescribeExecutionCommand, { executionArn: ARN });
  for (const answer of answers.slice(0, -1)) stub = stub.resolvesOnce(answer);
  if (last) stub.resolves(last);
}

/** Scripts GetExecutionHistory likewise. */
function histories(...answers: History[]): void {
  const snapshots = answers.map((history) => history.snapshot());
  const [last] = snapshots.slice(-1);
  let stub = sfnMock.on(GetExecutionHistoryCommand, { executionArn: ARN });
  for (const events of snapshots.slice(0, -1)) stub = stub.resolvesOnce({ events });
  if (last) stub.resolves({ events: last });
}

/** The history of the request at three moments: emails going out, Ana approved, both approved. */
function progressingHistories(): History[] {
  const first = new History(INPUT, { reminderCount: 2, reminderIntervalSeconds: 86_400 });
  const anaTask = first.scheduled(ANA, 1, 1);
  const benTask = first.scheduled(BEN, 1, 1);
  const anaStarted = first.started(anaTask, 1);

  const second = new History(INPUT, { reminderCount: 2, reminderIntervalSeconds: 86_400 });
  second.scheduled(ANA, 1, 1);
  second.scheduled(BEN, 1, 1);
  second.started(anaTask, 1);
  const benStarted = second.started(benTask, 3);
  second.approved(anaStarted, 4, ANA_APPROVES);

  const third = new History(INPUT, { reminderCount: 2, reminderIntervalSeconds: 86_400 });
  third.scheduled(ANA, 1, 1);
  third.scheduled(BEN, 1, 1);
  third.started(anaTask, 1);
  third.started(benTask, 3);
  third.approved(anaStarted, 4, ANA_APPROVES);
  third.approved(benStarted, 6, BEN_APPROVES);
  return [first, second, third];
}

/** What Step Functions answers a role without states:GetExecutionHistory. */
function accessDenied(): SFNServiceException {
  return new SFNServiceException({
    name: 'AccessDeniedException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message: 'not authorized to perform: states:GetExecutionHistory',
  });
}

describe('approval wait', () => {
  test.each([
    ['approved', 0, APPROVED, 'Approved by ana@example.com (approved at 21/Nov/2026:10:00:04 +0000), ben@example.com'],
    ['rejected', 3, REJECTED, 'Rejected by ben@example.com (rejected at 21/Nov/2026:10:00:06 +0000, comment "Not today").'],
    [
      'expired',
      4,
      EXPIRED,
      'Expired: An approver did not approve or reject before the last reminder ran out; every approver must approve.',
    ],
    [
      'invalid',
      1,
      failed(NAME, INPUT, 'InvalidRequest', 'Invalid approval request: requester "ana@example.com" is also an approver.'),
      'Not approved (invalid-request): InvalidRequest: Invalid approval request: requester "ana@example.com" is also an approver.',
    ],
    [
      'not delivered',
      1,
      failed(NAME, INPUT, 'EmailDeliveryRefused', 'MessageRejected'),
      'Not approved (not-delivered): EmailDeliveryRefused',
    ],
    ['timed out', 1, { ...running(NAME, INPUT), status: 'TIMED_OUT' as const, stopDate: STARTED }, 'Not approved (timed-out): TIMED_OUT'],
    ['aborted', 1, { ...running(NAME, INPUT), status: 'ABORTED' as const, stopDate: STARTED }, 'Not approved (aborted): ABORTED'],
    ['failed otherwise', 1, failed(NAME, INPUT, 'States.Runtime', 'boom'), 'Not approved (failed): States.Runtime: boom'],
  ])('%s after two polls exits %i and says so', async (_case, code, end, headline) => {
    polls(running(NAME, INPUT), running(NAME, INPUT), end);

    const result = await runGate(['wait', ARN]);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(code);
    expect(result.sleeps).toEqual([2_000, 2_000]);
    expect(sfnMock).toHaveReceivedCommandTimes(DescribeExecutionCommand, 3);
    const lines = result.stdout.split('\n');
    const headlineAt = lines.findIndex((line) => line.startsWith(headline));
    expect(headlineAt).toBeGreaterThanOrEqual(0);
    // Then the view `approval status` prints.
    expect(lines.slice(headlineAt + 1)).toContain(`Execution   ${ARN}`);
    expect(result.listening).toBe(false);
  });

  test('an execution that has already ended is printed at once, with its exit code', async () => {
    polls(REJECTED);

    const result = await runGate(['wait', ARN]);

    expect(result.code).toBe(3);
    expect(result.sleeps).toEqual([]);
  });

  test('--json prints nothing but the final JSON, the view `status --json` prints', async () => {
    const [first, second, third] = progressingHistories();
    if (!first || !second || !third) throw new Error('three histories');
    polls(running(NAME, INPUT), running(NAME, INPUT), APPROVED);
    histories(first, second, third);

    const waited = await runGate(['wait', ARN, '--json'], { ttyColumns: 120 });
    const status = await runGate(['status', ARN, '--json']);

    expect(waited.code).toBe(0);
    expect(waited.stderr).toBe('');
    expect(waited.transcript).toBe(`${waited.stdout}\n`);
    expect(JSON.parse(waited.stdout)).toStrictEqual(JSON.parse(status.stdout));
    expect(JSON.parse(waited.stdout)).toMatchObject({ outcome: 'approved', approvers: [{ state: 'approved' }, { state: 'approved' }] });
  });

  test('on a terminal: one progress line rewritten in place with who was emailed, who decided and the time left', async () => {
    const [first, second, third] = progressingHistories();
    if (!first || !second || !third) throw new Error('three histories');
    polls(running(NAME, INPUT), running(NAME, INPUT), APPROVED);
    histories(first, second, third);

    const result = await runGate(['wait', ARN], { ttyColumns: 200 });

    expect(result.code).toBe(0);
    const writes = result.transcript.split('\r\u001b[2K');
    expect(writes).toEqual([
      '',
      // Polled at 10:00:00: Ana's email went out at 10:00:01 with a day per email and two reminders.
      'Waiting (all of 2): ana@example.com: emailed; ben@example.com: not emailed yet. Time left: 3d',
      'Waiting (all of 2): ana@example.com: approved; ben@example.com: emailed. Time left: 3d',
      // The line is taken away before the outcome is printed.
      expect.stringMatching(/^Approved by ana@example\.com .*\n\nExecution {3}/s),
    ]);
  });

  test('on a narrow terminal the line is cut to fit, so it can be rewritten in place', async () => {
    const [first] = progressingHistories();
    if (!first) throw new Error('a history');
    polls(running(NAME, INPUT), APPROVED);
    histories(first);

    const result = await runGate(['wait', ARN], { ttyColumns: 40 });

    const line = result.transcript.split('\r\u001b[2K')[1];
    expect(line).toBe('Waiting (all of 2): ana@example.com:...');
    expect(line?.length).toBeLessThan(40);
  });

  test('not on a terminal: a line only when an approver state changes, without the time left', async () => {
    const [first, second] = progressingHistories();
    if (!first || !second) throw new Error('two histories');
    polls(running(NAME, INPUT), running(NAME, INPUT), running(NAME, INPUT), REJECTED);
    histories(first, first, second);

    const result = await runGate(['wait', ARN]);

    expect(result.code).toBe(3);
    expect(result.transcript).not.toContain('\r');
    const lines = result.stdout.split('\n');
    expect(lines.slice(0, 3)).toEqual([
      '2026-11-21 10:00:00 UTC  Waiting (all of 2): ana@example.com: emailed; ben@example.com: not emailed yet',
      '2026-11-21 10:00:04 UTC  Waiting (all of 2): ana@example.com: approved; ben@example.com: emailed',
      'Rejected by ben@example.com (rejected at 21/Nov/2026:10:00:06 +0000, comment "Not today").',
    ]);
  });

  test('polls every 2 s, then less often, and reads the history at most every 10 s after the first 10 s', async () => {
    const answers = Array.from({ length: 80 }, () => running(NAME, INPUT));
    polls(...answers, APPROVED);
    histories(new History(INPUT));

    const result = await runGate(['wait', ARN]);

    expect(result.code).toBe(0);
    // 60 polls in the first 2 minutes, then every 10 s.
    expect(result.sleeps.slice(0, 60).every((sleep) => sleep === 2_000)).toBe(true);
    expect(result.sleeps.slice(60)).toEqual(Array.from({ length: 20 }, () => 10_000));
    const historyReads = sfnMock.commandCalls(GetExecutionHistoryCommand).length;
    // 5 reads in the first 10 s, one per 10 s after (about 11 over the 2 minutes, 20 after), and the final one.
    expect(historyReads).toBeLessThan(40);
    expect(historyReads).toBeGreaterThan(25);
  });

  test('throttling backs off and keeps waiting', async () => {
    const throttled = new SFNServiceException({
      name: 'ThrottlingException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
      message: 'Rate exceeded',
    });
    sfnMock.on(DescribeExecutionCommand).rejectsOnce(throttled).rejectsOnce(throttled).resolves(APPROVED);

    const result = await runGate(['wait', ARN]);

    expect(result.code).toBe(0);
    expect(result.sleeps).toEqual([4_000, 8_000]);
  });

  test('an error that is not passing ends the wait with 1 and says what failed', async () => {
    sfnMock.on(DescribeExecutionCommand).rejects(accessDenied());

    const result = await runGate(['wait', ARN]);

    expect(result.code).toBe(1);
    expect(result.stderr).toBe('AccessDeniedException: not authorized to perform: states:GetExecutionHistory');
    expect(result.listening).toBe(false);
  });

  test('without permission to read the history it still waits for the outcome, and says what it cannot show', async () => {
    polls(running(NAME, INPUT), running(NAME, INPUT), REJECTED);
    sfnMock.on(GetExecutionHistoryCommand).rejects(accessDenied());

    const result = await runGate(['wait', ARN]);

    expect(result.code).toBe(3);
    expect(sfnMock).toHaveReceivedCommandTimes(GetExecutionHistoryCommand, 1);
    expect(result.stderr).toBe(
      "Cannot read the execution history (not authorized to perform: states:GetExecutionHistory); waiting without each approver's progress. " +
        'Allow states:GetExecutionHistory to see it.',
    );
    expect(result.stdout.split('\n').slice(0, 2)).toEqual([
      '2026-11-21 10:00:00 UTC  Waiting for the decision',
      'Rejected by ben@example.com.',
    ]);
  });

  test('Ctrl-C stops waiting with 130, takes the progress line away and says the request is still open', async () => {
    polls(running(NAME, INPUT));
    histories(new History(INPUT));

    const result = await runGate(['wait', ARN, '--local'], { ttyColumns: 120, interruptAtSleep: 3 });

    expect(result.code).toBe(130);
    expect(result.sleeps).toHaveLength(3);
    expect(result.transcript.endsWith('\r\u001b[2K')).toBe(true);
    expect(result.stderr).toBe(
      `Stopped waiting; the request is still open and its emails stay valid. Wait again with: approval wait ${ARN} --local`,
    );
    expect(result.listening).toBe(false);
  });

  test.each([
    [['wait', 'not-an-arn'], '"not-an-arn" is not an execution ARN'],
    [['wait', STATE_MACHINE_ARN], 'is a state machine ARN; wait wants an execution ARN'],
    [['wait'], 'Missing EXECUTION_ARN'],
    [['wait', ARN, ARN], 'wait takes one execution ARN, not 2 arguments.'],
    [['wait', ARN, '--timeout', '5'], 'Unknown option --timeout for `approval wait`.'],
  ])('%j is a usage error', async (args, message) => {
    const result = await runGate(args);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('Run `approval wait --help` for usage.');
    expect(sfnMock).not.toHaveReceivedCommand(DescribeExecutionCommand);
  });

  test('an execution that does not exist is exit 1 with where it looked', async () => {
    sfnMock
      .on(DescribeExecutionCommand)
      .rejects(new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: { httpStatusCode: 400 } }));

    const result = await runGate(['wait', ARN]);

    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`No execution ${ARN} in eu-west-1 (finished executions are kept for 90 days). See \`approval list --all\`.`);
  });

  test('--help documents the exit codes and the output', async () => {
    const result = await runGate(['wait', '--help']);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: approval wait EXECUTION_ARN/);
    expect(result.stdout).toContain('with --json     nothing until the end');
    expect(result.stdout).toMatch(/^ {2}4 {4}expired/m);
  });
});

describe('approval start --wait', () => {
  test('starts the request, then waits: exit 0 when every approver approved', async () => {
    deployedStack(cfnMock);
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: ARN, startDate: STARTED });
    polls(running(NAME, INPUT), APPROVED);

    const result = await runGate([
      'start',
      '--wait',
      '--approver',
      ANA,
      '--approver',
      BEN,
      '--policy',
      'all',
      '--subject',
      'Deploy release 42',
    ]);

    expect(result.code).toBe(0);
    expect(sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input.input).toBe(
      '{"approvers":["ana@example.com","ben@example.com"],"policy":"all","subject":"Deploy release 42"}',
    );
    expect(result.stdout.split('\n')[0]).toBe(`Started ${ARN}`);
    expect(result.stdout).toContain('Approved by ana@example.com');
  });

  test('a rejection exits 3, so `&& ./deploy.sh` does not deploy', async () => {
    deployedStack(cfnMock);
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: ARN, startDate: STARTED });
    polls(REJECTED);

    const result = await runGate(['start', '--wait', '--approver', ANA, '--approver', BEN, '--subject', 'Deploy release 42']);

    expect(result.code).toBe(3);
  });

  test('--json --wait prints only the final JSON, not the start object', async () => {
    deployedStack(cfnMock);
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: ARN, startDate: STARTED });
    polls(running(NAME, INPUT), EXPIRED);

    const result = await runGate(['start', '--wait', '--json', '--approver', ANA, '--subject', 'Deploy release 42']);

    expect(result.code).toBe(4);
    expect(result.transcript).toBe(`${result.stdout}\n`);
    expect(JSON.parse(result.stdout)).toMatchObject({ executionArn: ARN, outcome: 'expired', error: 'Expired' });
  });

  test('the seed form waits too', async () => {
    deployedStack(cfnMock);
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: ARN, startDate: STARTED });
    const seed = { managerEmailAddress: 'manager@example.com', employeeName: 'Jim' };
    polls(
      succeeded(NAME, seed, {
        policy: 'any',
        approvers: ['manager@example.com'],
        decision: { ...ANA_APPROVES, approver: 'manager@example.com' },
      }),
    );

    const result = await runGate(['start', '--wait', '--manager-email', 'manager@example.com', '--employee-name', 'Jim']);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Approved by manager@example.com (approved at 21/Nov/2026:10:00:04 +0000).');
  });
});

describe('the process wait dependencies', () => {
  test('a sleep ends as soon as Ctrl-C aborts it, leaving no timer behind', async () => {
    const controller = new AbortController();
    const sleeping = processWaitDependencies.sleep(60_000, controller.signal);
    controller.abort();

    await expect(sleeping).resolves.toBeUndefined();
  });

  test('a short sleep ends by itself', async () => {
    await expect(processWaitDependencies.sleep(1, new AbortController().signal)).resolves.toBeUndefined();
  });
});
