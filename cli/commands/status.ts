import { parseArgs } from 'node:util';
import { DEFAULT_STACK_NAME } from '../../infra/stack-name';
import { asksForSlack, describeApprovalExecution, withSlackDelivery } from '../approval-execution';
import { COMMON_OPTIONS, parseCommandLine, STACK_OPTIONS } from '../arguments';
import { explainAwsFailure } from '../aws-failures';
import { checkExecutionArn, explainMissingExecution } from '../execution-arn';
import { formatExecution } from '../format';
import { formatJson } from '../format-values';
import { readSlackDelivery } from '../slack-delivery';
import { regionOfArn, resolveTarget, sfnClientFor } from '../targets';
import type { Command } from './command';

const usage = `Usage: approval status EXECUTION_ARN [options]

Shows the state of one approval request: what it asks, each approver's state and, once decided,
the decision record (approver, decision, time, source IP, user agent, request id, comment) or why
it failed.

Approver states:
  waiting        their email (or the next reminder) is not sent yet
  emailed        their links are open: which reminder, and until when the links are valid
  approved       they approved (with the time and comment of their decision)
  rejected       they rejected (likewise)
  expired        their last reminder ran out without an answer
  not-delivered  their email could not be sent
  closed         the request ended without their decision (someone else decided, or it failed)

For a request that asked for Slack ("via": ["slack", ...]), each approver's line also says how
they were reached: [in Slack as U07ANA4242], or [emailed instead of Slack: why]. This is read
from the stack's table of Slack messages; when it cannot be read, the last line says why.

Options:
  --local            use the local stack started by \`npm start\`
  --json             print one JSON object: executionArn, name, status, outcome, startDate,
                     stopDate, request, policy, subject, approvers [{address, state, attempt,
                     reminderCount, emailedAt, validUntil, expiresAt, decision, error, cause,
                     reachedBy}], decision (policy any), decisions (policy all), error, cause,
                     slackDeliveryNote
  --stack-name NAME  stack whose table of Slack messages to read (default: stackName in
                     cdk.json, else ${DEFAULT_STACK_NAME})
  --region REGION    taken as the other commands take it; the ARN's region is the one read
  -h, --help         show this help

The region comes from the ARN; \`approval list\` shows the ARNs of open requests.
To wait for the decision instead: approval wait EXECUTION_ARN`;

export const statusCommand: Command = {
  name: 'status',
  summary: 'show the state of one request, each approver, and the decision record',
  usage,
  async run(args, deps) {
    const { values, positionals } = parseCommandLine('status', () =>
      parseArgs({ args: [...args], options: { ...COMMON_OPTIONS, ...STACK_OPTIONS }, allowPositionals: true, strict: true }),
    );
    if (values.help) {
      deps.output.stdout(usage);
      return;
    }
    const executionArn = checkExecutionArn('status', positionals);

    // The ARN says where the execution is; the stack is looked up only for a request that asked for Slack.
    const target = resolveTarget(values, deps);
    let view;
    try {
      const sfn = sfnClientFor(target, deps, regionOfArn(executionArn));
      view = await describeApprovalExecution(sfn, executionArn, { withApprovers: true });
    } catch (error) {
      throw explainAwsFailure(explainMissingExecution(error, executionArn, target), target);
    }
    if (asksForSlack(view)) view = withSlackDelivery(view, await readSlackDelivery(target, deps, executionArn, view.name));
    deps.output.stdout(values.json ? formatJson(view) : formatExecution(view).join('\n'));
  },
};
