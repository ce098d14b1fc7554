import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingHttpHeaders } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  CloudFormationClient,
  CloudFormationServiceException,
  DescribeStacksCommand,
  type CloudFormationClientConfig,
} from '@aws-sdk/client-cloudformation';
import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
  SFNServiceException,
  StartExecutionCommand,
  type DescribeExecutionCommandOutput,
  type SFNClientConfig,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { defaultDependencies, runApprovalCli } from '../../cli/approval';
import { MAX_EMPLOYEE_NAME_LENGTH } from '../../functions/commons/approval-request';
import { type SlackMessageRecord, toItem } from '../../functions/commons/slack-message-records';
import { configuredStackName } from '../../infra/stack-name';
import { STACK_OUTPUTS } from '../../infra/stack-outputs';

let sfnMock = mockClient(SFNClient);
const cfnMock = mockClient(CloudFormationClient);
const dynamoMock = mockClient(DynamoDBClient);

const ACCOUNT = '123456789012';
const STATE_MACHINE_ARN = `arn:aws:states:eu-west-1:${ACCOUNT}:stateMachine:HumanApproval`;
const executionArn = (name: string) => `arn:aws:states:eu-west-1:${ACCOUNT}:execution:HumanApproval:${name}`;
const REQUEST = { managerEmailAddress: 'manager@example.com', employeeName: 'Jim Smith' };
const STARTED = new Date('2026-11-21T10:00:00.000Z');
const STOPPED = new Date('2026-11-21T10:05:00.000Z');
const APPROVED_RECORD = {
  decision: 'approved',
  decidedAt: '21/Nov/2026:10:05:00 +0000',
  sourceIp: '203.0.113.9',
  userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0',
  requestId: '7f1c2b1e-5a1d-4c1e-9a55-0d2a8c0b6e11',
};
const REJECTED_RECORD = { ...APPROVED_RECORD, decision: 'rejected', requestId: '0b6e11aa-9a55-4c1e-5a1d-7f1c2b1e0d2a' };
type ExecutionDescription = Omit<DescribeExecutionCommandOutput, '$metadata'>;

const EXPIRED_CAUSE = 'Nobody approved or rejected the request before the last reminder ran out.';

const executions = {
  approved: {
    executionArn: executionArn('approved-1'),
    name: 'approved-1',
    stateMachineArn: STATE_MACHINE_ARN,
    status: 'SUCCEEDED',
    startDate: STARTED,
    stopDate: STOPPED,
    input: JSON.stringify(REQUEST),
    output: JSON.stringify({ ...REQUEST, approval: { attempt: 1, decision: APPROVED_RECORD } }),
  },
  rejected: {
    executionArn: executionArn('rejected-1'),
    name: 'rejected-1',
    stateMachineArn: STATE_MACHINE_ARN,
    status: 'FAILED',
    startDate: STARTED,
    stopDate: STOPPED,
    input: JSON.stringify(REQUEST),
    error: 'Rejected',
    cause: JSON.stringify(REJECTED_RECORD),
  },
  expired: {
    executionArn: executionArn('expired-1'),
    name: 'expired-1',
    stateMachineArn: STATE_MACHINE_ARN,
    status: 'FAILED',
    startDate: STARTED,
    stopDate: STOPPED,
    input: JSON.stringify(REQUEST),
    error: 'Expired',
    cause: EXPIRED_CAUSE,
  },
  running: {
    executionArn: executionArn('running-1'),
    name: 'running-1',
    stateMachineArn: STATE_MACHINE_ARN,
    status: 'RUNNING',
    startDate: STARTED,
    input: JSON.stringify(REQUEST),
  },
} satisfies Record<string, ExecutionDescription>;

interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly sfnConfigs: SFNClientConfig[];
  readonly cfnConfigs: CloudFormationClientConfig[];
}

