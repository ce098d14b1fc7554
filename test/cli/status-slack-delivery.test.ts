import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import {
  CloudFormationClient,
  CloudFormationServiceException,
  DescribeStacksCommand,
  type CloudFormationClientConfig,
} from '@aws-sdk/client-cloudformation';
import { DynamoDBClient, DynamoDBServiceException, QueryCommand, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient, type SFNClientConfig } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { defaultDependencies, runApprovalCli } from '../../cli/approval';
import { type SlackMessageRecord, toItem } from '../../functions/commons/slack-message-records';
import { STACK_OUTPUTS } from '../../infra/stack-outputs';
import { ANA, BEN, DAY, generalInput, History, running, STARTED, STATE_MACHINE_ARN, type ExecutionDescription } from './gate-fixtures';

/**
 * `approval status` for a request that asked for Slack: how the worker reached each approver, read
 * from the stack's table of Slack messages, and a note instead when that table cannot be read.
 */

const sfnMock = mockClient(SFNClient);
const cfnMock = mockClient(CloudFormationClient);
let dynamoMock = mockClient(DynamoDBClient);

const TABLE = 'HumanApproval-ApprovalSlackMessagesTable7C1A2B3D-1Q2W3E4R5T6Y';
const SLACK_AND_EMAIL = { ...generalInput('any'), via: ['slack', 'email'] };

interface StatusRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly lines: string[];
  readonly sfnConfigs: SFNClientConfig[];
  readonly cfnConfigs: CloudFormationClientConfig[];
  readonly dynamoConfigs: DynamoDBClientConfig[];
}

/**
 * Runs the CLI with recording client factories. The DynamoDB clients are the stubbed kind unless
 * `--local` is given: the local tests answer on a real socket with the CLI's own client.
 */
async function run(args: string[], env: Record<string, string | undefined> = {}): Promise<StatusRun> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const sfnConfigs: SFNClientConfig[] = [];
  const cfnConfigs: CloudFormationClientConfig[] = [];
  const dynamoConfigs: DynamoDBClientConfig[] = [];
  const defaults = defaultDependencies();
  const code = await runApprovalCli(args, {
    ...defaults,
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
    createDynamoDbClient: (config) => {
      dynamoConfigs.push(config);
      return args.includes('--local') ? defaults.createDynamoDbClient(config) : new DynamoDBClient(config);
    },
    defaultStackName: 'HumanApproval',
  });
  const text = stdout.join('\n');
  return { code, stdout: text, stderr: stderr.join('\n'), lines: text.split('\n'), sfnConfigs, cfnConfigs, dynamoConfigs };
}

/** Ana's and Ben's first emails went out (Ben's a second later); nobody decided yet. */
function openRequest(name: string, input: typeof SLACK_AND_EMAIL): ExecutionDescription {
  const history = new History(input);
  const anaTask = history.scheduled(ANA, 1, 1);
  const benTask = history.scheduled(BEN, 1, 1);
  history.started(anaTask, 2);
  history.started(benTask, 3);
  const execution = running(name, input);
  sfnMock.on(DescribeExecutionCommand, { executionArn: execution.executionArn }).resolves(execution);
  sfnMock.on(GetExecutionHistoryCommand, { executionArn: execution.executionArn }).resolves({ events: history.snapshot() });
  return execution;
}

function stackOutputs(outputs: Array<{ OutputKey: string; OutputValue: string }>, stackName = 'HumanApproval'): void {
  cfnMock.on(DescribeStacksCommand, { StackName: stackName }).resolves({
    Stacks: [{ StackName: stackName, StackStatus: 'UPDATE_COMPLETE', CreationTime: STARTED, Outputs: outputs }],
  });
}

const withTable = (stackName?: string) =>
  stackOutputs(
    [
      { OutputKey: STACK_OUTPUTS.stateMachineArn, OutputValue: STATE_MACHINE_ARN },
      { OutputKey: STACK_OUTPUTS.slackMessagesTable, OutputValue: TABLE },
    ],
    stackName,
  );

