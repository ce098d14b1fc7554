import { parseArgs } from 'node:util';
import { COMMON_OPTIONS, parseCommandLine } from '../arguments';
import { explainAwsFailure } from '../aws-failures';
import { checkExecutionArn, explainMissingExecution } from '../execution-arn';
import { regionOfArn, resolveTarget, sfnClientFor, targetFlag } from '../targets';
import { waitForOutcome } from '../wait-for-outcome';
import type { Command } from './command';

/** The part of the help `start --wait` shares: what waiting shows and how it ends. */
export const WAITING_HELP = `While waiting:
  on a terminal   one progress line, rewritten in place: each approver's state (emailed,
                  reminders sent, decided) and the time left before the request expires
  otherwise       a line each time an approver's state changes (for CI logs), no time left
  with --json     nothing until the end, then the JSON \`approval status --json\` prints
It polls every 2 s, then every 10 s after 2 minutes and every 30 s after 30 minutes, and
backs off while AWS throttles. Ctrl-C stops waiting (exit 130); the request stays open.

Exit codes of waiting:
  0    approved
  3    rejected
  4    expired: nobody decided in time
  1    any other end (invalid request, email not delivered, timed out, aborted) or an error
  2    bad arguments
  130  Ctrl-C: the request is still open`;

const usage = `Usage: approval wait EXECUTION_ARN [options]

Waits until an approval request is decided (or ends otherwise), then prints the outcome and
the decision(s), and exits with a code a script can branch on.

Options:
  --local     use the local stack started by \`npm start\`
  --json      print nothing but the final JSON
  -h, --help  show this help

${WAITING_HELP}

Example:
  approval wait arn:aws:states:eu-west-1:123456789012:execution:HumanApproval:release-42 && ./deploy.sh`;

export const waitCommand: Command = {
  name: 'wait',
  summary: 'wait for a request to be decided; exit 0 approved, 3 rejected, 4 expired',
  usage,
  async run(args, deps) {
    const { values, positionals } = parseCommandLine('wait', () =>
      parseArgs({ args: [...args], options: COMMON_OPTIONS, allowPositionals: true, strict: true }),
    );
    if (values.help) {
      deps.output.stdout(usage);
      return;
    }
    const executionArn = checkExecutionArn('wait', positionals);

    // No stack lookup: the ARN says where the execution is.
    const target = resolveTarget({ local: values.local }, deps);
    try {
      return await waitForOutcome({
        sfn: sfnClientFor(target, deps, regionOfArn(executionArn)),
        executionArn,
        json: values.json ?? false,
        targetFlag: targetFlag(target),
        output: deps.output,
        waiting: deps.waiting,
      });
    } catch (error) {
      throw explainAwsFailure(explainMissingExecution(error, executionArn, target), target);
    }
  },
};
