import { parseArgs } from 'node:util';
import { ListExecutionsCommand, type ExecutionListItem, type SFNClient } from '@aws-sdk/client-sfn';
import { DEFAULT_STACK_NAME } from '../../infra/stack-name';
import { describeApprovalExecution, type ApprovalExecutionView } from '../approval-execution';
import { COMMON_OPTIONS, parseCommandLine, STACK_OPTIONS } from '../arguments';
import { explainAwsFailure } from '../aws-failures';
import { UsageError } from '../cli-errors';
import { formatExecutionTable } from '../format';
import { formatJson } from '../format-values';
import { describeTarget, findStateMachineArn, regionOfArn, resolveTarget, sfnClientFor, targetFlag } from '../targets';
import type { Command } from './command';

export const DEFAULT_LIST_MAX = 50;
const MAX_LIST_MAX = 1_000;
// A few DescribeExecution calls at a time: quick, and well inside the API's request rate.
const DESCRIBE_CONCURRENCY = 5;

const usage = `Usage: approval list [options]

Lists open approval requests (running executions), newest first, with their approvers and
subject ("Approval needed for <employee>" for a request about an employee).

Options:
  --all              every request, whatever its status
  --max N            at most N requests (default ${DEFAULT_LIST_MAX}, at most ${MAX_LIST_MAX})
  --local            use the local stack started by \`npm start\`
  --stack-name NAME  stack to use (default: stackName in cdk.json, else ${DEFAULT_STACK_NAME})
  --region REGION    region of the deployed stack (default: the AWS SDK's)
  --json             print a JSON array of the objects \`approval status --json\` prints, without
                     approvers (each approver's state needs the request's history, one more
                     call per request: \`approval status\` shows it)
  -h, --help         show this help`;

function parseMax(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_LIST_MAX;
  const max = Number(raw);
  if (!/^\d+$/.test(raw) || max < 1 || max > MAX_LIST_MAX)
    throw new UsageError(`--max must be a whole number from 1 to ${MAX_LIST_MAX}, not "${raw}".`, 'list');
  return max;
}

/** Newest first; one page more than needed tells whether there are more than `max`. */
async function newestExecutions(
  sfn: SFNClient,
  stateMachineArn: string,
  all: boolean,
  max: number,
): Promise<{ items: ExecutionListItem[]; more: boolean }> {
  const items: ExecutionListItem[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new ListExecutionsCommand({
        stateMachineArn,
        maxResults: Math.min(max + 1, MAX_LIST_MAX),
        nextToken,
        ...(all ? {} : { statusFilter: 'RUNNING' }),
      }),
    );
    items.push(...(page.executions ?? []).filter((item) => all || item.status === 'RUNNING'));
    nextToken = page.nextToken;
  } while (nextToken && items.length <= max);
  items.sort((a, b) => (b.startDate?.getTime() ?? 0) - (a.startDate?.getTime() ?? 0));
  return { items: items.slice(0, max), more: items.length > max || nextToken !== undefined };
}

async function describeAll(sfn: SFNClient, items: readonly ExecutionListItem[]): Promise<ApprovalExecutionView[]> {
  const views = new Array<ApprovalExecutionView | undefined>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      const arn = items[index]?.executionArn;
      if (!arn) continue;
      try {
        views[index] = await describeApprovalExecution(sfn, arn);
      } catch (error) {
        // Gone between the listing and now: nothing to show.
        if ((error as { name?: unknown }).name !== 'ExecutionDoesNotExist') throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(DESCRIBE_CONCURRENCY, items.length) }, worker));
  return views.filter((view): view is ApprovalExecutionView => view !== undefined);
}

export const listCommand: Command = {
  name: 'list',
  summary: 'show open requests, newest first',
  usage,
  async run(args, deps) {
    const { values } = parseCommandLine('list', () =>
      parseArgs({
        args: [...args],
        options: { ...COMMON_OPTIONS, ...STACK_OPTIONS, all: { type: 'boolean' }, max: { type: 'string' } },
        strict: true,
      }),
    );
    if (values.help) {
      deps.output.stdout(usage);
      return;
    }
    const all = values.all ?? false;
    const max = parseMax(values.max);
    const target = resolveTarget(values, deps);
    try {
      const stateMachineArn = await findStateMachineArn(target, deps);
      const sfn = sfnClientFor(target, deps, regionOfArn(stateMachineArn));
      const { items, more } = await newestExecutions(sfn, stateMachineArn, all, max);
      const views = await describeAll(sfn, items);
      if (values.json) {
        deps.output.stdout(formatJson(views));
        return;
      }
      const kind = all ? 'approval requests' : 'open approval requests';
      if (views.length === 0) {
        deps.output.stdout(`No ${kind} in ${describeTarget(target)}.`);
        return;
      }
      deps.output.stdout(formatExecutionTable(views, all).join('\n'));
      deps.output.stdout('');
      deps.output.stdout(
        more
          ? `The newest ${views.length} ${kind}; there are more (raise --max, up to ${MAX_LIST_MAX}).`
          : `${views.length} ${views.length === 1 ? kind.replace(/s$/, '') : kind}.`,
      );
      deps.output.stdout(`Details and decision: approval status EXECUTION_ARN${targetFlag(target)}`);
    } catch (error) {
      throw explainAwsFailure(error, target);
    }
  },
};
