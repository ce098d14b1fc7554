import { parseArgs } from 'node:util';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { MAX_EMPLOYEE_NAME_LENGTH, validateApprovalTask, type ApprovalRequest } from '../../functions/commons/approval-request';
import { DEFAULT_STACK_NAME } from '../../infra/stack-name';
import { FORBIDDEN_NAME_CHARACTERS, MAX_NAME_LENGTH } from '../../statemachine/step-functions-names';
import { COMMON_OPTIONS, parseCommandLine, STACK_OPTIONS } from '../arguments';
import { explainAwsFailure } from '../aws-failures';
import { UsageError } from '../cli-errors';
import { findStateMachineArn, localInboxUrl, regionOfArn, resolveTarget, sfnClientFor, targetFlag } from '../targets';
import type { Command } from './command';

const usage = `Usage: approval start --manager-email ADDRESS --employee-name NAME [options]

Starts an approval request: the manager gets an email with Approve and Reject links.

Options:
  --manager-email ADDRESS  where the email goes (one plain address)
  --employee-name NAME     who the request is for (at most ${MAX_EMPLOYEE_NAME_LENGTH} characters, one line)
  --name NAME              execution name (default: generated); the same name and input
                           while the request is open starts nothing new
  --local                  use the local stack started by \`npm start\`
  --stack-name NAME        stack to use (default: stackName in cdk.json, else ${DEFAULT_STACK_NAME})
  --region REGION          region of the deployed stack (default: the AWS SDK's)
  --json                   print {"executionArn", "startDate"} only
  -h, --help               show this help

Example:
  approval start --manager-email manager@example.com --employee-name "Jim Smith"`;

const FLAG_OF_FIELD: Readonly<Record<string, string>> = { managerEmailAddress: '--manager-email', employeeName: '--employee-name' };

/**
 * The worker's own validation, so the CLI refuses exactly what would fail as InvalidRequest;
 * only the field names become the option names a person typed.
 */
function requestProblems(request: Partial<ApprovalRequest>): string[] {
  const validation = validateApprovalTask({ request, attempt: 1, reminderCount: 0, reminderIntervalSeconds: 1, executionName: 'cli' });
  if (validation.valid) return [];
  return validation.problems.map((problem) =>
    problem.replace(/^(managerEmailAddress|employeeName)\b/, (field) => FLAG_OF_FIELD[field] ?? field),
  );
}

function executionNameProblem(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  if (name.length < 1 || name.length > MAX_NAME_LENGTH) return `--name must be 1 to ${MAX_NAME_LENGTH} characters long, not ${name.length}`;
  if (FORBIDDEN_NAME_CHARACTERS.test(name))
    return `--name "${name}" has characters Step Functions does not allow in a name (spaces, brackets, or any of ?*"#%\\^|~\`$&,;:/)`;
  return undefined;
}

export const startCommand: Command = {
  name: 'start',
  summary: 'ask a manager to approve a request for an employee',
  usage,
  async run(args, deps) {
    const { values } = parseCommandLine('start', () =>
      parseArgs({
        args: [...args],
        options: {
          ...COMMON_OPTIONS,
          ...STACK_OPTIONS,
          'manager-email': { type: 'string' },
          'employee-name': { type: 'string' },
          name: { type: 'string' },
        },
        strict: true,
      }),
    );
    if (values.help) {
      deps.output.stdout(usage);
      return;
    }

    const request = { managerEmailAddress: values['manager-email'], employeeName: values['employee-name'] };
    const problems = requestProblems(request);
    const nameProblem = executionNameProblem(values.name);
    if (nameProblem) problems.push(nameProblem);
    if (problems.length > 0) throw new UsageError(problems.map((problem) => `${problem}.`).join('\n'), 'start');

    const target = resolveTarget(values, deps);
    try {
      const stateMachineArn = await findStateMachineArn(target, deps);
      const sfn = sfnClientFor(target, deps, regionOfArn(stateMachineArn));
      const started = await sfn.send(
        new StartExecutionCommand({
          stateMachineArn,
          input: JSON.stringify(request),
          ...(values.name === undefined ? {} : { name: values.name }),
        }),
      );
      const executionArn = started.executionArn ?? '';
      const startDate = started.startDate?.toISOString() ?? null;
      if (values.json) {
        deps.output.stdout(JSON.stringify({ executionArn, startDate }, null, 2));
        return;
      }
      deps.output.stdout(executionArn);
      const inbox = target.kind === 'local' ? ` (in the local inbox, ${localInboxUrl(deps.env)})` : '';
      deps.output.stdout(
        `${request.managerEmailAddress} gets an email with Approve / Reject links${inbox} as soon as the worker picks the request up. ` +
          `Follow it with: approval status ${executionArn}${targetFlag(target)}`,
      );
    } catch (error) {
      throw explainAwsFailure(error, target);
    }
  },
};
