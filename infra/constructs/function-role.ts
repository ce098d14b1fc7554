import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/**
 * A Lambda function's own role (`<scope>/Role`), instead of AWSLambdaBasicExecutionRole: it may
 * write logs to the function's log group only. Callers add what the function itself needs.
 */
export function lambdaRoleWritingOwnLogs(scope: Construct, logGroup: logs.ILogGroup, description: string): iam.Role {
  const role = new iam.Role(scope, 'Role', { description, assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  role.addToPolicy(
    new iam.PolicyStatement({
      sid: 'WriteOwnLogs',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }),
  );
  return role;
}
