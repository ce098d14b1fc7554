import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { MAX_PAYLOAD_BYTES } from '../../statemachine/step-functions-limits';
import { ANA, BEN, deployedStack, executionArn, record, running, runGate, STARTED, STATE_MACHINE_ARN, succeeded } from './gate-fixtures';

const sfnMock = mockClient(SFNClient);
const cfnMock = mockClient(CloudFormationClient);
let folder: string;

beforeEach(() => {
  sfnMock.reset();
  cfnMock.reset();
  folder = mkdtempSync(join(tmpdir(), 'approval-request-'));
});

afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

const ARN = executionArn('release-42');

/** A request file as someone writes it: indented, with a field no option sets. */
const RELEASE_42 = `{
  "approvers": ["ana@example.com", "ben@example.com"],
  "policy": "all",
  "subject": "Deploy release 42",
  "details": { "Release": "42", "Change window": "Tue 18:00-20:00" },
  "requester": "dev@example.com",
  "via": ["slack", "email"],
  "ticket": { "id": "REL-42", "build": 12345678901234567890 }
}
`;

function requestFile(content: string | Buffer, name = 'release-42.json'): string {
  const path = join(folder, name);
  writeFileSync(path, content);
  return path;
}

function startsFine(): void {
  deployedStack(cfnMock);
  sfnMock.on(StartExecutionCommand).resolves({ executionArn: ARN, startDate: STARTED });
}

/** A general request of exactly `bytes` bytes, padded by an extra field. */
function requestOfSize(bytes: number): string {
  const head = '{"approvers":["ana@example.com"],"subject":"Deploy release 42","padding":"';
  const tail = '"}';
  return `${head}${'x'.repeat(bytes - head.length - tail.length)}${tail}`;
}

function expectNothingStarted(): void {
  expect(cfnMock).not.toHaveReceivedCommand(DescribeStacksCommand);
  expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
}

describe('approval start --request FILE', () => {
  test('starts one execution whose input is the file exactly as written, big numbers and extra fields included', async () => {
    startsFine();
    const path = requestFile(RELEASE_42);

    const result = await runGate(['start', '--request', path, '--name', 'release-42']);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(1);
    expect(sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input).toStrictEqual({
      stateMachineArn: STATE_MACHINE_ARN,
      input: RELEASE_42,
      name: 'release-42',
    });
    const [arn, next] = result.stdout.split('\n');
    expect(arn).toBe(ARN);
    expect(next).toContain(
      'ana@example.com and ben@example.com each get a Slack message with Approve / Reject buttons and an email with links',
    );
    expect(next).toContain(`approval wait ${ARN}`);
  });

  test('reads the request from standard input with -', async () => {
    startsFine();
    const request = '{"managerEmailAddress": "manager@example.com", "employeeName": "Jim Smith"}';

    const result = await runGate(['start', '--request', '-', '--json'], { stdin: request });

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input.input).toBe(request);
    expect(JSON.parse(result.stdout)).toStrictEqual({ executionArn: ARN, startDate: STARTED.toISOString() });
  });

  test('a file written with a UTF-8 byte order mark is sent without it', async () => {
    startsFine();
    const request = '{"approvers": ["ana@example.com"], "subject": "Refund order 1234"}';
    const path = requestFile(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(request)]));

    const result = await runGate(['start', '--request', path]);

    expect(result.code).toBe(0);
    expect(sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input.input).toBe(request);
  });

  test('a file of exactly 256 KiB is started', async () => {
    startsFine();
    const path = requestFile(requestOfSize(MAX_PAYLOAD_BYTES));

    const result = await runGate(['start', '--request', path]);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input.input).toHaveLength(MAX_PAYLOAD_BYTES);
  });

  test('--wait waits for the decision of a request from a file, and exits 0 when approved', async () => {
    startsFine();
    const request = { approvers: [ANA, BEN], policy: 'any', subject: 'Deploy release 42' };
    const approval = {
      policy: 'any',
      approvers: [ANA, BEN],
      decision: { ...record('approved', '21/Nov/2026:10:00:04 +0000'), approver: BEN },
    };
    sfnMock
      .on(DescribeExecutionCommand, { executionArn: ARN })
      .resolvesOnce(running('release-42', request))
      .resolves(succeeded('release-42', request, approval));
    const path = requestFile(JSON.stringify(request));

    const result = await runGate(['start', '--request', path, '--wait']);

    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe(`Started ${ARN}`);
    expect(result.stdout).toContain('Approved by ben@example.com');
  });
});

