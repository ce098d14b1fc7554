import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { defaultDependencies, runApprovalCli } from '../../cli/approval';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from '../../cli/exit-codes';
import { STACK_OUTPUTS } from '../../infra/stack-outputs';

const cfnMock = mockClient(CloudFormationClient);
const REQUEST_URL = 'https://abc123.execute-api.eu-west-1.amazonaws.com/respond/slack/actions';

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runApprovalCli(args, {
    ...defaultDependencies(),
    output: { stdout: (text) => stdout.push(text), stderr: (text) => stderr.push(text) },
    env: {},
    createCloudFormationClient: (config) => new CloudFormationClient(config),
    createDynamoDbClient: (config) => new DynamoDBClient(config),
    defaultStackName: 'HumanApproval',
  });
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}

function stackWithOutputs(outputs: Array<{ OutputKey: string; OutputValue: string }>): void {
  cfnMock.on(DescribeStacksCommand, { StackName: 'HumanApproval' }).resolves({
    Stacks: [{ StackName: 'HumanApproval', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(), Outputs: outputs }],
  });
}

beforeEach(() => cfnMock.reset());

describe('approval slack-manifest', () => {
  test("prints a manifest with the product's scopes and the stack's Slack request URL as interactivity", async () => {
    stackWithOutputs([{ OutputKey: STACK_OUTPUTS.slackRequestUrl, OutputValue: REQUEST_URL }]);

    const { code, stdout } = await run(['slack-manifest']);

    expect(code).toBe(EXIT_OK);
    const manifest = JSON.parse(stdout) as Record<string, Record<string, unknown>>;
    expect(manifest.oauth_config).toEqual({ scopes: { bot: ['chat:write', 'im:write', 'users:read', 'users:read.email'] } });
    expect(manifest.settings).toMatchObject({ interactivity: { is_enabled: true, request_url: REQUEST_URL }, socket_mode_enabled: false });
    expect(manifest.display_information).toMatchObject({ name: 'Approvals' });
    expect(manifest.features).toMatchObject({ bot_user: { display_name: 'Approvals' }, app_home: { messages_tab_enabled: true } });
  });

  test('takes --request-url and --name without asking AWS', async () => {
    const { code, stdout } = await run([
      'slack-manifest',
      '--request-url',
      'https://approvals.example.com/slack/actions',
      '--name',
      'Deploy gate',
    ]);

    expect(code).toBe(EXIT_OK);
    expect(cfnMock.calls()).toHaveLength(0);
    const manifest = JSON.parse(stdout) as { settings: { interactivity: { request_url: string } }; display_information: { name: string } };
    expect(manifest.settings.interactivity.request_url).toBe('https://approvals.example.com/slack/actions');
    expect(manifest.display_information.name).toBe('Deploy gate');
  });

  test('says how to deploy with Slack when the stack has no Slack request URL', async () => {
    stackWithOutputs([
      { OutputKey: STACK_OUTPUTS.stateMachineArn, OutputValue: 'arn:aws:states:eu-west-1:123456789012:stateMachine:HumanApproval' },
    ]);

    const { code, stderr } = await run(['slack-manifest']);

    expect(code).toBe(EXIT_FAILURE);
    expect(stderr).toContain('has no SlackRequestUrl output: deploy it with the slackSecretName setting');
  });

  test.each([
    [['--request-url', 'http://approvals.example.com/slack/actions'], '--request-url must be an https:// URL'],
    [['--request-url', 'not a url'], '--request-url must be a URL'],
    [['--name', 'x'.repeat(36)], '--name must be 1 to 35 characters.'],
    [['--local'], 'Unknown option --local'],
  ])('refuses %j with a usage error', async (args, message) => {
    const { code, stderr } = await run(['slack-manifest', ...args]);

    expect(code).toBe(EXIT_USAGE);
    expect(stderr).toContain(message);
  });
});
