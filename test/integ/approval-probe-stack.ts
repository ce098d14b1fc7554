import * as path from 'node:path';
import { ArnFormat, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { HumanApprovalStack } from '../../infra/human-approval-stack';
import { CONFIRM_ENV_PREFIX, PROBE_ENV } from './probe/config';

export const PROBE_ENTRY = path.join(__dirname, 'probe', 'index.ts');

export interface ApprovalProbeStackProps extends StackProps {
  /** The deployed product the probe exercises, in direct link mode. */
  readonly product: HumanApprovalStack;
  /** The same product in confirm link mode. */
  readonly confirmProduct: HumanApprovalStack;
}

/**
 * The integ test's probe, in a stack of its own so the product stacks stay as users deploy them.
 * Its role may, on each product stack, start, follow and stop approval requests, take approval
 * tasks, and hold the worker's slots (to keep the worker off the tasks it takes itself); nothing else.
 */
export class ApprovalProbeStack extends Stack {
  public readonly probe: nodejs.NodejsFunction;

  constructor(scope: Construct, id: string, props: ApprovalProbeStackProps) {
    super(scope, id, props);
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_WEEK, removalPolicy: RemovalPolicy.DESTROY });
    const role = new iam.Role(this, 'Role', {
      description: 'Lets the integ test probe drive approval requests and hold off the approval worker',
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      inlinePolicies: {
        Probe: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              sid: 'WriteOwnLogs',
              actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
              resources: [logGroup.logGroupArn],
            }),
            ...this.driveStatements(props.product, ''),
            ...this.driveStatements(props.confirmProduct, 'Confirm'),
          ],
        }),
      },
    });

    this.probe = new nodejs.NodejsFunction(this, 'Probe', {
      role,
      description: 'Integ test probe: clicks the approval links with real task tokens and checks the delivery',
      entry: PROBE_ENTRY,
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.minutes(5),
      logGroup,
      environment: {
        ...probeEnvironment(props.product, ''),
        ...probeEnvironment(props.confirmProduct, CONFIRM_ENV_PREFIX),
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: { minify: true, sourceMap: true, target: 'node24' },
    });
  }

  /** What the probe may do on one product stack; `sidPrefix` tells the stacks' statements apart. */
  private driveStatements(productStack: HumanApprovalStack, sidPrefix: string): iam.PolicyStatement[] {
    const product = productStack.approval;
    const executions = this.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${product.stateMachine.stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    return [
      new iam.PolicyStatement({
        sid: `${sidPrefix}StartRequests`,
        actions: ['states:StartExecution'],
        resources: [product.stateMachine.stateMachineArn],
      }),
      new iam.PolicyStatement({
        sid: `${sidPrefix}FollowAndStopRequests`,
        actions: ['states:DescribeExecution', 'states:GetExecutionHistory', 'states:StopExecution'],
        resources: [executions],
      }),
      new iam.PolicyStatement({
        sid: `${sidPrefix}TakeApprovalTasks`,
        actions: ['states:GetActivityTask'],
        resources: [product.activity.activityArn],
      }),
      new iam.PolicyStatement({
        sid: `${sidPrefix}HoldOffTheWorker`,
        actions: ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
        resources: [product.worker.slots.tableArn],
      }),
    ];
  }
}

/** The probe's environment variables for one product stack (test/integ/probe/config.ts). */
function probeEnvironment(productStack: HumanApprovalStack, prefix: string): Record<string, string> {
  const product = productStack.approval;
  return {
    [prefix + PROBE_ENV.stateMachineArn]: product.stateMachine.stateMachineArn,
    [prefix + PROBE_ENV.activityArn]: product.activity.activityArn,
    [prefix + PROBE_ENV.approvalApiUrl]: product.approvalApi.url,
    [prefix + PROBE_ENV.workerFunctionName]: product.worker.function.functionName,
    [prefix + PROBE_ENV.workerSlotsTable]: product.worker.slots.tableName,
    [prefix + PROBE_ENV.workerSlotCount]: String(product.config.workerMaxConcurrency),
    [prefix + PROBE_ENV.reminderIntervalSeconds]: String(product.config.reminderIntervalSeconds),
  };
}