describe('approval start --request: nothing is started when', () => {
  test.each([
    ['the file does not exist', () => join(folder, 'release-43.json'), /^--request \S+release-43\.json: no such file\.$/m],
    ['the path is a folder', () => folder, /^--request \S+ is a directory, not a file\.$/m],
    [
      'the file is larger than 256 KiB',
      () => requestFile(requestOfSize(MAX_PAYLOAD_BYTES + 1)),
      /^--request \S+release-42\.json is larger than 262,144 bytes \(256 KiB\), the most Step Functions takes as an execution input\.$/m,
    ],
    ['the file is empty', () => requestFile('\n'), /release-42\.json is empty: give the whole request as one JSON object\.$/m],
    [
      'the file is not JSON: says the line and column and shows a little from there',
      () => requestFile('{\n  "approvers": ["ana@example.com"]\n  "subject": "Deploy release 42"\n}\n'),
      /release-42\.json is not JSON: line 3, column 3: expected ',' or '}', found: "subject": "Deploy release 42"\.$/m,
    ],
    [
      'the file ends in the middle',
      () => requestFile('{"approvers": ["ana@example.com"], "subject": "Deploy'),
      /release-42\.json is not JSON: it ends at line 1, column 54: expected '"' to close the string\.$/m,
    ],
    [
      'the file is UTF-16',
      () => requestFile(Buffer.from('\ufeff{"subject": "x"}', 'utf16le')),
      /is not UTF-8 text \(it is UTF-16: save it as UTF-8\)\.$/m,
    ],
    [
      'the file holds an array',
      () => requestFile(`[${RELEASE_42}]`),
      /release-42\.json must hold one JSON object, the request, not an array\.$/m,
    ],
    ['the file holds a string', () => requestFile('"ana@example.com"'), /must hold one JSON object, the request, not a string\.$/m],
  ])('%s', async (_case, path, message) => {
    const result = await runGate(['start', '--request', path()]);

    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain('Run `approval start --help` for usage.');
    expectNothingStarted();
  });

  test('JSON that is not valid shows at most 40 characters of it, escaped', async () => {
    const path = requestFile(`{"subject": "Deploy", \u001b[31m${'x'.repeat(500)}}`);

    const result = await runGate(['start', '--request', path]);

    expect(result.code).toBe(2);
    const [line] = result.stderr.split('\n');
    expect(line).toMatch(/is not JSON: line 1, column 23: expected a property name in double quotes, found: \\u001b\[31mx{35}\.\.\.\.$/);
    expect(line).not.toContain('\u001b');
  });

  test('the request check names every problem by its JSON path, and the file', async () => {
    const path = requestFile(
      JSON.stringify({ approvers: [ANA, 'x', 'Ana@Example.com'], subject: 'Deploy\nnow', details: { Release: 42 }, policy: 'most' }),
    );

    const result = await runGate(['start', '--request', path]);

    expect(result.code).toBe(2);
    const label = `--request ${path}`;
    expect(result.stderr.split('\n')).toEqual([
      `${label}: approvers[1] "x" is not an email address.`,
      `${label}: approvers[2] "Ana@Example.com" repeats approvers[0].`,
      `${label}: policy must be "any" or "all", not "most".`,
      `${label}: subject contains control characters such as line breaks (U+000A).`,
      `${label}: details.Release must be a string, not a number.`,
      'Run `approval start --help` for usage.',
    ]);
    expectNothingStarted();
  });

  test('standard input is named as such', async () => {
    const result = await runGate(['start', '--request', '-'], { stdin: '{"approvers": ["ana@example.com"]}' });

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--request - (standard input): subject is missing.');
    expectNothingStarted();
  });

  test('the request holds the reserved key approval', async () => {
    const path = requestFile(JSON.stringify({ approvers: [ANA], subject: 'Deploy release 42', approval: { parentTaskToken: 'AAAA' } }));

    const result = await runGate(['start', '--request', path]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `--request ${path}: approval is reserved for the state machine (it keeps the checked request and the decision there, ` +
        "and a parent state machine's task token goes in approval.parentTaskToken): leave it out.",
    );
    expect(result.stderr).not.toContain('AAAA');
    expectNothingStarted();
  });

  test('options of a request are given beside it, named; the file is not even read', async () => {
    const result = await runGate(['start', '--request', join(folder, 'release-43.json'), '--approver', ANA, '--via', 'slack']);

    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe('--request cannot be combined with --approver, --via: the file holds the whole request.');
    expect(result.stderr).not.toContain('no such file');
    expectNothingStarted();
  });

  test('--request is given twice', async () => {
    const path = requestFile(RELEASE_42);

    const result = await runGate(['start', '--request', path, '--request', path]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--request is given more than once; give it once.');
    expectNothingStarted();
  });
});

describe('approval start --help', () => {
  test('documents --request and its example', async () => {
    const result = await runGate(['start', '--help']);

    expect(result.stdout).toContain('approval start --request FILE [options]');
    expect(result.stdout).toMatch(/^ {2}--request FILE {11}a JSON object/m);
    expect(result.stdout).toContain('approval start --request release-42.json --wait');
  });
});
