import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The CloudFormation stack name when the `stackName` setting is not given. */
export const DEFAULT_STACK_NAME = 'HumanApproval';

/**
 * The stack name `cdk deploy` and `npm start` use: the `stackName` context in the cdk.json of the
 * current folder (the project the CLI is run in) when it is set there, else the default. A `-c stackName=...` on the command line is not visible here; the
 * CLI takes --stack-name for that.
 */
export function configuredStackName(cdkJsonPath = join(process.cwd(), 'cdk.json')): string {
  try {
    const context = (JSON.parse(readFileSync(cdkJsonPath, 'utf8')) as { context?: { stackName?: unknown } }).context;
    const name = context?.stackName;
    return typeof name === 'string' && name !== '' ? name : DEFAULT_STACK_NAME;
  } catch {
    return DEFAULT_STACK_NAME;
  }
}
