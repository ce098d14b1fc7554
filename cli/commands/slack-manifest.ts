import { parseArgs } from 'node:util';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DEFAULT_STACK_NAME } from '../../infra/stack-name';
import { STACK_OUTPUTS } from '../../infra/stack-outputs';
import { parseCommandLine, STACK_OPTIONS } from '../arguments';
import { explainAwsFailure } from '../aws-failures';
import { CliError, UsageError } from '../cli-errors';
import { formatJson, printable } from '../format-values';
import { DEFAULT_SLACK_APP_NAME, MAX_SLACK_APP_NAME_LENGTH, SLACK_BOT_SCOPES, slackAppManifest } from '../slack-manifest';
import { resolveTarget } from '../targets';
import type { Command } from './command';

const usage = `Usage: approval slack-manifest [options]

Prints the Slack app manifest (JSON) for this deployment: a bot with the scopes
${SLACK_BOT_SCOPES.join(', ')}, and interactivity pointed at the stack's
${STACK_OUTPUTS.slackRequestUrl} output. In Slack: Create New App > From a manifest, paste it,
install the app, then store its bot token and signing secret in the secret named by
slackSecretName: {"botToken": "xoxb-...", "signingSecret": "..."}.

Options:
  --request-url URL  use this interactivity URL instead of the stack's output
  --name NAME        the app's name in Slack (default ${DEFAULT_SLACK_APP_NAME}, at most ${MAX_SLACK_APP_NAME_LENGTH} characters)
  --stack-name NAME  stack to read the URL from (default: stackName in cdk.json, else ${DEFAULT_STACK_NAME})
  --region REGION    region of the deployed stack (default: the AWS SDK's)
  -h, --help         show this help`;

function checkedRequestUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--request-url must be a URL, not "${printable(raw)}".`, 'slack-manifest');
  }
  // Slack sends interactivity requests only to HTTPS URLs (app manifest reference, interactivity.request_url).
  if (url.protocol !== 'https:') throw new UsageError(`--request-url must be an https:// URL, not "${printable(raw)}".`, 'slack-manifest');
  return url.toString();
}

export const slackManifestCommand: Command = {
  name: 'slack-manifest',
  summary: 'print the Slack app manifest for this deployment',
  usage,
  async run(args, deps) {
    const { values } = parseCommandLine('slack-manifest', () =>
      parseArgs({
        args: [...args],
        options: { help: { type: 'boolean', short: 'h' }, ...STACK_OPTIONS, 'request-url': { type: 'string' }, name: { type: 'string' } },
        strict: true,
      }),
    );
    if (values.help) {
      deps.output.stdout(usage);
      return;
    }
    const name = (values.name ?? DEFAULT_SLACK_APP_NAME).trim();
    if (name === '' || name.length > MAX_SLACK_APP_NAME_LENGTH) {
      throw new UsageError(`--name must be 1 to ${MAX_SLACK_APP_NAME_LENGTH} characters.`, 'slack-manifest');
    }
    let requestUrl: string;
    if (values['request-url'] !== undefined) {
      requestUrl = checkedRequestUrl(values['request-url']);
    } else {
      const target = resolveTarget(values, deps);
      if (target.kind !== 'deployed')
        throw new UsageError('The local stack needs no Slack app: its Slack stand-in is the app.', 'slack-manifest');
      const cloudFormation = deps.createCloudFormationClient(target.region === undefined ? {} : { region: target.region });
      let outputs;
      try {
        outputs = (await cloudFormation.send(new DescribeStacksCommand({ StackName: target.stackName }))).Stacks?.[0]?.Outputs;
      } catch (error) {
        throw explainAwsFailure(error, target);
      }
      const found = outputs?.find((output) => output.OutputKey === STACK_OUTPUTS.slackRequestUrl)?.OutputValue;
      if (found === undefined) {
        throw new CliError(
          `Stack ${target.stackName} has no ${STACK_OUTPUTS.slackRequestUrl} output: deploy it with the slackSecretName setting (\`npx cdk deploy -c slackSecretName=NAME\`), or pass --request-url.`,
        );
      }
      requestUrl = found;
    }
    deps.output.stdout(formatJson(slackAppManifest({ name, requestUrl })));
  },
};
