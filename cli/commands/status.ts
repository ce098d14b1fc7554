import { parseArgs } from 'node:util';
import { describeApprovalExecution } from '../approval-execution';
import { COMMON_OPTIONS, parseCommandLine } from '../arguments';
import { explainAwsFailure } from '../aws-failures';
import { CliError, UsageError } from '../cli-errors';
import { formatExecution } from '../format';
import { describeTarget, regionOfArn, resolveTarget, sfnClientFor, targetFlag } from '../targets';
import type { Command } from './command';

const usage = `Usage: approval status EXECUTION_ARN [options]

Shows the state of one approval request and, once decided, its decision record
(decision, time, source IP, user agent, request id) or why it failed.

Options:
  --local     use the local stack started by \`npm start\`
  --json      print one JSON object: executionArn, name, status, outcome, startDate,
              stopDate, request, decision, error, cause
  -h, --help  show this help

The region comes from the ARN; \`approval list\` shows the ARNs of open requests.`;

const EXECUTION_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:[^:]*:execution:[^:]+:[^:]+$/;

function checkExecutionArn(arn: string | undefined): string {
  if (arn === undefined) throw new UsageError('Missing EXECUTION_ARN: the ARN `approval start` printed.', 'status');
  if (EXECUTION_ARN.test(arn)) return arn;
  if (/^arn:aws[a-z-]*:states:[^:]*:[^:]*:stateMachine:/.test(arn)) {
    throw new UsageError(
      `${arn} is a state machine ARN; status wants an execution ARN (arn:aws:states:REGION:ACCOUNT:execution:MACHINE:NAME).`,
      'status',
    );
  }
  throw new UsageError(`"${arn}" is not an execution ARN (arn:aws:states:REGION:ACCOUNT:execution:MACHINE:NAME).`, 'status');
}

export const statusCommand: Command = {
  name: 'status',
  summary: 'show the state and decision record of one request',
  usage,
  async run(args, deps) {
    const { values, positionals } = parseCommandLine('status', () =>
      parseArgs({ args: [...args], options: COMMON_OPTIONS, allowPositionals: true, strict: true }),
    );
    if (values.help) {
      deps.output.stdout(usage);
      return;
    }
    if (positionals.length > 1) throw new UsageError(`status takes one execution ARN, not ${positionals.length} arguments.`, 'status');
    const executionArn = checkExecutionArn(positionals[0]);

    // No stack lookup: the ARN says where the execution is.
    const target = resolveTarget({ local: values.local }, deps);
    try {
      const view = await describeApprovalExecution(sfnClientFor(target, deps, regionOfArn(executionArn)), executionArn);
      deps.output.stdout(values.json ? JSON.stringify(view, null, 2) : formatExecution(view).join('\n'));
    } catch (error) {
      if ((error as { name?: unknown }).name === 'ExecutionDoesNotExist') {
        const where =
          target.kind === 'local'
            ? ` in ${describeTarget(target)}`
            : ` in ${regionOfArn(executionArn)} (finished executions are kept for 90 days)`;
        throw new CliError(`No execution ${executionArn}${where}. See \`approval list --all${targetFlag(target)}\`.`, { cause: error });
      }
      throw explainAwsFailure(error, target);
    }
  },
};
