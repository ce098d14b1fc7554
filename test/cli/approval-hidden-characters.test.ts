import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
  SFNServiceException,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  ANA,
  BEN,
  deployedStack,
  executionArn,
  generalInput,
  History,
  record,
  running,
  runGate,
  STARTED,
  succeeded,
  failed,
} from './gate-fixtures';

/**
 * Everything the CLI prints from an execution is anyone's text: the execution name (Step Functions
 * allows bidirectional controls in it, so whoever starts an execution can choose one that reads
 * differently), the input of an execution started by other means than the CLI, the approver's
 * comment and user agent in the decision record, AWS error messages that quote what was sent.
 * None of it may reach a terminal or a log with a control character or a bidirectional control
 * that the terminal would obey.
 */

const sfnMock = mockClient(SFNClient);
const cfnMock = mockClient(CloudFormationClient);

beforeEach(() => {
  sfnMock.reset();
  cfnMock.reset();
});

/** What a terminal or a log viewer would obey rather than show, outside of a line break. */
const OBEYED = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u206f\ufff9-\ufffb]/;
/** The progress line's own control sequence: a carriage return and "erase line". */
const CLEAR_LINE = '\r\u001b[2K';

// Shown "release-42", stored "release-24": U+202E reverses what follows it.
const SPOOFED_NAME = 'release-\u202e24\u202c-\u2066ok\u2069';
const SPOOFED_ARN = executionArn(SPOOFED_NAME);
const ESCAPED_ARN = executionArn('release-\\u202e24\\u202c-\\u2066ok\\u2069');
const INPUT = generalInput('all');
const COMMENT = 'OK \u202etxen\u202c, see \u001b[31mred\u001b[0m \u200fnow\u0085';
const USER_AGENT = 'Mozilla/5.0 \u2067evil\u2069';
const ANA_APPROVES = record('approved', '21/Nov/2026:10:00:04 +0000', { comment: COMMENT });
const BEN_APPROVES = { ...record('approved', '21/Nov/2026:10:00:06 +0000'), userAgent: USER_AGENT, 'note\u202e': 'x\u206a' };

function approved(name: string) {
  return succeeded(name, INPUT, {
    policy: 'all',
    approvers: [ANA, BEN],
    decisions: [
      { ...ANA_APPROVES, approver: ANA },
      { ...BEN_APPROVES, approver: BEN },
    ],
  });
}

/** The history of the request while the emails go out, then once both approved. */
function histories(arn: string): void {
  const sending = new History(INPUT, { reminderCount: 2, reminderIntervalSeconds: 86_400 });
  const anaTask = sending.scheduled(ANA, 1, 1);
  sending.scheduled(BEN, 1, 1);
  sending.started(anaTask, 1);
  const done = new History(INPUT, { reminderCount: 2, reminderIntervalSeconds: 86_400 });
  const anaDone = done.scheduled(ANA, 1, 1);
  const benDone = done.scheduled(BEN, 1, 1);
  done.approved(done.started(anaDone, 1), 4, ANA_APPROVES);
  done.approved(done.started(benDone, 3), 6, BEN_APPROVES);
  sfnMock
    .on(GetExecutionHistoryCommand, { executionArn: arn })
    .resolvesOnce({ events: sending.snapshot() })
    .resolves({ events: done.snapshot() });
}

function expectNothingObeyed(...outputs: string[]): void {
  for (const output of outputs) expect(output).not.toMatch(OBEYED);
}

