import { StepFunctionsApiError } from './errors';

/** Where the emulated resources live: their ARNs carry this region and account. */
export interface ArnScope {
  readonly region: string;
  readonly accountId: string;
}

export type StepFunctionsResource = 'activity' | 'stateMachine' | 'execution';

export interface ParsedArn {
  readonly region: string;
  readonly accountId: string;
  readonly resource: StepFunctionsResource;
  /** The activity or state machine name. */
  readonly name: string;
  /** Only for executions: the execution name after the state machine name. */
  readonly executionName?: string;
}

const STATES_ARN = /^arn:aws[a-z-]*:states:([a-z0-9-]+):(\d{12}):(activity|stateMachine|execution):([^:]+)(?::([^:]+))?$/;

/** An activity ARN in any region or account, as a Task state's Resource names it. */
export const ACTIVITY_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:activity:[^:]+$/;

export function activityArn(scope: ArnScope, name: string): string {
  return `arn:aws:states:${scope.region}:${scope.accountId}:activity:${name}`;
}

export function stateMachineArn(scope: ArnScope, name: string): string {
  return `arn:aws:states:${scope.region}:${scope.accountId}:stateMachine:${name}`;
}

export function executionArn(scope: ArnScope, stateMachineName: string, executionName: string): string {
  return `arn:aws:states:${scope.region}:${scope.accountId}:execution:${stateMachineName}:${executionName}`;
}

/** Parses a Step Functions ARN of the expected kind, or refuses it with InvalidArn as the service does. */
export function parseArn(value: string, expected: StepFunctionsResource): ParsedArn {
  const match = STATES_ARN.exec(value);
  // Recorded on AWS (LocalStack test_sfn_api_activities, test_get_activity_task_invalid_arn): "Invalid Arn: 'Invalid ARN prefix: no_an_activity_arn'".
  if (!value.startsWith('arn:')) throw new StepFunctionsApiError('InvalidArn', `Invalid Arn: 'Invalid ARN prefix: ${value}'`);
  if (match === null) throw new StepFunctionsApiError('InvalidArn', `Invalid Arn: '${value}' is not a Step Functions ${expected} ARN.`);
  const [, region = '', accountId = '', resource = '', name = '', executionName] = match;
  if (resource !== expected) {
    throw new StepFunctionsApiError(
      'InvalidArn',
      `Invalid Arn: 'Resource type not valid in this context: ${resource}' (expected ${expected}).`,
    );
  }
  const needsExecutionName = expected === 'execution';
  if (needsExecutionName !== (executionName !== undefined)) {
    throw new StepFunctionsApiError('InvalidArn', `Invalid Arn: '${value}' is not a Step Functions ${expected} ARN.`);
  }
  return { region, accountId, resource, name, ...(executionName === undefined ? {} : { executionName }) };
}
