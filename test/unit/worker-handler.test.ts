import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { GetActivityTaskCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';

const sfnMock = mockClient(SFNClient);
const sesMock = mockClient(SESv2Client);
const dynamodbMock = mockClient(DynamoDBClient);

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
      },
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
      request: { approvers: ['boss@example.com'], policy: 'any', subject: 'Approval needed for Jim', details: {}, employeeName: 'Jim' },
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
  });
});
