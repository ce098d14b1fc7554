import { parseArgs } from 'node:util';
import { describeApprovalExecution } from '../approval-execution';
import { COMMON_OPTIONS, parseCommandLine } from '../arguments';
import { explainAwsFailure } from '../aws-failures';
import { checkExecutionArn, explainMissingExecution } from '../execution-arn';
import { formatExecution } from '../format';
import { formatJson } from '../format-values';
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

Options:
  --local     use the local stack started by \`npm start\`
  --json      print one JSON object: executionArn, name, status, outcome, startDate, stopDate,
              request, policy, subject, approvers [{address, state, attempt, reminderCount,
              emailedAt, validUntil, expiresAt, decision, error, cause}], decision (policy any),
              decisions (policy all), error, cause
  -h, --help  show this help

The region comes from the ARN; \`approval list\` shows the ARNs of open requests.
To wait for the decision instead: approval wait EXECUTION_ARN`;

export const statusCommand: Command = {
  name: 'status',
  summary: 'show the state of one request, each approver, and the decision record',
  usage,
  async run(args, deps) {
    const { values, positionals } = parseCommandLine('status', () =>
      parseArgs({ args: [...args], options: COMMON_OPTIONS, allowPositionals: true, strict: true }),
    );
    if (values.help) {
      deps.output.stdout(usage);
      return;
    }
    const executionArn = checkExecutionArn('status', positionals);

    // No stack lookup: the ARN says where the execution is.
    const target = resolveTarget({ local: values.local }, deps);
    try {
      const sfn = sfnClientFor(target, deps, regionOfArn(executionArn));
      const view = await describeApprovalExecution(sfn, executionArn, { withApprovers: true });
      deps.output.stdout(values.json ? formatJson(view) : formatExecution(view).join('\n'));
    } catch (error) {
      throw explainAwsFailure(explainMissingExecution(error, executionArn, target), target);
    }
  },
};
