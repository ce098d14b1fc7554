import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { MAX_APPROVERS, MAX_DETAILS, MAX_EMPLOYEE_NAME_LENGTH, MAX_SUBJECT_LENGTH } from '../../functions/commons/approval-request';
import { ANA, BEN, deployedStack, executionArn, runGate, STARTED, STATE_MACHINE_ARN } from './gate-fixtures';

const sfnMock = mockClient(SFNClient);
const cfnMock = mockClient(CloudFormationClient);

beforeEach(() => {
  sfnMock.reset();
  cfnMock.reset();
});

function startsFine(): void {
  deployedStack(cfnMock);
  sfnMock.on(StartExecutionCommand).resolves({ executionArn: executionArn('release-42'), startDate: STARTED });
}

function startInput(): unknown {
  const input = sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input.input;
  return input === undefined ? undefined : JSON.parse(input);
}

describe('approval start, the general form', () => {
  test('sends every flag as the request: repeated --approver and --detail, a value holding "=" kept whole', async () => {
    startsFine();

    const result = await run([
      '--approver',
      ANA,
      '--approver',
      BEN,
      '--policy',
      'all',
      '--subject',
      'Deploy release 42',
      '--detail',
      'Release=42',
      '--detail',
      'Query=a=b',
      '--requester',
      'dev@example.com',
    ]);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input).toStrictEqual({
      stateMachineArn: STATE_MACHINE_ARN,
      input:
        '{"approvers":["ana@example.com","ben@example.com"],"policy":"all","subject":"Deploy release 42",' +
        '"details":{"Release":"42","Query":"a=b"},"requester":"dev@example.com"}',
    });
    const [arn, next] = result.stdout.split('\n');
    expect(arn).toBe(executionArn('release-42'));
    expect(next).toContain('ana@example.com and ben@example.com each get an email with Approve / Reject links');
    expect(next).toContain(`approval wait ${executionArn('release-42')}`);
  });

  test('sends only what was given: the state machine applies the defaults', async () => {
    startsFine();

    const result = await run(['--approver', ANA, '--subject', 'Refund order 1234']);

    expect(result.code).toBe(0);
    expect(startInput()).toStrictEqual({ approvers: [ANA], subject: 'Refund order 1234' });
    expect(result.stdout).toContain('ana@example.com gets an email');
  });

  test('an empty --detail value is a value; a key such as __proto__ is a key like any other', async () => {
    startsFine();

    const result = await run(['--approver', ANA, '--subject', 'S', '--detail', 'Note=', '--detail', '__proto__=x']);

    expect(result.code).toBe(0);
    expect(sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input.input).toContain('"details":{"Note":"","__proto__":"x"}');
  });

  test.each([
    [
      'a --detail without =',
      ['--approver', ANA, '--subject', 'S', '--detail', 'Release'],
      '--detail "Release" must be KEY=VALUE, e.g. --detail Release=42.',
    ],
    ['a --detail without a key', ['--approver', ANA, '--subject', 'S', '--detail', '=42'], '--detail "=42" must be KEY=VALUE'],
    [
      'a --detail key twice',
      ['--approver', ANA, '--subject', 'S', '--detail', 'A=1', '--detail', 'A=2'],
      '--detail A is given more than once; give each key once.',
    ],
    [
      'a policy that is neither any nor all',
      ['--approver', ANA, '--subject', 'S', '--policy', 'most'],
      '--policy must be "any" or "all", not "most".',
    ],
    ['no --approver', ['--subject', 'S'], '--approver is missing.'],
    ['no --subject', ['--approver', ANA], '--subject is missing.'],
    ['an approver that is not an address', ['--approver', 'ana'], '--approver #1 "ana" is not an email address.'],
    [
      'the same approver twice, whatever the case',
      ['--approver', ANA, '--approver', 'Ana@Example.com', '--subject', 'S'],
      '--approver #2 "Ana@Example.com" repeats --approver #1.',
    ],
    [
      'an approver that looks like a field of the request',
      ['--approver', 'approvers[0]', '--subject', 'S'],
      '--approver #1 "approvers[0]" is not an email address.',
    ],
    [
      'a detail key that looks like a field of the request',
      ['--approver', ANA, '--subject', 'S', '--detail', 'approvers[1]=x\u202e'],
      '--detail "approvers[1]" contains Unicode bidirectional controls (U+202E)',
    ],
    [
      'the requester among the approvers',
      ['--approver', ANA, '--subject', 'S', '--requester', 'ANA@example.com'],
      '--requester "ANA@example.com" is also an approver: nobody may approve their own request.',
    ],
    [
      'a line break in the subject',
      ['--approver', ANA, '--subject', 'Deploy\nnow'],
      '--subject contains control characters such as line breaks (U+000A).',
    ],
    [
      'a bidirectional control in the subject',
      ['--approver', ANA, '--subject', 'Deploy \u202enow'],
      '--subject contains Unicode bidirectional controls (U+202E), which can make text read differently from what it is.',
    ],
    [
      'a subject of 201 characters',
      ['--approver', ANA, '--subject', 'S'.repeat(201)],
      '--subject is 201 characters long; the limit is 200.',
    ],
    [
      'a C1 control in a detail value',
      ['--approver', ANA, '--subject', 'S', '--detail', 'Release=4\u00852'],
      '--detail Release contains control characters',
    ],
    ['--subject twice', ['--approver', ANA, '--subject', 'S', '--subject', 'T'], '--subject is given more than once; give it once.'],
    ['--policy twice', ['--approver', ANA, '--subject', 'S', '--policy', 'any', '--policy', 'all'], '--policy is given more than once'],
    [
      'both forms at once',
      ['--approver', ANA, '--subject', 'S', '--manager-email', 'm@example.com'],
      '--manager-email, --approver, --subject: use either --manager-email and --employee-name (one manager, about an employee) ' +
        'or --approver and --subject (any request), not both.',
    ],
    ['both forms, the seed form first', ['--employee-name', 'Jim', '--policy', 'all'], '--employee-name, --policy: use either'],
    ['nothing to ask', [], 'Nothing to ask: give --approver ADDRESS and --subject TEXT (or --manager-email and --employee-name).'],
  ])('%s is a usage error before any AWS call', async (_case, args, message) => {
    const result = await run(args);

    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('Run `approval start --help` for usage.');
    expect(cfnMock).not.toHaveReceivedCommand(DescribeStacksCommand);
    expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  test('every problem is listed at once, and a comma-separated list of approvers gets a hint', async () => {
    const result = await run(['--approver', 'ana@example.com, ben@example.com', '--policy', 'some', '--detail', 'x']);

    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')).toEqual([
      '--detail "x" must be KEY=VALUE, e.g. --detail Release=42.',
      '--approver #1 "ana@example.com, ben@example.com" is not an email address.',
      '--policy must be "any" or "all", not "some".',
      '--subject is missing.',
      'Give each approver an --approver of their own: --approver ana@example.com --approver ben@example.com.',
      'Run `approval start --help` for usage.',
    ]);
  });

  test('the seed form still sends exactly its two fields', async () => {
    startsFine();

    const result = await run(['--manager-email', 'manager@example.com', '--employee-name', 'Jim Smith']);

    expect(result.code).toBe(0);
    expect(sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input.input).toBe(
      '{"managerEmailAddress":"manager@example.com","employeeName":"Jim Smith"}',
    );
    expect(result.stdout.split('\n')[1]).toMatch(/^manager@example\.com gets an email with Approve \/ Reject links as soon as/);
  });

  test('the seed form refuses bidirectional controls in the name, as the state machine does', async () => {
    const result = await run(['--manager-email', 'manager@example.com', '--employee-name', 'Jim \u202eSmith']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--employee-name contains Unicode bidirectional controls');
  });
});

