import { DescribeStacksCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { GetMetricStatisticsCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { STACK_OUTPUTS } from '../../infra/stack-outputs';
import { combine, couldNotCheck, isNamed, result, type CheckResult, type Finding } from './check-result';

/** The outputs the CLI and the worker checks read; a stack without them is not this project's, or half deployed. */
export const REQUIRED_OUTPUTS = [
  STACK_OUTPUTS.approvalApiUrl,
  STACK_OUTPUTS.stateMachineArn,
  STACK_OUTPUTS.activityArn,
  STACK_OUTPUTS.workerFunctionName,
] as const;
const LOG_GROUP_OUTPUT = STACK_OUTPUTS.workerLogGroupName;

export interface DeployedStack {
  readonly status: string;
  readonly outputs: Readonly<Record<string, string>>;
  readonly createdAt: Date | undefined;
}

export type StackLookup =
  | { readonly kind: 'found'; readonly stack: DeployedStack }
  | { readonly kind: 'absent' }
  | { readonly kind: 'failed'; readonly error: unknown };

/** Looked up once, before the checks: the Lambda check also needs the worker's name. */
export async function lookUpStack(cloudFormation: CloudFormationClient, stackName: string): Promise<StackLookup> {
  try {
    const stack = (await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
    if (!stack) return { kind: 'absent' };
    const outputs: Record<string, string> = {};
    for (const output of stack.Outputs ?? []) if (output.OutputKey && output.OutputValue) outputs[output.OutputKey] = output.OutputValue;
    return { kind: 'found', stack: { status: stack.StackStatus ?? 'UNKNOWN', outputs, createdAt: stack.CreationTime } };
  } catch (error) {
    if (isNamed(error, 'ValidationError') && /does not exist/.test(String((error as { message?: unknown }).message)))
      return { kind: 'absent' };
    return { kind: 'failed', error };
  }
}

function statusFinding(status: string, stackName: string, region: string): Finding {
  const events = `\`aws cloudformation describe-stack-events --stack-name ${stackName} --region ${region}\``;
  if (status === 'ROLLBACK_COMPLETE') {
    return {
      status: 'problem',
      summary: 'ROLLBACK_COMPLETE: the first deploy failed, and such a stack cannot be updated',
      fix: `read the cause in ${events}, then delete the stack (\`npx cdk destroy\`) and deploy again.`,
    };
  }
  if (/^ROLLBACK_|_FAILED$/.test(status)) {
    return { status: 'problem', summary: `stack status ${status}`, fix: `read the cause in ${events}, fix it, and deploy again.` };
  }
  if (status.startsWith('UPDATE_ROLLBACK_')) {
    return {
      status: 'warn',
      summary: `${status}: the last update failed; the stack runs the version before it`,
      fix: `read the cause in ${events}.`,
    };
  }
  if (status.endsWith('_IN_PROGRESS')) {
    return { status: 'warn', summary: `${status}: a deployment is under way`, fix: 'run `approval doctor` again when it has finished.' };
  }
  return { status: 'ok', summary: status };
}

/** After `cdk deploy`: did it finish, and does the stack expose what the CLI needs? */
export function checkDeployedStack(lookup: StackLookup, stackName: string, region: string): CheckResult {
  if (lookup.kind === 'absent') return { id: 'deployed-stack', status: 'skip', summary: `${stackName} is not deployed yet in ${region}` };
  if (lookup.kind === 'failed') return result('deployed-stack', couldNotCheck('cloudformation:DescribeStacks', lookup.error));
  const { stack } = lookup;
  const findings = [statusFinding(stack.status, stackName, region)];
  const missing = REQUIRED_OUTPUTS.filter((key) => stack.outputs[key] === undefined);
  if (missing.length > 0) {
    findings.push({
      status: 'problem',
      summary: `${stackName} lacks the output${missing.length === 1 ? '' : 's'} ${missing.join(', ')}`,
      fix: "deploy this project's current version (`npm run deploy`), or pass --stack-name if the stack has another name.",
    });
  } else {
    findings.push({ status: 'ok', summary: 'all outputs present' });
  }
  return combine('deployed-stack', findings);
}

const DAY_MS = 24 * 60 * 60 * 1000;

async function sumOverDay(
  cloudWatch: CloudWatchClient,
  metric: 'Errors' | 'Invocations',
  functionName: string,
  now: Date,
): Promise<number> {
  const statistics = await cloudWatch.send(
    new GetMetricStatisticsCommand({
      Namespace: 'AWS/Lambda',
      MetricName: metric,
      Dimensions: [{ Name: 'FunctionName', Value: functionName }],
      StartTime: new Date(now.getTime() - DAY_MS),
      EndTime: now,
      // Hourly sums added up: a single day-long period may straddle two datapoints anyway.
      Period: 3_600,
      Statistics: ['Sum'],
    }),
  );
  return (statistics.Datapoints ?? []).reduce((total, point) => total + (point.Sum ?? 0), 0);
}

export interface WorkerHealthContext {
  readonly stack: DeployedStack;
  readonly now: Date;
  readonly scheduleMinutes: number;
}

/** The worker's last day: failed runs mean emails not sent; no runs at all mean the schedule is off. */
export async function checkWorkerHealth(
  cloudWatch: CloudWatchClient,
  functionName: string,
  { stack, now, scheduleMinutes }: WorkerHealthContext,
): Promise<CheckResult> {
  let errors: number;
  let invocations: number;
  try {
    [errors, invocations] = await Promise.all([
      sumOverDay(cloudWatch, 'Errors', functionName, now),
      sumOverDay(cloudWatch, 'Invocations', functionName, now),
    ]);
  } catch (error) {
    return result('worker-health', couldNotCheck('cloudwatch:GetMetricStatistics', error));
  }
  const findings: Finding[] = [];
  if (errors > 0) {
    // The worker's log group is named by the stack, not /aws/lambda/<function>: only the output knows it.
    const logGroup = stack.outputs[LOG_GROUP_OUTPUT];
    findings.push({
      status: 'problem',
      summary: `${errors} failed run${errors === 1 ? '' : 's'} of ${functionName} in the last 24 hours`,
      fix: logGroup
        ? `read the worker's log group: \`aws logs tail ${logGroup} --since 24h\`.`
        : "read the worker's log group (the function's Monitoring tab in the Lambda console links to it).",
    });
  }
  const ageMinutes = stack.createdAt ? (now.getTime() - stack.createdAt.getTime()) / 60_000 : Infinity;
  if (invocations === 0 && ageMinutes >= scheduleMinutes) {
    findings.push({
      status: 'warn',
      summary: `no runs in the last 24 hours: the safety-net schedule (every ${scheduleMinutes} minutes) has not started the worker`,
      fix: "check that the stack's EventBridge rule is enabled (EventBridge console, Rules).",
    });
  }
  if (findings.length === 0) {
    findings.push({
      status: 'ok',
      summary:
        invocations === 0
          ? `deployed ${Math.floor(ageMinutes)} minutes ago, no scheduled run yet`
          : `${invocations} runs, no errors in the last 24 hours`,
    });
  }
  return combine('worker-health', findings);
}