async function run(args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const sfnConfigs: SFNClientConfig[] = [];
  const cfnConfigs: CloudFormationClientConfig[] = [];
  const code = await runApprovalCli(args, {
    // The doctor's clients are real but unused here: `doctor` has its own tests (doctor.test.ts).
    ...defaultDependencies(),
    output: { stdout: (text) => stdout.push(text), stderr: (text) => stderr.push(text) },
    env,
    createSfnClient: (config) => {
      sfnConfigs.push(config);
      return new SFNClient(config);
    },
    createCloudFormationClient: (config) => {
      cfnConfigs.push(config);
      return new CloudFormationClient(config);
    },
    createDynamoDbClient: (config) => new DynamoDBClient(config),
    defaultStackName: 'HumanApproval',
  });
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n'), sfnConfigs, cfnConfigs };
}

function deployedStack(
  outputs: ReadonlyArray<{ OutputKey: string; OutputValue: string }> = [
    { OutputKey: STACK_OUTPUTS.stateMachineArn, OutputValue: STATE_MACHINE_ARN },
  ],
): void {
  cfnMock.on(DescribeStacksCommand, { StackName: 'HumanApproval' }).resolves({
    Stacks: [
      {
        StackName: 'HumanApproval',
        StackStatus: 'CREATE_COMPLETE',
        CreationTime: STARTED,
        Outputs: [
          { OutputKey: STACK_OUTPUTS.approvalApiUrl, OutputValue: 'https://abc123.execute-api.eu-west-1.amazonaws.com/respond/' },
          ...outputs,
        ],
      },
    ],
  });
}

function stackNotFound(): CloudFormationServiceException {
  return new CloudFormationServiceException({
    name: 'ValidationError',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message: 'Stack with id HumanApproval does not exist',
  });
}

beforeEach(() => {
  sfnMock.reset();
  cfnMock.reset();
  dynamoMock.reset();
});

