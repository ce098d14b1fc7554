import { CliError, UsageError } from './cli-errors';
import { printable } from './format-values';
import { describeTarget, regionOfArn, targetFlag, type Target } from './targets';

const EXECUTION_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:[^:]*:execution:[^:]+:[^:]+$/;

/** The one positional argument of `status` and `wait`, checked before any AWS call. */
export function checkExecutionArn(command: string, positionals: readonly string[]): string {
  if (positionals.length > 1) throw new UsageError(`${command} takes one execution ARN, not ${positionals.length} arguments.`, command);
  const arn = positionals[0];
  if (arn === undefined) throw new UsageError('Missing EXECUTION_ARN: the ARN `approval start` printed.', command);
  if (EXECUTION_ARN.test(arn)) return arn;
  if (/^arn:aws[a-z-]*:states:[^:]*:[^:]*:stateMachine:/.test(arn)) {
    throw new UsageError(
      `${printable(arn)} is a state machine ARN; ${command} wants an execution ARN (arn:aws:states:REGION:ACCOUNT:execution:MACHINE:NAME).`,
      command,
    );
  }
  throw new UsageError(`"${printable(arn)}" is not an execution ARN (arn:aws:states:REGION:ACCOUNT:execution:MACHINE:NAME).`, command);
}

/** ExecutionDoesNotExist as a message that says where the CLI looked; anything else is returned as it is. */
export function explainMissingExecution(error: unknown, executionArn: string, target: Target): unknown {
  if ((error as { name?: unknown }).name !== 'ExecutionDoesNotExist') return error;
  const where =
    target.kind === 'local'
      ? ` in ${describeTarget(target)}`
      : ` in ${regionOfArn(executionArn)} (finished executions are kept for 90 days)`;
  return new CliError(`No execution ${printable(executionArn)}${where}. See \`approval list --all${targetFlag(target)}\`.`, {
    cause: error,
  });
}