describe('approval status of an execution with a spoofed name and hostile records', () => {
  beforeEach(() => {
    sfnMock.on(DescribeExecutionCommand, { executionArn: SPOOFED_ARN }).resolves(approved(SPOOFED_NAME));
    histories(SPOOFED_ARN);
  });

  test('plain: the ARN, the comment, the user agent and a field of the record are printed escaped', async () => {
    const result = await runGate(['status', SPOOFED_ARN]);

    expect(result.code).toBe(0);
    expectNothingObeyed(result.stdout, result.stderr);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe(`Execution   ${ESCAPED_ARN}`);
    expect(lines).toContain('Comment     OK \\u202etxen\\u202c, see \\u001b[31mred\\u001b[0m \\u200fnow\\u0085');
    expect(lines).toContain('User agent  Mozilla/5.0 \\u2067evil\\u2069');
    expect(lines).toContain('note\\u202e  x\\u206a');
    expect(result.stdout).toContain('comment "OK \\u202etxen\\u202c, see');
  });

  test('--json: every string is exact once parsed, and no bidirectional control is written as it is', async () => {
    const result = await runGate(['status', SPOOFED_ARN, '--json']);

    expect(result.code).toBe(0);
    expectNothingObeyed(result.stdout);
    expect(result.stdout).toContain('"executionArn": "arn:aws:states:eu-west-1:123456789012:execution:HumanApproval:release-\\u202e24');
    const view = JSON.parse(result.stdout) as { executionArn: string; name: string; decisions: Array<Record<string, string>> };
    expect(view.executionArn).toBe(SPOOFED_ARN);
    expect(view.name).toBe(SPOOFED_NAME);
    expect(view.decisions).toEqual([
      { ...ANA_APPROVES, approver: ANA },
      { ...BEN_APPROVES, approver: BEN },
    ]);
  });
});

describe('approval wait and start of a request with a spoofed name', () => {
  test('on a terminal: the progress line and the outcome show no bidirectional control', async () => {
    sfnMock
      .on(DescribeExecutionCommand, { executionArn: SPOOFED_ARN })
      .resolvesOnce(running(SPOOFED_NAME, INPUT))
      .resolves(approved(SPOOFED_NAME));
    histories(SPOOFED_ARN);

    const result = await runGate(['wait', SPOOFED_ARN], { ttyColumns: 200 });

    expect(result.code).toBe(0);
    const writes = result.transcript.split(CLEAR_LINE);
    expect(writes[1]).toMatch(/^Waiting \(all of 2\): ana@example\.com: emailed/);
    expectNothingObeyed(...writes, result.stderr);
    expect(result.stdout).toContain('Approved by ana@example.com (approved at 21/Nov/2026:10:00:04 +0000, comment "OK \\u202etxen');
    expect(result.stdout).toContain(`Execution   ${ESCAPED_ARN}`);
  });

  test('in a log, and with --json', async () => {
    sfnMock
      .on(DescribeExecutionCommand, { executionArn: SPOOFED_ARN })
      .resolvesOnce(running(SPOOFED_NAME, INPUT))
      .resolves(approved(SPOOFED_NAME));
    histories(SPOOFED_ARN);
    const logged = await runGate(['wait', SPOOFED_ARN]);
    sfnMock.reset();
    sfnMock.on(DescribeExecutionCommand, { executionArn: SPOOFED_ARN }).resolves(approved(SPOOFED_NAME));
    histories(SPOOFED_ARN);
    const json = await runGate(['wait', SPOOFED_ARN, '--json']);

    expect([logged.code, json.code]).toEqual([0, 0]);
    expectNothingObeyed(logged.transcript, logged.stderr, json.transcript, json.stderr);
    expect((JSON.parse(json.stdout) as { executionArn: string }).executionArn).toBe(SPOOFED_ARN);
  });

  test('Ctrl-C: the command to wait again shows the ARN escaped', async () => {
    sfnMock.on(DescribeExecutionCommand, { executionArn: SPOOFED_ARN }).resolves(running(SPOOFED_NAME, INPUT));
    histories(SPOOFED_ARN);

    const result = await runGate(['wait', SPOOFED_ARN], { interruptAtSleep: 1 });

    expect(result.code).toBe(130);
    expectNothingObeyed(result.transcript.replaceAll(CLEAR_LINE, ''), result.stderr);
    expect(result.stderr).toContain(`approval wait ${ESCAPED_ARN}`);
  });

  test('start prints the ARN Step Functions answers escaped: plain, --json and --wait', async () => {
    deployedStack(cfnMock);
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: SPOOFED_ARN, startDate: STARTED });
    sfnMock.on(DescribeExecutionCommand, { executionArn: SPOOFED_ARN }).resolves(approved(SPOOFED_NAME));
    histories(SPOOFED_ARN);
    const request = ['start', '--approver', ANA, '--approver', BEN, '--policy', 'all', '--subject', 'Deploy release 42'];

    const plain = await runGate(request);
    const json = await runGate([...request, '--json']);
    const waited = await runGate([...request, '--wait']);

    expect([plain.code, json.code, waited.code]).toEqual([0, 0, 0]);
    expectNothingObeyed(plain.transcript, json.transcript, waited.transcript, plain.stderr, json.stderr, waited.stderr);
    expect(plain.stdout.split('\n')[0]).toBe(ESCAPED_ARN);
    expect(plain.stdout).toContain(`approval status ${ESCAPED_ARN}`);
    expect(JSON.parse(json.stdout)).toEqual({ executionArn: SPOOFED_ARN, startDate: STARTED.toISOString() });
    expect(waited.stdout.split('\n')[0]).toBe(`Started ${ESCAPED_ARN}`);
  });
});