const sentAt = '2026-11-21T10:00:02.000Z';
const expiresAtSeconds = Math.floor(STARTED.getTime() / 1_000) + 10 * DAY;

/** Ana in Slack, Ben emailed: Slack knows no user with his address. The table keeps addresses as normalized. */
function records(execution: string): SlackMessageRecord[] {
  return [
    {
      execution,
      approver: ANA,
      attempt: 1,
      sentAt,
      expiresAtSeconds,
      delivery: 'slack',
      slackUserId: 'U07ANA4242',
      channel: 'D07ANA4242',
      ts: '1795255202.000100',
      text: 'Approval needed: Deploy release 42',
    },
    { execution, approver: BEN, attempt: 1, sentAt, expiresAtSeconds, delivery: 'email', reason: 'approver-not-found' },
  ];
}

function accessDenied(action: string, resource: string): CloudFormationServiceException {
  return new CloudFormationServiceException({
    name: 'AccessDenied',
    $fault: 'client',
    $metadata: { httpStatusCode: 403 },
    message: `User: arn:aws:sts::123456789012:assumed-role/ReadOnly/dev is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`,
  });
}

beforeEach(() => {
  sfnMock.reset();
  cfnMock.reset();
  dynamoMock.reset();
});

describe('approval status, how each approver of a Slack request was reached', () => {
  test('each approver line says in Slack as whom, or why the email went instead; --json has reachedBy', async () => {
    const execution = openRequest('release-42', SLACK_AND_EMAIL);
    withTable();
    dynamoMock.on(QueryCommand).resolves({ Items: records('release-42').map(toItem) });

    const human = await run(['status', execution.executionArn ?? '']);
    const json = await run(['status', execution.executionArn ?? '', '--json']);

    expect(human.code).toBe(0);
    expect(human.stderr).toBe('');
    expect(human.lines).toContain('Via         slack, email');
    expect(human.lines).toContain(
      'Approvers   ana@example.com  emailed at 2026-11-21 10:00:02 UTC, links valid until 2026-11-22 10:00:02 UTC (then reminder 1 of 2) [in Slack as U07ANA4242]',
    );
    expect(human.lines).toContain(
      '            ben@example.com  emailed at 2026-11-21 10:00:03 UTC, links valid until 2026-11-22 10:00:03 UTC (then reminder 1 of 2) [emailed instead of Slack: Slack knows no user with this address]',
    );
    expect(human.stdout).not.toContain('Slack delivery not shown');
    const view = JSON.parse(json.stdout) as { request: unknown; approvers: Array<Record<string, unknown>> };
    expect(json.code).toBe(0);
    expect(view.request).toMatchObject({ via: ['slack', 'email'] });
    expect(view.approvers.map(({ address, reachedBy }) => ({ address, reachedBy }))).toStrictEqual([
      { address: ANA, reachedBy: { channel: 'slack', slackUserId: 'U07ANA4242' } },
      { address: BEN, reachedBy: { channel: 'email', reason: 'approver-not-found' } },
    ]);
    expect(view).not.toHaveProperty('slackDeliveryNote');
    // The table of the stack's output, read for this execution, in the ARN's region with no region configured.
    expect(cfnMock).toHaveReceivedCommandWith(DescribeStacksCommand, { StackName: 'HumanApproval' });
    expect(dynamoMock).toHaveReceivedCommandWith(QueryCommand, {
      TableName: TABLE,
      ExpressionAttributeValues: { ':execution': { S: 'release-42' } },
    });
    expect(human.cfnConfigs).toEqual([{ region: 'eu-west-1' }]);
    expect(human.dynamoConfigs).toEqual([{ region: 'eu-west-1' }]);
  });

  test('an approver the input names in other letter case still matches the address the table keeps', async () => {
    const execution = openRequest('release-43', { ...SLACK_AND_EMAIL, approvers: ['Ana@Example.com', BEN] });
    withTable();
    dynamoMock.on(QueryCommand).resolves({ Items: records('release-43').map(toItem) });

    const result = await run(['status', execution.executionArn ?? '', '--json']);

    const view = JSON.parse(result.stdout) as { approvers: Array<Record<string, unknown>> };
    expect(view.approvers[0]).toMatchObject({ address: 'Ana@Example.com', reachedBy: { channel: 'slack', slackUserId: 'U07ANA4242' } });
  });

  test('--stack-name names the stack whose table is read', async () => {
    const execution = openRequest('release-44', SLACK_AND_EMAIL);
    withTable('Approvals-Prod');
    dynamoMock.on(QueryCommand).resolves({ Items: [] });

    const result = await run(['status', execution.executionArn ?? '', '--stack-name', 'Approvals-Prod']);

    expect(result.code).toBe(0);
    expect(cfnMock).toHaveReceivedCommandWith(DescribeStacksCommand, { StackName: 'Approvals-Prod' });
    expect(dynamoMock).toHaveReceivedCommandWith(QueryCommand, { TableName: TABLE });
    // Nobody reached yet: no suffix, and no note either.
    expect(result.stdout).not.toContain('[');
    expect(result.stdout).not.toContain('Slack delivery not shown');
  });

  test.each([
    ['no via', generalInput('any')],
    ['via email alone', { ...generalInput('any'), via: ['email'] }],
  ])('a request with %s makes no CloudFormation or DynamoDB call', async (_case, input) => {
    const execution = running('mail-only', input);
    sfnMock.on(DescribeExecutionCommand).resolves(execution);
    sfnMock.on(GetExecutionHistoryCommand).resolves({ events: [] });

    const human = await run(['status', execution.executionArn ?? '']);
    const json = await run(['status', execution.executionArn ?? '', '--json']);

    expect(human.code).toBe(0);
    expect(human.stdout).not.toMatch(/Slack|\[/);
    expect(JSON.parse(json.stdout)).not.toHaveProperty('slackDeliveryNote');
    expect(cfnMock).not.toHaveReceivedAnyCommand();
    expect(dynamoMock).not.toHaveReceivedAnyCommand();
    expect(human.cfnConfigs).toEqual([]);
    expect(human.dynamoConfigs).toEqual([]);
  });
});

describe('approval status, when the table of Slack messages cannot be read', () => {
  async function noted(execution: ExecutionDescription, args: string[] = [], env: Record<string, string | undefined> = {}) {
    const human = await run(['status', execution.executionArn ?? '', ...args], env);
    const json = await run(['status', execution.executionArn ?? '', '--json', ...args], env);
    expect(human.code).toBe(0);
    expect(json.code).toBe(0);
    expect(human.stderr).toBe('');
    const view = JSON.parse(json.stdout) as { approvers: Array<Record<string, unknown>>; slackDeliveryNote?: string };
    // Everything else is still there; only how each was reached is missing.
    expect(human.lines).toContain(
      'Approvers   ana@example.com  emailed at 2026-11-21 10:00:02 UTC, links valid until 2026-11-22 10:00:02 UTC (then reminder 1 of 2)',
    );
    expect(view.approvers.map((approver) => approver.state)).toEqual(['emailed', 'emailed']);
    expect(view.approvers.some((approver) => 'reachedBy' in approver)).toBe(false);
    return { lastLine: human.lines.at(-1), note: view.slackDeliveryNote };
  }

  test('a stack deployed without a Slack app has no table output', async () => {
    const execution = openRequest('release-45', SLACK_AND_EMAIL);
    stackOutputs([{ OutputKey: STACK_OUTPUTS.stateMachineArn, OutputValue: STATE_MACHINE_ARN }]);

    const { lastLine, note } = await noted(execution);

    expect(lastLine).toBe('Slack delivery not shown: stack HumanApproval has no SlackMessagesTable output (deployed without a Slack app?)');
    expect(note).toBe('stack HumanApproval has no SlackMessagesTable output (deployed without a Slack app?)');
    expect(dynamoMock).not.toHaveReceivedAnyCommand();
  });

  test("an execution of another stack's state machine: not that stack's table, where the same name could mean another request", async () => {
    const execution = openRequest('release-46', SLACK_AND_EMAIL);
    stackOutputs([
      { OutputKey: STACK_OUTPUTS.stateMachineArn, OutputValue: STATE_MACHINE_ARN.replace(/HumanApproval$/, 'OtherApproval') },
      { OutputKey: STACK_OUTPUTS.slackMessagesTable, OutputValue: TABLE },
    ]);

    const { note } = await noted(execution);

    expect(note).toBe("the execution is not of stack HumanApproval's approval state machine (pass its --stack-name)");
    expect(dynamoMock).not.toHaveReceivedAnyCommand();
  });

  test('DescribeStacks denied: a short note, not the whole policy message', async () => {
    const execution = openRequest('release-46', SLACK_AND_EMAIL);
    cfnMock
      .on(DescribeStacksCommand)
      .rejects(accessDenied('cloudformation:DescribeStacks', 'arn:aws:cloudformation:eu-west-1:123456789012:stack/HumanApproval/*'));

    const { lastLine, note } = await noted(execution);

    expect(lastLine).toBe('Slack delivery not shown: not allowed to read stack HumanApproval (cloudformation:DescribeStacks)');
    expect(note).toBe('not allowed to read stack HumanApproval (cloudformation:DescribeStacks)');
    expect(dynamoMock).not.toHaveReceivedAnyCommand();
  });

  test('Query denied on the table', async () => {
    const execution = openRequest('release-47', SLACK_AND_EMAIL);
    withTable();
    dynamoMock.on(QueryCommand).rejects(
      new DynamoDBServiceException({
        name: 'AccessDeniedException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: `User: arn:aws:sts::123456789012:assumed-role/ReadOnly/dev is not authorized to perform: dynamodb:Query on resource: arn:aws:dynamodb:eu-west-1:123456789012:table/${TABLE}`,
      }),
    );

    const { note } = await noted(execution);

    expect(note).toBe(`not allowed to read table ${TABLE} (dynamodb:Query)`);
  });

  test('a stack that is not there', async () => {
    const execution = openRequest('release-48', SLACK_AND_EMAIL);
    cfnMock.on(DescribeStacksCommand).rejects(
      new CloudFormationServiceException({
        name: 'ValidationError',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'Stack with id Approvals-Test does not exist',
      }),
    );

    const { note } = await noted(execution, ['--stack-name', 'Approvals-Test']);

    expect(note).toBe('stack Approvals-Test not found in eu-west-1');
  });
});

describe('approval status --local', () => {
  // The local stack speaks DynamoDB's JSON protocol over HTTP: these tests answer on a real socket
  // with the CLI's own client, so the DynamoDB client is not stubbed here.
  beforeEach(() => dynamoMock.restore());
  afterEach(() => {
    dynamoMock = mockClient(DynamoDBClient);
  });

  interface LocalDynamoDb {
    readonly port: number;
    /** Each request's operation (from X-Amz-Target) and body. */
    readonly requests: Array<{ operation: string; body: Record<string, unknown> }>;
    close(): Promise<void>;
  }

  /** A stand-in answering ListTables with `pages` (one page per call) and Query with `items`. */
  async function localDynamoDb(pages: string[][], items: Array<Record<string, unknown>>): Promise<LocalDynamoDb> {
    const requests: LocalDynamoDb['requests'] = [];
    const server = createHttpServer((request, response) => {
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      request.on('end', () => {
        // The JSON protocol names the operation in X-Amz-Target: DynamoDB_20120810.<Operation>
        // (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.LowLevelAPI.html).
        const operation = String(request.headers['x-amz-target']).replace('DynamoDB_20120810.', '');
        const body = JSON.parse(text) as Record<string, unknown>;
        requests.push({ operation, body });
        const page = requests.filter((earlier) => earlier.operation === 'ListTables').length - 1;
        const answer =
          operation === 'ListTables'
            ? { TableNames: pages[page] ?? [], ...(page + 1 < pages.length ? { LastEvaluatedTableName: pages[page]?.at(-1) } : {}) }
            : { Items: items, Count: items.length, ScannedCount: items.length };
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        response.end(JSON.stringify(answer));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      port: (server.address() as AddressInfo).port,
      requests,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }

  test('reads the table ListTables names for the stack: <stackName>-<logical id with SlackMessagesTable>', async () => {
    const execution = openRequest('local-7', SLACK_AND_EMAIL);
    const localTable = 'HumanApproval-ApprovalSlackMessagesTable7C1A2B3D';
    const dynamodb = await localDynamoDb(
      [['Approvals-Test-ApprovalSlackMessagesTable9F8E7D6C', 'HumanApproval-ApprovalActivityWorkerSlots4A5B6C7D'], [localTable]],
      records('local-7').map(toItem),
    );
    try {
      const result = await run(['status', '--local', execution.executionArn ?? '', '--json'], {
        APPROVAL_LOCAL_DYNAMODB_PORT: String(dynamodb.port),
      });

      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const view = JSON.parse(result.stdout) as { approvers: Array<Record<string, unknown>> };
      expect(view.approvers.map((approver) => approver.reachedBy)).toStrictEqual([
        { channel: 'slack', slackUserId: 'U07ANA4242' },
        { channel: 'email', reason: 'approver-not-found' },
      ]);
      expect(dynamodb.requests.map(({ operation }) => operation)).toEqual(['ListTables', 'ListTables', 'Query']);
      expect(dynamodb.requests[1]?.body).toEqual({ ExclusiveStartTableName: 'HumanApproval-ApprovalActivityWorkerSlots4A5B6C7D' });
      expect(dynamodb.requests[2]?.body).toMatchObject({
        TableName: localTable,
        ExpressionAttributeValues: { ':execution': { S: 'local-7' } },
      });
      expect(cfnMock).not.toHaveReceivedAnyCommand();
      // Like the local Step Functions client: fake credentials, one attempt, a short connection timeout.
      expect(result.dynamoConfigs).toMatchObject([
        {
          endpoint: `http://127.0.0.1:${dynamodb.port}`,
          region: 'us-east-1',
          credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
          maxAttempts: 1,
          requestHandler: { connectionTimeout: 3_000 },
        },
      ]);
    } finally {
      await dynamodb.close();
    }
  });

  test('a local stack whose app has no Slack table says so', async () => {
    const execution = openRequest('local-8', SLACK_AND_EMAIL);
    const dynamodb = await localDynamoDb([['HumanApproval-ApprovalActivityWorkerSlots4A5B6C7D']], []);
    try {
      const result = await run(['status', '--local', execution.executionArn ?? ''], {
        APPROVAL_LOCAL_DYNAMODB_PORT: String(dynamodb.port),
      });

      expect(result.code).toBe(0);
      expect(result.lines.at(-1)).toBe(
        `Slack delivery not shown: the local DynamoDB at http://127.0.0.1:${dynamodb.port} has no SlackMessagesTable table of stack HumanApproval`,
      );
      expect(dynamodb.requests.map(({ operation }) => operation)).toEqual(['ListTables']);
    } finally {
      await dynamodb.close();
    }
  });

  async function freePort(): Promise<number> {
    const server = createNetServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    return port;
  }

  test('nothing listening at the local DynamoDB port: a note, and the rest of the status', async () => {
    const port = await freePort();
    const execution = openRequest('local-9', SLACK_AND_EMAIL);
    const env = { APPROVAL_LOCAL_DYNAMODB_PORT: String(port) };

    const human = await run(['status', '--local', execution.executionArn ?? ''], env);
    const json = await run(['status', '--local', execution.executionArn ?? '', '--json'], env);

    const note = `the local DynamoDB is not running at http://127.0.0.1:${port} (set APPROVAL_LOCAL_DYNAMODB_PORT if it runs on another port)`;
    expect(human.code).toBe(0);
    expect(human.lines).toContain(
      'Approvers   ana@example.com  emailed at 2026-11-21 10:00:02 UTC, links valid until 2026-11-22 10:00:02 UTC (then reminder 1 of 2)',
    );
    expect(human.lines.at(-1)).toBe(`Slack delivery not shown: ${note}`);
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as Record<string, unknown>).slackDeliveryNote).toBe(note);
  });
});
