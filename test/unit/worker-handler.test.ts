import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { GetActivityTaskCommand, SendTaskFailureCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { MAX_HAND_OVER_HOPS } from '../../functions/approval-worker/hand-over-event';

const sfnMock = mockClient(SFNClient);
const sesMock = mockClient(SESv2Client);
const dynamodbMock = mockClient(DynamoDBClient);
const lambdaMock = mockClient(LambdaClient);

const context = {
  functionName: 'approval-worker',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:approval-worker',
  memoryLimitInMB: '256',
  awsRequestId: 'request-1',
  getRemainingTimeInMillis: () => 290_000,
} as unknown as Context;

type Handler = (event: unknown, context: Context) => Promise<unknown>;
let handler: Handler;
let written: string[];
const savedEnv = { ...process.env };

beforeAll(async () => {
  // The handler reads its settings when it is loaded, as in Lambda.
  process.env.ACTIVITY_ARN = 'arn:aws:states:us-east-1:123456789012:activity:approval';
  process.env.APPROVAL_API_URL = 'https://abc123.execute-api.us-east-1.amazonaws.com/respond';
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  delete process.env.WORKER_SLOTS_TABLE;
  ({ handler } = await import('../../functions/approval-worker/index'));
});

afterAll(() => {
  process.env = savedEnv;
});

beforeEach(() => {
  sfnMock.reset();
  sesMock.reset();
  dynamodbMock.reset();
  lambdaMock.reset();
  written = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
});

afterEach(() => {
  jest.restoreAllMocks();
});

function expectNoAwsCall(): void {
  expect(sfnMock.calls()).toHaveLength(0);
  expect(sesMock.calls()).toHaveLength(0);
  expect(dynamodbMock.calls()).toHaveLength(0);
  expect(lambdaMock.calls()).toHaveLength(0);
}

describe('the worker handler', () => {
  it('answers checkRequest with the normalized request, without any AWS call', async () => {
    const request = {
      approvers: ['ana@example.com', 'ben@example.com'],
      policy: 'all',
      subject: 'Deploy release 42',
      details: { Release: '42' },
      requester: 'dev@example.com',
      ticket: 'OPS-7',
    };

    const verdict = await handler({ action: 'checkRequest', request }, context);

    expect(verdict).toEqual({
      valid: true,
      request: {
        approvers: ['ana@example.com', 'ben@example.com'],
        policy: 'all',
        subject: 'Deploy release 42',
        details: { Release: '42' },
        requester: 'dev@example.com',
        via: ['email'],
      },
    });
    expectNoAwsCall();
  });

  it('refuses a request for Slack when the deployment has no Slack app, saying how to fix it', async () => {
    const request = { approvers: ['ana@example.com'], subject: 'Deploy release 42', via: ['slack', 'email'] };

    const verdict = await handler({ action: 'checkRequest', request }, context);

    expect(verdict).toEqual({
      valid: false,
      cause: 'Invalid approval request: via: this deployment has no Slack app configured (set the slackSecretName setting); use "email".',
    });
    expectNoAwsCall();
  });

  it('answers checkRequest for the seed form', async () => {
    const verdict = await handler(
      { action: 'checkRequest', request: { managerEmailAddress: 'boss@example.com', employeeName: 'Jim' } },
      context,
    );

    expect(verdict).toEqual({
      valid: true,
      request: {
        approvers: ['boss@example.com'],
        policy: 'any',
        subject: 'Approval needed for Jim',
        details: {},
        employeeName: 'Jim',
        via: ['email'],
      },
    });
    expectNoAwsCall();
  });

  it('answers an invalid request with the cause instead of throwing, and logs only how many problems it has', async () => {
    const request = {
      approvers: ['secret-approver@example.com'],
      subject: 'Confidential merger',
      requester: 'secret-approver@example.com',
    };

    const verdict = await handler({ action: 'checkRequest', request }, context);

    expect(verdict).toEqual({
      valid: false,
      cause: 'Invalid approval request: requester "secret-approver@example.com" is also an approver: nobody may approve their own request.',
    });
    expectNoAwsCall();
    const logs = written.join('');
    expect(logs).toContain('"valid":false');
    expect(logs).toContain('"problems":1');
    expect(logs).not.toContain('secret-approver');
    expect(logs).not.toContain('Confidential');
  });

  it('answers a request that is no object at all', async () => {
    const verdict = await handler({ action: 'checkRequest', request: 'approve me' }, context);

    expect(verdict).toEqual({
      valid: false,
      cause:
        'Invalid approval request: the execution input must be a JSON object with approvers and subject, or with managerEmailAddress and employeeName, not a string.',
    });
  });

  it.each([
    ['a wake-up from the state machine', { activityScheduled: true }],
    ['the EventBridge schedule', { source: 'aws.events', 'detail-type': 'Scheduled Event' }],
    ['another action', { action: 'drain', request: {} }],
  ])('runs the worker for any other event (%s)', async (_label, event) => {
    sfnMock.on(GetActivityTaskCommand).resolves({});

    const summary = await handler(event, context);

    expect(summary).toEqual({ tasksTaken: 0, emailsSent: 0, invalidRequests: 0, deliveryFailures: 0, stoppedBecause: 'no-task-waiting' });
    expect(sfnMock).toHaveReceivedCommandTimes(GetActivityTaskCommand, 1);
    expect(sesMock).not.toHaveReceivedCommand(SendEmailCommand);
    expect(lambdaMock).not.toHaveReceivedCommand(InvokeCommand);
  });

  describe('out of time while tasks are still arriving', () => {
    const input = JSON.stringify({
      request: { approvers: ['boss@example.com'], policy: 'any', subject: 'Approval needed for Jim', details: {}, employeeName: 'Jim' },
      approver: 'boss@example.com',
      attempt: 1,
      reminderCount: 2,
      reminderIntervalSeconds: 3600,
      executionName: 'exec-1',
    });
    /** Plenty of time for the first poll, then too little for another. */
    const runningOut = () => {
      const remaining = [290_000];
      const running: Context = { ...context, getRemainingTimeInMillis: () => remaining.shift() ?? 70_000 };
      return running;
    };

    beforeEach(() => {
      sfnMock.on(GetActivityTaskCommand).resolves({ taskToken: 'token-1', input });
      sfnMock.on(SendTaskFailureCommand).resolves({});
      sesMock.on(SendEmailCommand).resolves({ MessageId: 'm' });
    });

    it('invokes its own function asynchronously with {"reason": "handOver", "hop": 1}, logs it and counts it', async () => {
      lambdaMock.on(InvokeCommand).resolves({ StatusCode: 202 });

      const summary = await handler({ source: 'aws.events' }, runningOut());

      expect(summary).toMatchObject({ tasksTaken: 1, emailsSent: 1, stoppedBecause: 'time-running-out', handOver: 'invoked' });
      expect(lambdaMock).toHaveReceivedCommandTimes(InvokeCommand, 1);
      const invoke = lambdaMock.commandCalls(InvokeCommand)[0]?.args[0].input;
      expect(invoke).toMatchObject({ FunctionName: 'approval-worker', InvocationType: 'Event' });
      expect(JSON.parse(Buffer.from(invoke?.Payload as Uint8Array).toString('utf8'))).toEqual({ reason: 'handOver', hop: 1 });
      const logs = written.join('');
      expect(logs).toContain('Handed over to a new run');
      expect(logs).toMatch(/"HandOvers":1/);
    });

    it('says in its last line that a hand-over started it', async () => {
      sfnMock.on(GetActivityTaskCommand).resolves({});

      await handler({ reason: 'handOver' }, context);

      expect(written.join('')).toMatch(/"message":"Worker run finished".*"startedBy":"handOver"/);
      expect(lambdaMock).not.toHaveReceivedCommand(InvokeCommand);
    });

    it('hands its successor the next hop of the chain', async () => {
      lambdaMock.on(InvokeCommand).resolves({ StatusCode: 202 });

      await handler({ reason: 'handOver', hop: 41 }, runningOut());

      const invoke = lambdaMock.commandCalls(InvokeCommand)[0]?.args[0].input;
      expect(JSON.parse(Buffer.from(invoke?.Payload as Uint8Array).toString('utf8'))).toEqual({ reason: 'handOver', hop: 42 });
    });

    it('does not hand over at the end of the longest chain: it warns and counts HandOverLimitReached', async () => {
      lambdaMock.on(InvokeCommand).resolves({ StatusCode: 202 });
      // Powertools writes warnings and errors to stderr.
      jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
        written.push(String(chunk));
        return true;
      });

      const summary = await handler({ reason: 'handOver', hop: MAX_HAND_OVER_HOPS }, runningOut());

      expect(summary).toMatchObject({ stoppedBecause: 'time-running-out', handOver: 'limit-reached' });
      expect(lambdaMock).not.toHaveReceivedCommand(InvokeCommand);
      const logs = written.join('');
      expect(logs).toMatch(/"level":"WARN".*"message":"Not handing over: this chain of runs has handed over 96 times/);
      expect(logs).toMatch(/"HandOverLimitReached":1/);
      expect(logs).not.toMatch(/"HandOvers":1/);
    });

    it('ends normally when the invoke fails', async () => {
      lambdaMock
        .on(InvokeCommand)
        .rejects(Object.assign(new Error('not authorized to perform lambda:InvokeFunction'), { name: 'AccessDeniedException' }));
      const errors: string[] = [];
      jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
        errors.push(String(chunk));
        return true;
      });

      const summary = await handler({ source: 'aws.events' }, runningOut());

      expect(summary).toMatchObject({ emailsSent: 1, handOver: 'invoke-failed' });
      expect([...written, ...errors].join('')).toContain('Could not hand over to a new run');
    });
  });
});