describe('approval list of requests started by other means than the CLI', () => {
  test('the table and --json show no bidirectional control: name, subject, approvers', async () => {
    deployedStack(cfnMock);
    const hostileInput = { approvers: ['ana\u202e@example.com'], subject: 'Pay \u2067EUR 100\u2069 \u200fnow\u0007' };
    const execution = failed(
      SPOOFED_NAME,
      hostileInput,
      'InvalidRequest',
      'Invalid approval request: approvers[0] "ana\\u202e@example.com" ...',
    );
    sfnMock.on(ListExecutionsCommand).resolves({
      executions: [
        { executionArn: SPOOFED_ARN, name: SPOOFED_NAME, stateMachineArn: execution.stateMachineArn, status: 'FAILED', startDate: STARTED },
      ],
    });
    sfnMock.on(DescribeExecutionCommand, { executionArn: SPOOFED_ARN }).resolves(execution);

    const table = await runGate(['list', '--all']);
    const json = await runGate(['list', '--all', '--json']);

    expect([table.code, json.code]).toEqual([0, 0]);
    expectNothingObeyed(table.stdout, table.stderr, json.stdout, json.stderr);
    expect(table.stdout).toContain(ESCAPED_ARN);
    expect(table.stdout).toContain('ana\\u202e@example.com');
    expect(table.stdout).toContain('Pay \\u2067EUR 100\\u2069 \\u200fnow\\u0007');
    expect((JSON.parse(json.stdout) as Array<{ subject: string }>)[0]?.subject).toBe(hostileInput.subject);
  });
});

