import * as path from 'node:path';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { WORKER_TIMEOUT_SECONDS } from '../approval-config';
import { acknowledgeFinding, WILDCARD_FOR_LOGS_AND_TRACING } from '../compliance';

export const WORKER_ENTRY = path.join(__dirname, '..', '..', 'functions', 'approval-worker', 'index.ts');

export interface ActivityWorkerProps {
  readonly activity: sfn.IActivity;
  /** Base URL of the approval API stage; the links in the emails point there. */
  readonly approvalApiUrl: string;
  /**
   * Verified SES identity to send from.
   * @default the manager's own address (as the original sample does; fine in the SES sandbox)
   */
  readonly senderEmail?: string;
  /**
   * How often the schedule starts the worker. Each request also wakes it (the state machine's
   * WakeWorker state), so this is only a safety net.
   * @default 60 minutes
   */
  readonly schedule?: Duration;
  /**
   * Most instances running at once (reserved concurrency), so a burst of requests cannot start
   * hundreds of idle pollers. 0 reserves nothing (accounts whose concurrency limit is too low).
   * @default 2
   */
  readonly maxConcurrency?: number;
  /**
   * Most emails per second across all instances; each instance keeps to its share.
   * @default 10
   */
  readonly maxSendRate?: number;
}

/**
 * The Lambda that takes waiting approval tasks from the activity and emails the manager, and the
 * EventBridge schedule that starts it as a safety net (the state machine wakes it for each email).
 */
export class ActivityWorker extends Construct {
  public readonly function: nodejs.NodejsFunction;
  public readonly schedule: events.Rule;
  public readonly logGroup: logs.LogGroup;
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: ActivityWorkerProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    const maxConcurrency = props.maxConcurrency ?? 2;
    // Its own role instead of AWSLambdaBasicExecutionRole: logs go to this function's log group only.
    this.role = new iam.Role(this, 'Role', {
      description: 'Lets the approval worker take and fail approval tasks, send email and write its logs',
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      role: this.role,
      description: 'Emails Approve / Reject links for waiting Step Functions approval tasks',
      entry: WORKER_ENTRY,
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 128,
      // A run polls for up to 60 s at a time and stops polling when less than ~80 s remain.
      timeout: Duration.seconds(WORKER_TIMEOUT_SECONDS),
      tracing: lambda.Tracing.ACTIVE,
      logGroup: this.logGroup,
      reservedConcurrentExecutions: maxConcurrency > 0 ? maxConcurrency : undefined,
      environment: {
        ACTIVITY_ARN: props.activity.activityArn,
        APPROVAL_API_URL: props.approvalApiUrl,
        SENDER_EMAIL: props.senderEmail ?? '',
        MAX_SEND_RATE: String(maxSendRatePerInstance(props.maxSendRate ?? 10, maxConcurrency)),
        POWERTOOLS_SERVICE_NAME: 'approval-worker',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: { minify: true, sourceMap: true, target: 'node24' },
    });

    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'TakeAndFailApprovalTasks',
        actions: ['states:GetActivityTask', 'states:SendTaskFailure'],
        resources: [props.activity.activityArn],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'SendApprovalEmails',
        actions: ['ses:SendEmail'],
        resources: sesIdentityArns(Stack.of(this), props.senderEmail),
      }),
    );
    const policy = this.role.node.tryFindChild('DefaultPolicy');
    if (policy) {
      acknowledgeFinding(policy, 'AwsSolutions-IAM5[Resource::*]', WILDCARD_FOR_LOGS_AND_TRACING);
      if (props.senderEmail === undefined) {
        acknowledgeFinding(
          policy,
          'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*]',
          'No senderEmail is configured, so each email is sent from the manager\'s own address, which can be any verified identity. Set senderEmail to scope ses:SendEmail to one identity.',
        );
      }
    }

    // A wake-up that finds every instance busy waits at most a minute, then is dropped: the busy
    // instances are draining the activity anyway, and a late start would only hold an empty poll.
    this.function.configureAsyncInvoke({ maxEventAge: Duration.minutes(1), retryAttempts: 0 });

    this.schedule = new events.Rule(this, 'Schedule', {
      description: 'Starts the approval worker as a safety net; requests also wake it directly',
      schedule: events.Schedule.rate(props.schedule ?? Duration.minutes(60)),
      // A failed run is not retried: the next scheduled run picks up whatever is waiting.
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 0 })],
    });
  }
}

/** Each instance's share of the send rate, so all of them together never exceed it. */
export function maxSendRatePerInstance(maxSendRate: number, maxConcurrency: number): number {
  return maxConcurrency > 0 ? maxSendRate / maxConcurrency : maxSendRate;
}

/**
 * SES checks `ses:SendEmail` against the identity the sender belongs to: the address itself or its
 * domain. Without a fixed sender (mail from the manager's own address) any identity may be used.
 */
export function sesIdentityArns(stack: Stack, senderEmail: string | undefined): string[] {
  const identity = (name: string): string => stack.formatArn({ service: 'ses', resource: 'identity', resourceName: name });
  if (senderEmail === undefined) return [identity('*')];
  const domain = senderEmail.slice(senderEmail.lastIndexOf('@') + 1);
  return [identity(senderEmail), identity(domain)];
}