describe('approval start --via', () => {
  test('sends via as given, repeatable, and says what the approvers get', async () => {
    startsFine();

    const result = await run(['--approver', ANA, '--approver', BEN, '--subject', 'Deploy release 42', '--via', 'slack', '--via', 'email']);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(startInput()).toStrictEqual({ approvers: [ANA, BEN], subject: 'Deploy release 42', via: ['slack', 'email'] });
    expect(result.stdout.split('\n')[1]).toContain(
      'ana@example.com and ben@example.com each get a Slack message with Approve / Reject buttons and an email with links',
    );
  });

  test('a Slack-only request says that someone Slack does not know is emailed', async () => {
    startsFine();

    const result = await run(['--approver', ANA, '--subject', 'Deploy release 42', '--via', 'slack']);

    expect(result.code).toBe(0);
    expect(startInput()).toStrictEqual({ approvers: [ANA], subject: 'Deploy release 42', via: ['slack'] });
    expect(result.stdout).toContain(
      'ana@example.com gets a Slack message with Approve / Reject buttons (or an email when Slack does not know their address)',
    );
  });

  test.each([
    ['a channel that does not exist', ['--via', 'sms'], '--via #1 "sms" is not a way to reach approvers: use "email", "slack" or both.'],
    ['a channel twice', ['--via', 'slack', '--via', 'slack'], '--via #2 "slack" repeats --via #1: give each channel once.'],
    ['a comma-separated list', ['--via', 'slack,email'], 'Give each channel a --via of its own: --via slack --via email.'],
  ])('%s is a usage error before any AWS call', async (_case, via, message) => {
    const result = await run(['--approver', ANA, '--subject', 'S', ...via]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  test('the seed form takes no --via', async () => {
    const result = await run(['--manager-email', 'manager@example.com', '--employee-name', 'Jim', '--via', 'slack']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--manager-email, --employee-name, --via: use either');
  });
});

describe('approval start --help', () => {
  test('documents both forms, the new flags, waiting, its exit codes and the CI example', async () => {
    const result = await runGate(['start', '--help']);

    expect(result.code).toBe(0);
    for (const flag of [
      '--approver ADDRESS',
      '--policy any|all',
      '--subject TEXT',
      '--detail KEY=VALUE',
      '--requester ADDRESS',
      '--via email|slack',
      '--wait',
    ]) {
      expect(result.stdout).toContain(flag);
    }
    expect(result.stdout).toContain('--manager-email ADDRESS');
    expect(result.stdout).toMatch(/^ {2}0 {4}approved$/m);
    expect(result.stdout).toMatch(/^ {2}3 {4}rejected$/m);
    expect(result.stdout).toMatch(/^ {2}4 {4}expired/m);
    expect(result.stdout).toMatch(/^ {2}1 {4}any other end/m);
    expect(result.stdout).toMatch(/^ {2}130 {2}Ctrl-C/m);
    expect(result.stdout).toContain(
      'approval start --wait --approver ana@example.com --approver ben@example.com --policy all --subject "Deploy release 42" && ./deploy.sh',
    );
  });

  test('states the limits the request check applies', async () => {
    const result = await runGate(['start', '--help']);

    expect(result.stdout).toContain(`(up to ${MAX_APPROVERS} distinct addresses)`);
    expect(result.stdout).toContain(`--subject TEXT           what is to be decided (up to ${MAX_SUBJECT_LENGTH} characters, one line)`);
    expect(result.stdout).toContain(`repeat for more (up to ${MAX_DETAILS})`);
    expect(result.stdout).toContain(`(at most ${MAX_EMPLOYEE_NAME_LENGTH} characters, one line)`);
  });

  test('the command list names wait, and the overview gives the exit codes', async () => {
    const result = await runGate(['--help']);

    expect(result.stdout).toMatch(/^ {2}wait {12}wait for a request to be decided/m);
    expect(result.stdout).toContain('3 rejected and 4 expired');
  });
});

function run(args: string[]) {
  return runGate(['start', ...args]);
}
