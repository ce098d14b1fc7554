import * as path from 'node:path';
import { ArnFormat, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { HumanApprovalStack } from '../../infra/human-approval-stack';
import { PROBE_ENV } from './probe/config';

export const PROBE_ENTRY = path.join(__dirname, 'probe', 'index.ts');

export interface ApprovalProbeStackProps extends StackProps {
  /** The deployed product the probe exercises. */
  readonly product: HumanApprovalStack;
}

/**
 * The integ test's probe, in a stack of its own so the product stack stays as users deploy it.
 * Its role may start, follow and stop approval requests, take approval tasks, and hold the
 * worker's slots (to keep the worker off the tasks it takes itself); nothing else.
 */
export class ApprovalProbeStack extends Stack {
  public readonly probe: nodejs.NodejsFunction;

  constructor(scope: Construct, id: string, props: ApprovalProbeStackProps) {
    super(scope, id, props);
    const product = props.product.approval;
    const stateMachine = product.stateMachine;
    const worker = product.worker.function;
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_WEEK, removalPolicy: RemovalPolicy.DESTROY });
    const executions = this.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${stateMachine.stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
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
            new iam.PolicyStatement({
              sid: 'StartRequests',
              actions: ['states:StartExecution'],
              resources: [stateMachine.stateMachineArn],
            }),
            new iam.PolicyStatement({
              sid: 'FollowAndStopRequests',
              actions: ['states:DescribeExecution', 'states:GetExecutionHistory', 'states:StopExecution'],
              resources: [executions],
            }),
            new iam.PolicyStatement({
              sid: 'TakeApprovalTasks',
              actions: ['states:GetActivityTask'],
              resources: [product.activity.activityArn],
            }),
            new iam.PolicyStatement({
              sid: 'HoldOffTheWorker',
              actions: ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
              resources: [product.worker.slots.tableArn],
            }),
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
        [PROBE_ENV.stateMachineArn]: stateMachine.stateMachineArn,
        [PROBE_ENV.activityArn]: product.activity.activityArn,
        [PROBE_ENV.approvalApiUrl]: product.approvalApi.url,
        [PROBE_ENV.workerFunctionName]: worker.functionName,
        [PROBE_ENV.workerSlotsTable]: product.worker.slots.tableName,
        [PROBE_ENV.workerSlotCount]: String(product.config.workerMaxConcurrency),
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: { minify: true, sourceMap: true, target: 'node24' },
    });
  }
}
