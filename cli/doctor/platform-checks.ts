import { GetAccountCommand, type APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { GetAccountSettingsCommand, GetFunctionConcurrencyCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { couldNotCheck, isNamed, result, type CheckResult } from './check-result';

/** Lambda refuses a reservation that leaves the account fewer unreserved executions than this. */
export const MIN_UNRESERVED_CONCURRENCY = 100;

export interface ConcurrencySettings {
  readonly workerMaxConcurrency: number;
  readonly workerReservedConcurrency: number;
}

/**
 * What the worker holds now. Once deployed, the account's unreserved count already excludes it, and
 * counting it twice would report a working deployment as broken.
 */
async function currentReservation(lambda: LambdaClient, functionName: string | undefined): Promise<number> {
  if (functionName === undefined) return 0;
  try {
    return (await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: functionName }))).ReservedConcurrentExecutions ?? 0;
  } catch (error) {
    if (isNamed(error, 'ResourceNotFoundException')) return 0;
    throw error;
  }
}

export async function checkLambdaConcurrency(
  lambda: LambdaClient,
  settings: ConcurrencySettings,
  workerFunctionName: string | undefined,
): Promise<CheckResult> {
  const { workerMaxConcurrency: max, workerReservedConcurrency: reserved } = settings;
  let limit: number;
  let unreserved: number;
  try {
    const account = (await lambda.send(new GetAccountSettingsCommand({}))).AccountLimit;
    limit = account?.ConcurrentExecutions ?? 0;
    unreserved = account?.UnreservedConcurrentExecutions ?? limit;
  } catch (error) {
    return result('lambda-concurrency', couldNotCheck('lambda:GetAccountSettings', error));
  }
  if (reserved > 0) {
    let held: number;
    try {
      held = await currentReservation(lambda, workerFunctionName);
    } catch (error) {
      return result('lambda-concurrency', couldNotCheck('lambda:GetFunctionConcurrency', error));
    }
    const left = unreserved + held - reserved;
    if (left < MIN_UNRESERVED_CONCURRENCY) {
      return result('lambda-concurrency', {
        status: 'problem',
        summary:
          `workerReservedConcurrency=${reserved} would leave ${left} of the account's ${limit} concurrent executions unreserved; ` +
          `Lambda refuses a reservation that leaves fewer than ${MIN_UNRESERVED_CONCURRENCY}`,
        fix: `deploy with \`-c workerReservedConcurrency=0\` (the default: the worker keeps to workerMaxConcurrency by itself), or have the Lambda concurrency quota raised.`,
      });
    }
  }
  if (limit < max + 1) {
    return result('lambda-concurrency', {
      status: 'warn',
      summary: `the account runs at most ${limit} Lambda executions at once, not enough for the worker's ${max} (workerMaxConcurrency) and anything else`,
      fix: `lower workerMaxConcurrency, or request a higher "Concurrent executions" quota in Service Quotas.`,
    });
  }
  return result('lambda-concurrency', {
    status: 'ok',
    summary: `account limit ${limit}, ${unreserved} unreserved; the worker runs at most ${max} at once, ${reserved > 0 ? `${reserved} reserved` : 'no reservation'}`,
  });
}

function roleName(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

/**
 * The stage writes access logs, which API Gateway only accepts once the account and region name a
 * CloudWatch Logs role. CloudFormation names the role it creates `<stack>-...`: that tells the
 * stack's own role from one someone else set.
 */
export async function checkApiGatewayLoggingRole(
  apiGateway: APIGatewayClient,
  createAccountRole: boolean,
  stackName: string,
): Promise<CheckResult> {
  let roleArn: string | undefined;
  try {
    roleArn = (await apiGateway.send(new GetAccountCommand({}))).cloudwatchRoleArn || undefined;
  } catch (error) {
    return result('api-gateway-logging-role', couldNotCheck('apigateway:GET (/account)', error));
  }
  if (roleArn === undefined) {
    if (createAccountRole)
      return result('api-gateway-logging-role', { status: 'ok', summary: 'no CloudWatch Logs role set yet; the stack creates one' });
    return result('api-gateway-logging-role', {
      status: 'problem',
      summary:
        'API Gateway has no CloudWatch Logs role in this account and region, and createApiGatewayAccountRole is false: ' +
        'the stage\'s access logging fails the deploy ("CloudWatch Logs role ARN must be set in account settings")',
      fix: 'deploy with `-c createApiGatewayAccountRole=true` (the default), or set a role in the API Gateway console, Settings.',
    });
  }
  if (!createAccountRole) return result('api-gateway-logging-role', { status: 'ok', summary: `uses the account's role ${roleArn}` });
  if (roleName(roleArn).startsWith(`${stackName}-`)) {
    return result('api-gateway-logging-role', { status: 'ok', summary: `the stack's own role ${roleArn}` });
  }
  return result('api-gateway-logging-role', {
    status: 'warn',
    summary: `the account already uses the role ${roleArn}; the stack will point the account setting at its own role instead`,
    fix: 'if another stack or team manages that setting, deploy with `-c createApiGatewayAccountRole=false`.',
  });
}