describe('approval start', () => {
  test('starts an execution of the stack state machine with exactly the request and prints its ARN', async () => {
    deployedStack();
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: executionArn('abc'), startDate: STARTED });

    const result = await run([
      'start',
      '--manager-email',
      REQUEST.managerEmailAddress,
      '--employee-name',
      REQUEST.employeeName,
      '--region',
      'eu-west-1',
    ]);

    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const [arnLine, nextLine] = result.stdout.split('\n');
    expect(arnLine).toBe(executionArn('abc'));
    expect(nextLine).toContain('manager@example.com gets an email with Approve / Reject links');
    expect(nextLine).toContain(`approval status ${executionArn('abc')}`);
    expect(cfnMock).toHaveReceivedCommandWith(DescribeStacksCommand, { StackName: 'HumanApproval' });
    expect(result.cfnConfigs).toEqual([{ region: 'eu-west-1' }]);
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    expect(sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input).toStrictEqual({
      stateMachineArn: STATE_MACHINE_ARN,
      input: '{"managerEmailAddress":"manager@example.com","employeeName":"Jim Smith"}',
    });
  });

  test('--json prints one JSON object with the ARN and the start date, and --name names the execution', async () => {
    deployedStack();
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: executionArn('leave-2026-11'), startDate: STARTED });

    const result = await run([
      'start',
      '--manager-email',
      'manager@example.com',
      '--employee-name',
      'Jim Smith',
      '--name',
      'leave-2026-11',
      '--json',
    ]);

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toStrictEqual({ executionArn: executionArn('leave-2026-11'), startDate: '2026-11-21T10:00:00.000Z' });
    expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, { name: 'leave-2026-11' });
  });

  test('a bad email address is a usage error (exit 2) before any AWS call', async () => {
    const result = await run(['start', '--manager-email', 'bob, eve@example.com', '--employee-name', 'Jim']);

    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('--manager-email "bob, eve@example.com" is not an email address.');
    expect(result.stderr).toContain('approval start --help');
    expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
    expect(cfnMock).not.toHaveReceivedCommand(DescribeStacksCommand);
  });

  test.each([
    ['missing', undefined, '--employee-name is missing.'],
    ['blank', '   ', '--employee-name is empty.'],
    ['a line break', 'Jim\nBcc: eve@example.com', '--employee-name contains control characters such as line breaks (U+000A).'],
    [
      'too long',
      'J'.repeat(MAX_EMPLOYEE_NAME_LENGTH + 1),
      `--employee-name is ${MAX_EMPLOYEE_NAME_LENGTH + 1} characters long; the limit is ${MAX_EMPLOYEE_NAME_LENGTH}.`,
    ],
  ])('an employee name that is %s is a usage error', async (_case, name, message) => {
    const result = await run(['start', '--manager-email', 'manager@example.com', ...(name === undefined ? [] : ['--employee-name', name])]);

    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe(message);
    expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  test('an execution name Step Functions would refuse is a usage error', async () => {
    const result = await run(['start', '--manager-email', 'manager@example.com', '--employee-name', 'Jim', '--name', 'leave request']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--name "leave request" has characters Step Functions does not allow');
  });

  test('a missing stack says where it looked and how to deploy it', async () => {
    cfnMock.on(DescribeStacksCommand).rejects(stackNotFound());

    const result = await run(['start', '--manager-email', 'manager@example.com', '--employee-name', 'Jim', '--region', 'eu-west-1']);

    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'Stack HumanApproval not found in eu-west-1. Deploy it with `npx cdk deploy`, or pass --stack-name (and --region).',
    );
    expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  test('a stack without the StateMachineArn output is named as such', async () => {
    deployedStack([]);

    const result = await run(['start', '--manager-email', 'manager@example.com', '--employee-name', 'Jim', '--region', 'eu-west-1']);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Stack HumanApproval in eu-west-1 has no StateMachineArn output (stack status CREATE_COMPLETE).');
  });

  test('--stack-name looks up that stack', async () => {
    cfnMock.on(DescribeStacksCommand, { StackName: 'ApprovalStaging' }).resolves({
      Stacks: [
        {
          StackName: 'ApprovalStaging',
          StackStatus: 'UPDATE_COMPLETE',
          CreationTime: STARTED,
          Outputs: [{ OutputKey: STACK_OUTPUTS.stateMachineArn, OutputValue: STATE_MACHINE_ARN }],
        },
      ],
    });
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: executionArn('abc'), startDate: STARTED });

    const result = await run([
      'start',
      '--manager-email',
      'manager@example.com',
      '--employee-name',
      'Jim',
      '--stack-name',
      'ApprovalStaging',
    ]);

    expect(result.code).toBe(0);
    expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, { stateMachineArn: STATE_MACHINE_ARN });
  });

  test('no region or no credentials say what to set', async () => {
    cfnMock
      .on(DescribeStacksCommand)
      .rejectsOnce(new Error('Region is missing'))
      .rejectsOnce(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));

    const noRegion = await run(['list']);
    const noCredentials = await run(['list']);

    expect(noRegion.code).toBe(1);
    expect(noRegion.stderr).toMatch(/^No AWS region is set\. Set AWS_REGION \/ AWS_PROFILE/);
    expect(noCredentials.code).toBe(1);
    expect(noCredentials.stderr).toMatch(/^No AWS credentials found\. Set AWS_PROFILE/);
    expect(noCredentials.stderr).not.toContain('    at ');
  });

  test('--local finds the state machine named like the stack on the local endpoint, with dummy credentials', async () => {
    sfnMock.on(ListStateMachinesCommand).resolves({
      stateMachines: [
        {
          name: 'HumanApprovalOld',
          stateMachineArn: `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:HumanApprovalOld`,
          type: 'STANDARD',
          creationDate: STARTED,
        },
        {
          name: 'HumanApproval',
          stateMachineArn: `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:HumanApproval`,
          type: 'STANDARD',
          creationDate: STARTED,
        },
      ],
    });
    sfnMock
      .on(StartExecutionCommand)
      .resolves({ executionArn: `arn:aws:states:us-east-1:${ACCOUNT}:execution:HumanApproval:abc`, startDate: STARTED });

    const result = await run(['start', '--local', '--manager-email', 'manager@example.com', '--employee-name', 'Jim'], {
      APPROVAL_LOCAL_SFN_PORT: '9183',
    });

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('(in the local inbox, http://127.0.0.1:8005/)');
    expect(result.stdout).toContain(':execution:HumanApproval:abc --local');
    expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:HumanApproval`,
    });
    expect(cfnMock).not.toHaveReceivedCommand(DescribeStacksCommand);
    expect(result.sfnConfigs[0]).toMatchObject({
      endpoint: 'http://127.0.0.1:9183',
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  });

  test('--local without a state machine of that name says so', async () => {
    sfnMock.on(ListStateMachinesCommand).resolves({ stateMachines: [] });

    const result = await run(['start', '--local', '--manager-email', 'manager@example.com', '--employee-name', 'Jim']);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the local stack at http://127.0.0.1:8083 has no state machine named HumanApproval.');
  });
});

describe('approval status', () => {
  test('an approved request shows who, when and the decision record, without a stack lookup', async () => {
    sfnMock.on(DescribeExecutionCommand, { executionArn: executions.approved.executionArn }).resolves(executions.approved);

    const result = await run(['status', executions.approved.executionArn]);

    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')).toEqual([
      `Execution   ${executions.approved.executionArn}`,
      'Status      SUCCEEDED (approved)',
      'Manager     manager@example.com',
      'Employee    Jim Smith',
      'Started     2026-11-21 10:00:00 UTC',
      'Stopped     2026-11-21 10:05:00 UTC',
      // An output from before approvers existed: its record is the one approver's.
      'Approver    manager@example.com  approved at 21/Nov/2026:10:05:00 +0000',
      'Decision    approved',
      'Decided at  21/Nov/2026:10:05:00 +0000',
      'Source IP   203.0.113.9',
      'User agent  Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0',
      'Request id  7f1c2b1e-5a1d-4c1e-9a55-0d2a8c0b6e11',
    ]);
    expect(cfnMock).not.toHaveReceivedCommand(DescribeStacksCommand);
    // The region comes from the ARN, so no AWS_REGION is needed.
    expect(result.sfnConfigs).toEqual([{ region: 'eu-west-1' }]);
  });

  test('a request approved in Slack shows the Slack user and team of the record', async () => {
    const record = {
      decision: 'approved',
      decidedAt: '2026-11-21T10:05:00.000Z',
      channel: 'slack',
      slackUserId: 'U0123ABCDEF',
      slackTeamId: 'T0123ABCDEF',
      approver: 'ana@example.com',
    };
    const request = { approvers: ['ana@example.com'], subject: 'Deploy 42', via: ['slack'] };
    sfnMock.on(DescribeExecutionCommand).resolves({
      ...executions.approved,
      input: JSON.stringify(request),
      output: JSON.stringify({ ...request, approval: { policy: 'any', approvers: ['ana@example.com'], decision: record } }),
    });
    deployedStack([{ OutputKey: STACK_OUTPUTS.slackMessagesTable, OutputValue: 'HumanApproval-ApprovalSlackMessagesTable7C1A2B3D' }]);
    const posted: SlackMessageRecord = {
      execution: 'approved-1',
      approver: 'ana@example.com',
      attempt: 1,
      sentAt: '2026-11-21T10:00:01.000Z',
      expiresAtSeconds: 1_796_000_000,
      delivery: 'slack',
      slackUserId: 'U0123ABCDEF',
      channel: 'D0123ABCDEF',
      ts: '1795255201.000100',
      text: 'Approval needed: Deploy 42',
    };
    dynamoMock.on(QueryCommand).resolves({ Items: [toItem(posted)] });

    const result = await run(['status', executions.approved.executionArn]);

    expect(result.code).toBe(0);
    expect(result.stdout.split('\n').slice(-7)).toEqual([
      'Approver    ana@example.com  approved at 2026-11-21T10:05:00.000Z [in Slack as U0123ABCDEF]',
      'Approver    ana@example.com',
      'Decision    approved',
      'Decided at  2026-11-21T10:05:00.000Z',
      'Channel     slack',
      'Slack user  U0123ABCDEF',
      'Slack team  T0123ABCDEF',
    ]);
  });

  test('an approved request as JSON', async () => {
    sfnMock.on(DescribeExecutionCommand).resolves(executions.approved);

    const result = await run(['status', executions.approved.executionArn, '--json']);

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toStrictEqual({
      executionArn: executions.approved.executionArn,
      name: 'approved-1',
      status: 'SUCCEEDED',
      outcome: 'approved',
      startDate: '2026-11-21T10:00:00.000Z',
      stopDate: '2026-11-21T10:05:00.000Z',
      request: REQUEST,
      policy: 'any',
      subject: 'Approval needed for Jim Smith',
      approvers: [{ address: 'manager@example.com', state: 'approved', decision: { ...APPROVED_RECORD, approver: 'manager@example.com' } }],
      decision: APPROVED_RECORD,
    });
  });

  test('a rejected request has its decision record parsed from the failure cause', async () => {
    sfnMock.on(DescribeExecutionCommand).resolves(executions.rejected);

    const human = await run(['status', executions.rejected.executionArn]);
    const json = await run(['status', executions.rejected.executionArn, '--json']);

    expect(human.stdout).toContain('Status      FAILED (rejected)');
    expect(human.stdout).toContain('Decision    rejected');
    expect(human.stdout).toContain('Request id  0b6e11aa-9a55-4c1e-5a1d-7f1c2b1e0d2a');
    expect(JSON.parse(json.stdout)).toStrictEqual({
      executionArn: executions.rejected.executionArn,
      name: 'rejected-1',
      status: 'FAILED',
      outcome: 'rejected',
      startDate: '2026-11-21T10:00:00.000Z',
      stopDate: '2026-11-21T10:05:00.000Z',
      request: REQUEST,
      policy: 'any',
      subject: 'Approval needed for Jim Smith',
      approvers: [{ address: 'manager@example.com', state: 'rejected', decision: { ...REJECTED_RECORD, approver: 'manager@example.com' } }],
      decision: REJECTED_RECORD,
      error: 'Rejected',
      cause: JSON.stringify(REJECTED_RECORD),
    });
  });

  test('an expired request shows the error and cause, and no decision', async () => {
    sfnMock.on(DescribeExecutionCommand).resolves(executions.expired);

    const human = await run(['status', executions.expired.executionArn]);
    const json = JSON.parse((await run(['status', executions.expired.executionArn, '--json'])).stdout) as Record<string, unknown>;

    expect(human.stdout).toContain('Status      FAILED (expired: nobody answered in time)');
    expect(human.stdout).toContain('Error       Expired');
    expect(human.stdout).toContain(`Cause       ${EXPIRED_CAUSE}`);
    expect(human.stdout).not.toContain('Decision');
    expect(json).toMatchObject({
      status: 'FAILED',
      outcome: 'expired',
      error: 'Expired',
      cause: EXPIRED_CAUSE,
      stopDate: '2026-11-21T10:05:00.000Z',
    });
    expect(json).not.toHaveProperty('decision');
  });

  test('a running request waits for the manager and has no stop date or decision', async () => {
    sfnMock.on(DescribeExecutionCommand).resolves(executions.running);

    const human = await run(['status', executions.running.executionArn]);
    const json = JSON.parse((await run(['status', executions.running.executionArn, '--json'])).stdout) as Record<string, unknown>;

    expect(human.stdout).toContain('Status      RUNNING (waiting for the manager to approve or reject)');
    expect(human.stdout).not.toContain('Stopped');
    expect(json).toStrictEqual({
      executionArn: executions.running.executionArn,
      name: 'running-1',
      status: 'RUNNING',
      outcome: 'pending',
      startDate: '2026-11-21T10:00:00.000Z',
      request: REQUEST,
      policy: 'any',
      subject: 'Approval needed for Jim Smith',
      // No history (this stub has none): the email is not known to be sent.
      approvers: [{ address: 'manager@example.com', state: 'waiting' }],
    });
  });

  test('terminal escapes in an execution input are shown escaped, not run', async () => {
    sfnMock.on(DescribeExecutionCommand).resolves({
      ...executions.running,
      input: JSON.stringify({ managerEmailAddress: 'manager@example.com', employeeName: 'Jim\u001b[2J\u202e' }),
    });

    const result = await run(['status', executions.running.executionArn]);

    expect(result.stdout).toContain('Employee    Jim\\u001b[2J\\u202e');
    expect(result.stdout).not.toContain('\u001b');
  });

  test('an execution that does not exist is exit 1 with a message, not a stack trace', async () => {
    sfnMock
      .on(DescribeExecutionCommand)
      .rejects(new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: { httpStatusCode: 400 } }));

    const result = await run(['status', executionArn('gone')]);

    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `No execution ${executionArn('gone')} in eu-west-1 (finished executions are kept for 90 days). See \`approval list --all\`.`,
    );
  });

  test('other AWS errors print their name and message', async () => {
    sfnMock.on(DescribeExecutionCommand).rejects(
      new SFNServiceException({
        name: 'AccessDeniedException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'User is not authorized to perform: states:DescribeExecution',
      }),
    );

    const result = await run(['status', executionArn('x')]);

    expect(result.code).toBe(1);
    expect(result.stderr).toBe('AccessDeniedException: User is not authorized to perform: states:DescribeExecution');
  });

  test.each([
    ['not-an-arn', '"not-an-arn" is not an execution ARN'],
    [STATE_MACHINE_ARN, `${STATE_MACHINE_ARN} is a state machine ARN; status wants an execution ARN`],
  ])('%s is a usage error', async (arn, message) => {
    const result = await run(['status', arn]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(sfnMock).not.toHaveReceivedCommand(DescribeExecutionCommand);
  });

  test('no ARN at all is a usage error', async () => {
    const result = await run(['status']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Missing EXECUTION_ARN');
  });
});