describe('messages that quote what was typed or what AWS answered', () => {
  test.each([
    ['an argument that is no ARN', ['status', 'release-\u202e24'], '"release-\\u202e24" is not an execution ARN'],
    [
      'a state machine ARN',
      ['wait', 'arn:aws:states:eu-west-1:1:stateMachine:M\u202e'],
      'arn:aws:states:eu-west-1:1:stateMachine:M\\u202e is a state machine ARN',
    ],
    ['an unknown option', ['status', '--\u202ejson'], 'Unknown option --\\u202ejson'],
    ['an unknown command', ['sta\u202etus'], 'Unknown command "sta\\u202etus"'],
    ['an option before the command', ['--\u2066x'], 'approval <command> --\\u2066x'],
    ['an unexpected argument', ['list', 'x\u202e'], 'Unexpected argument "x\\u202e"'],
    [
      'a detail that is not KEY=VALUE',
      ['start', '--approver', ANA, '--subject', 'S', '--detail', 'x\u202e'],
      '--detail "x\\u202e" must be KEY=VALUE',
    ],
    [
      'a repeated detail key',
      ['start', '--approver', ANA, '--subject', 'S', '--detail', 'K\u202e=1', '--detail', 'K\u202e=2'],
      '--detail K\\u202e is given more than once',
    ],
  ])('%s: the message shows the bidirectional control escaped', async (_case, args, message) => {
    const result = await runGate(args);

    expect(result.code).toBe(2);
    expectNothingObeyed(result.stdout, result.stderr);
    expect(result.stderr).toContain(message);
  });

  test.each([
    ['U+202E', 'release-\u202e24', 'U+202E'],
    ['U+200F', 'release\u200f-42', 'U+200F'],
    ['U+2066', 'a\u2066b', 'U+2066'],
  ])('--name with %s is refused, naming the character: the name would read differently in every listing', async (_case, name, named) => {
    const result = await runGate(['start', '--approver', ANA, '--subject', 'Deploy', '--name', name]);

    expect(result.code).toBe(2);
    expectNothingObeyed(result.stderr);
    expect(result.stderr).toContain(
      `--name "${name.replace(/[\u200f\u202e\u2066]/, (c) => `\\u${c.charCodeAt(0).toString(16)}`)}" contains Unicode bidirectional controls (${named})`,
    );
    expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  test.each([
    ['--subject', ['--approver', ANA, '--subject', 'Deploy \u200f42'], '--subject contains Unicode bidirectional controls (U+200F)'],
    [
      '--detail value',
      ['--approver', ANA, '--subject', 'S', '--detail', 'Amount=1\u061c00'],
      '--detail Amount contains Unicode bidirectional controls (U+061C)',
    ],
    [
      '--detail key',
      ['--approver', ANA, '--subject', 'S', '--detail', 'Amount\u200e=100'],
      '--detail key "Amount\\u200e" contains Unicode bidirectional controls (U+200E)',
    ],
    [
      '--detail with a hidden format character',
      ['--approver', ANA, '--subject', 'S', '--detail', 'Payee=ACME\ufff9x'],
      '--detail Payee contains invisible format characters (U+FFF9)',
    ],
    [
      '--requester',
      ['--approver', ANA, '--subject', 'S', '--requester', 'dev\u200e@example.com'],
      '--requester "dev\\u200e@example.com" is not an email address',
    ],
    [
      '--approver',
      ['--approver', 'ana\u202e@example.com', '--subject', 'S'],
      '--approver #1 "ana\\u202e@example.com" is not an email address',
    ],
    [
      '--employee-name',
      ['--manager-email', 'm@example.com', '--employee-name', 'Jim\u200f'],
      '--employee-name contains Unicode bidirectional controls (U+200F)',
    ],
    [
      '--manager-email',
      ['--manager-email', 'm\u2066@example.com', '--employee-name', 'Jim'],
      '--manager-email "m\\u2066@example.com" is not an email address',
    ],
  ])('%s: refused before any AWS call, naming the character', async (_case, args, message) => {
    const result = await runGate(['start', ...args]);

    expect(result.code).toBe(2);
    expectNothingObeyed(result.stderr);
    expect(result.stderr).toContain(message);
    expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  test('an execution that does not exist, and an AWS error that quotes the name, are printed escaped', async () => {
    sfnMock
      .on(DescribeExecutionCommand)
      .rejectsOnce(new ExecutionDoesNotExist({ $metadata: {}, message: `Execution does not exist: '${SPOOFED_ARN}'` }))
      .rejects(
        new SFNServiceException({
          name: 'InvalidArn',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
          message: `Invalid Arn: 'Resource type not valid in this context: ${SPOOFED_NAME}'`,
        }),
      );

    const missing = await runGate(['status', SPOOFED_ARN]);
    const invalid = await runGate(['status', SPOOFED_ARN]);

    expect([missing.code, invalid.code]).toEqual([1, 1]);
    expectNothingObeyed(missing.stderr, invalid.stderr);
    expect(missing.stderr).toContain(`No execution ${ESCAPED_ARN}`);
    expect(invalid.stderr).toContain("InvalidArn: Invalid Arn: 'Resource type not valid in this context: release-\\u202e24");
  });
});

describe('characters that show nothing, tags and lone surrogates', () => {
  // A soft hyphen, the Mongolian vowel separator, an invisible operator, "ok" in tag characters, half a surrogate pair.
  const HIDDEN_SUBJECT = 'Pay\u00ad 100\u180e EUR\u2062 \u{e006f}\u{e006b}now \ud800';
  const ESCAPED_SUBJECT = 'Pay\\u00ad 100\\u180e EUR\\u2062 \\udb40\\udc6f\\udb40\\udc6bnow \\ud800';
  const SHOWN_AS_IS = /[\u00ad\u180e\u2061-\u2064]|\udb40[\udc00-\udc7f]|[\ud800-\udfff]/u;

  test('approval list prints them escaped in the table and in --json, which parses back to the exact subject', async () => {
    deployedStack(cfnMock);
    const input = { approvers: [ANA], subject: HIDDEN_SUBJECT };
    const name = 'hidden-text';
    const arn = executionArn(name);
    const execution = failed(name, input, 'InvalidRequest', 'Invalid approval request: subject contains ...');
    sfnMock.on(ListExecutionsCommand).resolves({
      executions: [{ executionArn: arn, name, stateMachineArn: execution.stateMachineArn, status: 'FAILED', startDate: STARTED }],
    });
    sfnMock.on(DescribeExecutionCommand, { executionArn: arn }).resolves(execution);

    const table = await runGate(['list', '--all']);
    const json = await runGate(['list', '--all', '--json']);

    expect([table.code, json.code]).toEqual([0, 0]);
    for (const output of [table.stdout, json.stdout]) expect(output).not.toMatch(SHOWN_AS_IS);
    // The table's column shows the start of the subject.
    expect(table.stdout).toContain(ESCAPED_SUBJECT.slice(0, 40));
    expect(json.stdout).toContain(ESCAPED_SUBJECT);
    expect((JSON.parse(json.stdout) as Array<{ subject: string }>)[0]?.subject).toBe(HIDDEN_SUBJECT);
  });

  test.each([
    [
      'an encoded word in --subject',
      ['--approver', ANA, '--subject', '=?UTF-8?B?4oCuRGVwbG95?='],
      '--subject contains MIME encoded-word syntax',
    ],
    [
      'an encoded word in --employee-name',
      ['--manager-email', 'm@example.com', '--employee-name', '=?utf-8?q?=E2=80=AEJim?='],
      '--employee-name contains MIME encoded-word syntax',
    ],
    [
      'a --subject that shows nothing',
      ['--approver', ANA, '--subject', '\u3164'],
      '--subject shows nothing: it holds only blank or invisible characters (U+3164)',
    ],
    [
      'a --subject of stacked marks',
      ['--approver', ANA, '--subject', `D${'\u0336'.repeat(30)}`],
      '--subject has 30 combining marks in a row; at most 8 may stack',
    ],
    [
      'a tag character in --subject',
      ['--approver', ANA, '--subject', 'Deploy\u{e0041}'],
      '--subject contains invisible format characters (U+E0041)',
    ],
    [
      'the same approver twice through a +tag',
      ['--approver', ANA, '--approver', 'ana+2@example.com', '--policy', 'all', '--subject', 'S'],
      '--approver #2 "ana+2@example.com" repeats --approver #1 "ana@example.com": addresses that differ only in a +tag reach one mailbox',
    ],
    [
      'a requester approving through a +tag',
      ['--approver', 'dev+ok@example.com', '--subject', 'S', '--requester', 'dev@example.com'],
      '--requester "dev@example.com" is also an approver as --approver #1 "dev+ok@example.com"',
    ],
  ])('approval start refuses %s before any AWS call', async (_case, args, message) => {
    const result = await runGate(['start', ...args]);

    expect(result.code).toBe(2);
    expect(result.stderr).not.toMatch(SHOWN_AS_IS);
    expect(result.stderr).toContain(message);
    expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
  });
});
