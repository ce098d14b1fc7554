import { parseArgs } from 'node:util';
import { isEmailAddress } from '../../functions/commons/approval-request';
import { DEFAULT_STACK_NAME } from '../../infra/stack-name';
import { COMMON_OPTIONS, parseCommandLine, STACK_OPTIONS } from '../arguments';
import { CliError, UsageError } from '../cli-errors';
import { formatReport, hasProblems, reportJson, verdict } from '../doctor/report';
import { runDoctorChecks } from '../doctor/run-checks';
import { parseContextOverrides } from '../doctor/settings';
import { resolveTarget } from '../targets';
import type { Command } from './command';

const usage = `Usage: approval doctor [options]

Checks, before and after \`npm run deploy\`, what makes a deploy or the first email fail:
credentials, region, the cdk.json settings, cdk bootstrap, the SES sender identity and account,
Lambda concurrency, API Gateway's logging role, the deployed stack and the worker's last day.
Only read-only AWS calls.

Options:
  --sender-email ADDRESS  check this sender instead of senderEmail in cdk.json
  -c, --context NAME=VALUE
                          a setting as \`cdk deploy -c\` would get it (repeatable)
  --stack-name NAME       stack to check (default: stackName in cdk.json, else ${DEFAULT_STACK_NAME})
  --region REGION         region to check (default: AWS_REGION, AWS_DEFAULT_REGION, your profile's)
  --json                  print {"ok", "region", "checks": [{"id", "status", "summary", "fix"}]}
  -h, --help              show this help

Exit codes: 0 nothing blocks a deploy (ok, warn, skip), 1 a check found a problem, 2 bad arguments.`;

/** resolveTarget's usage errors name no command; these point to `approval doctor --help`. */
function withUsageOf<T>(command: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof UsageError && error.command === undefined) throw new UsageError(error.message, command);
    throw error;
  }
}

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'check the AWS account and settings before and after a deploy',
  usage,
  async run(args, deps) {
    const { values } = parseCommandLine('doctor', () =>
      parseArgs({
        args: [...args],
        options: {
          ...COMMON_OPTIONS,
          ...STACK_OPTIONS,
          'sender-email': { type: 'string' },
          context: { type: 'string', short: 'c', multiple: true },
        },
        strict: true,
      }),
    );
    if (values.help) {
      deps.output.stdout(usage);
      return;
    }
    if (values.local) {
      throw new UsageError(
        'doctor checks an AWS account, the one `npm run deploy` deploys to; the local stack needs no checks (`npm start` says what is wrong).',
        'doctor',
      );
    }
    const contextOverrides: Record<string, unknown> = parseContextOverrides(values.context ?? []);
    const senderEmail = values['sender-email'];
    if (senderEmail !== undefined) {
      if (!isEmailAddress(senderEmail)) throw new UsageError(`--sender-email "${senderEmail}" is not an email address.`, 'doctor');
      contextOverrides.senderEmail = senderEmail;
    }
    const contextStackName = contextOverrides.stackName;
    const target = withUsageOf('doctor', () =>
      resolveTarget(
        {
          'stack-name': values['stack-name'] ?? (typeof contextStackName === 'string' ? contextStackName : undefined),
          region: values.region,
        },
        deps,
      ),
    );

    const report = await runDoctorChecks({ region: target.region, stackName: target.stackName, contextOverrides, now: new Date() }, deps);
    deps.output.stdout(values.json ? reportJson(report) : formatReport(report).join('\n'));
    // The verdict of a failed run goes to stderr with the exit code 1, like every failure of the CLI.
    if (hasProblems(report)) throw new CliError(verdict(report));
    if (!values.json) deps.output.stdout(verdict(report));
  },
};