describe('approval list', () => {
  const older = { ...executions.running, executionArn: executionArn('older'), name: 'older', startDate: new Date('2026-11-20T09:00:00Z') };
  const olderInput = { managerEmailAddress: 'boss@example.com', employeeName: 'Ann Lee' };

  function listed(...items: ExecutionDescription[]): void {
    sfnMock.on(ListExecutionsCommand).resolves({
      executions: items.map((item) => ({
        executionArn: item.executionArn,
        stateMachineArn: STATE_MACHINE_ARN,
        name: item.name,
        status: item.status,
        startDate: item.startDate,
      })),
    });
    for (const item of items) sfnMock.on(DescribeExecutionCommand, { executionArn: item.executionArn }).resolves(item);
  }

  test('shows the open requests only, newest first, with approvers and subject', async () => {
    deployedStack();
    listed({ ...older, input: JSON.stringify(olderInput) }, executions.running);

    const result = await run(['list']);

    expect(result.code).toBe(0);
    expect(sfnMock).toHaveReceivedCommandWith(ListExecutionsCommand, { stateMachineArn: STATE_MACHINE_ARN, statusFilter: 'RUNNING' });
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^STARTED\s+APPROVERS\s+SUBJECT\s+EXECUTION ARN$/);
    expect(lines[1]).toMatch(
      new RegExp(
        `^2026-11-21 10:00:00 UTC\\s+manager@example\\.com\\s+Approval needed for Jim Smith\\s+${executions.running.executionArn}$`,
      ),
    );
    expect(lines[2]).toMatch(
      new RegExp(`^2026-11-20 09:00:00 UTC\\s+boss@example\\.com\\s+Approval needed for Ann Lee\\s+${executionArn('older')}$`),
    );
    expect(result.stdout).toContain('2 open approval requests.');
  });

  test('--all lists every status and --json prints the objects status prints', async () => {
    deployedStack();
    listed(executions.approved, executions.rejected, executions.running);

    const result = await run(['list', '--all', '--json']);

    expect(result.code).toBe(0);
    expect(sfnMock.commandCalls(ListExecutionsCommand)[0]?.args[0].input).not.toHaveProperty('statusFilter');
    const views = JSON.parse(result.stdout) as Array<Record<string, unknown>>;
    expect(views.map((view) => view.outcome)).toEqual(['approved', 'rejected', 'pending']);
    expect(views[1]).toMatchObject({
      executionArn: executions.rejected.executionArn,
      request: REQUEST,
      decision: REJECTED_RECORD,
      error: 'Rejected',
    });
    const single = await run(['status', executions.rejected.executionArn, '--json']);
    // The same object, but for each approver's state: that needs the history, which list does not read.
    const { approvers, ...withoutApprovers } = JSON.parse(single.stdout) as Record<string, unknown>;
    expect(approvers).toHaveLength(1);
    expect(views[1]).toStrictEqual(withoutApprovers);
  });

  test('--max bounds how many executions are described', async () => {
    deployedStack();
    const many = Array.from({ length: 5 }, (_, index) => ({
      ...executions.running,
      executionArn: executionArn(`request-${index}`),
      name: `request-${index}`,
      startDate: new Date(Date.UTC(2026, 10, 21, 10, index)),
    }));
    listed(...many);

    const result = await run(['list', '--max', '2']);

    expect(result.code).toBe(0);
    expect(sfnMock).toHaveReceivedCommandTimes(DescribeExecutionCommand, 2);
    expect(result.stdout).toContain(executionArn('request-4'));
    expect(result.stdout).toContain(executionArn('request-3'));
    expect(result.stdout).not.toContain(executionArn('request-2'));
    expect(result.stdout).toContain('The newest 2 open approval requests; there are more');
  });

  test('nothing open says so', async () => {
    deployedStack();
    listed();

    const result = await run(['list']);

    expect(result.code).toBe(0);
    expect(result.stdout).toBe('No open approval requests in stack HumanApproval.');
  });

  test('a bad --max is a usage error', async () => {
    const result = await run(['list', '--max', 'lots']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--max must be a whole number from 1 to 1000, not "lots".');
  });
});

describe('failures', () => {
  test('an unexpected error is one line and a hint, its stack trace only with APPROVAL_DEBUG=1', async () => {
    sfnMock.on(DescribeExecutionCommand).rejects(new TypeError('boom'));

    const quiet = await run(['status', executionArn('x')]);
    const debug = await run(['status', executionArn('x')], { APPROVAL_DEBUG: '1' });

    expect(quiet.code).toBe(1);
    expect(quiet.stderr).toBe('Unexpected error: boom\nSet APPROVAL_DEBUG=1 to see the stack trace.');
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/^Unexpected error: boom\nTypeError: boom\n\s+at /);
  });

  test('the default stack name is the stackName context of cdk.json, when set', () => {
    const dir = mkdtempSync(join(tmpdir(), 'approval-cli-'));
    try {
      writeFileSync(join(dir, 'cdk.json'), JSON.stringify({ app: 'npx tsx infra/app.ts', context: { stackName: 'ApprovalStaging' } }));
      writeFileSync(join(dir, 'empty.json'), JSON.stringify({ app: 'npx tsx infra/app.ts', context: {} }));

      expect(configuredStackName(join(dir, 'cdk.json'))).toBe('ApprovalStaging');
      expect(configuredStackName(join(dir, 'empty.json'))).toBe('HumanApproval');
      expect(configuredStackName(join(dir, 'missing.json'))).toBe('HumanApproval');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('usage', () => {
  test.each(['start', 'status', 'list'])('approval %s --help prints its usage and exits 0', async (command) => {
    const result = await run([command, '--help']);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^Usage: approval ${command}`));
    expect(result.stderr).toBe('');
  });

  test.each([['--help'], ['-h'], ['help']])('approval %s lists the commands', async (...args) => {
    const result = await run(args);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: approval <command>/);
    for (const command of ['start', 'status', 'list']) expect(result.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
  });

  test('approval help start prints the usage of start', async () => {
    const result = await run(['help', 'start']);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: approval start/);
  });

  test.each([
    [['approve'], 'Unknown command "approve".'],
    [[], 'Missing command'],
    [['list', '--colour'], 'Unknown option --colour for `approval list`.'],
    [['status', '--json=yes', executionArn('x')], "Option '--json' does not take an argument"],
    [['--local', 'list'], 'Put the command first'],
  ])('%j is a usage error', async (args, message) => {
    const result = await run(args);

    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
  });
});

describe('against real sockets', () => {
  // These talk HTTP for real, so the SDK must not be stubbed.
  beforeEach(() => sfnMock.restore());
  afterEach(() => {
    sfnMock = mockClient(SFNClient);
  });

  async function freePort(): Promise<number> {
    const server = createNetServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    return port;
  }

  test('--local with nothing listening says to start the local stack', async () => {
    const port = await freePort();

    const result = await run(['list', '--local'], { APPROVAL_LOCAL_SFN_PORT: String(port) });

    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `The local stack is not running at http://127.0.0.1:${port}. Start it with \`npm start\` (or set APPROVAL_LOCAL_SFN_PORT if it runs on another port).`,
    );
  });

  test('--local sends signed Step Functions requests to the local endpoint', async () => {
    const requests: Array<{ target: string | undefined; body: Record<string, unknown>; headers: IncomingHttpHeaders }> = [];
    const localArn = `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:HumanApproval`;
    const answers: Record<string, unknown> = {
      'AWSStepFunctions.ListStateMachines': {
        stateMachines: [{ name: 'HumanApproval', stateMachineArn: localArn, type: 'STANDARD', creationDate: 1_795_000_000 }],
      },
      'AWSStepFunctions.StartExecution': {
        executionArn: `arn:aws:states:us-east-1:${ACCOUNT}:execution:HumanApproval:local-1`,
        startDate: 1_795_000_000,
      },
    };
    const server = createHttpServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        const target = request.headers['x-amz-target'] as string | undefined;
        requests.push({ target, body: JSON.parse(body) as Record<string, unknown>, headers: request.headers });
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        response.end(JSON.stringify(answers[target ?? ''] ?? {}));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;

      const result = await run(['start', '--local', '--json', '--manager-email', 'manager@example.com', '--employee-name', 'Jim'], {
        APPROVAL_LOCAL_SFN_PORT: String(port),
      });

      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toStrictEqual({
        executionArn: `arn:aws:states:us-east-1:${ACCOUNT}:execution:HumanApproval:local-1`,
        startDate: new Date(1_795_000_000_000).toISOString(),
      });
      expect(requests.map((request) => request.target)).toEqual(['AWSStepFunctions.ListStateMachines', 'AWSStepFunctions.StartExecution']);
      expect(requests[1]?.body).toStrictEqual({
        stateMachineArn: localArn,
        input: '{"managerEmailAddress":"manager@example.com","employeeName":"Jim"}',
      });
      expect(requests[1]?.headers.authorization).toMatch(/Credential=test\/\d{8}\/us-east-1\/states\/aws4_request/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('bin/approval.cjs runs the CLI as a real process', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(__dirname, '..', '..', 'cli', 'bin', 'approval.cjs'), '--help'], {
      timeout: 20_000,
    });

    expect(stdout).toMatch(/^Usage: approval <command>/);
  }, 25_000);
});
