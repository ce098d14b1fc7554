import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { WORKER_ENV } from '../../functions/approval-worker/config';
import { SLACK_ENV } from '../../functions/commons/slack-contract';
import { WORKER_METRICS_NAMESPACE_DEFAULT, WORKER_SERVICE_NAME } from '../../functions/commons/worker-metrics';
import { APPROVAL_SETTINGS, WORKER_TIMEOUT_SECONDS } from '../approval-config';
import { acknowledgeFinding, WILDCARD_FOR_LOGS_AND_TRACING } from '../compliance';
import { lambdaRoleWritingOwnLogs } from './function-role';
import { prebuiltFunctionProps } from './prebuilt-function';

export interface ActivityWorkerProps {
  readonly activity: sfn.IActivity;
  /** Base URL of the approval API stage; the links in the emails point there. */
  readonly approvalApiUrl: string;
  /**
   * Verified SES identity to send from.
   * @default the approver's own address (as the original sample does with its manager: every approver must then be a verified identity)
   */
  readonly senderEmail?: string;
  /**
   * SES configuration set to send every email with.
   * @default none named (an account or identity default set still applies)
   */
  readonly sesConfigurationSet?: string;
  /**
   * How often the schedule starts the worker. Each request also wakes it (the state machine's
   * WakeWorker state), so this is only a safety net.
   * @default the default of the `workerScheduleMinutes` setting (APPROVAL_SETTINGS in infra/approval-config.ts)
   */
  readonly schedule?: Duration;
  /**
   * Most instances working at once. Each run first takes one of this many slots in a DynamoDB
   * table and stops at once if none is free, so a burst of requests cannot start hundreds of
   * pollers, without the Lambda reserved concurrency that new accounts cannot give.
   * @default the default of the `workerMaxConcurrency` setting (APPROVAL_SETTINGS)
   */
  readonly maxConcurrency?: number;
  /**
   * Lambda reserved concurrency, a hard cap on top of the slots. Lambda refuses a reservation that
   * leaves fewer than 100 unreserved executions, which fails the deploy in accounts whose limit is 10.
   * @default none
   */
  readonly reservedConcurrency?: number;
  /**
   * Most emails per second across all instances; each instance keeps to its share.
   * @default the default of the `maxSendRate` setting (APPROVAL_SETTINGS)
   */
  readonly maxSendRate?: number;
  /**
   * CloudWatch namespace of the worker's metrics (emails sent, failed, throttled).
   * @default WORKER_METRICS_NAMESPACE_DEFAULT (functions/commons/worker-metrics.ts)
   */
  readonly metricsNamespace?: string;
  /** The Slack app's secret; with it the worker can reach approvers in Slack. */
  readonly slackSecret?: secretsmanager.ISecret;
}

/**
 * The Lambda that takes waiting approval tasks from the activity and emails the approvers, and the
 * EventBridge schedule that starts it as a safety net (the state machine wakes it for each email).
 */
export class ActivityWorker extends Construct {
  public readonly function: lambda.Function;
  public readonly schedule: events.Rule;
  public readonly logGroup: logs.LogGroup;
  public readonly role: iam.Role;
  /** The worker slots: one item per running instance, at most maxConcurrency. */
  public readonly slots: dynamodb.Table;

  constructor(scope: Construct, id: string, props: ActivityWorkerProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    const maxConcurrency = props.maxConcurrency ?? APPROVAL_SETTINGS.workerMaxConcurrency.default;
    if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1) {
      throw new Error(`maxConcurrency must be a whole number of at least 1, not ${maxConcurrency}.`);
    }
    this.slots = new dynamodb.Table(this, 'Slots', {
      partitionKey: { name: 'slot', type: dynamodb.AttributeType.STRING },
      // Pay per request: no capacity to pay for while idle; a run costs two writes.
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiresAtSeconds',
      removalPolicy: RemovalPolicy.DESTROY,
    });
    acknowledgeFinding(
      this.slots,
      'AwsSolutions-DDB3',
      'The table only holds short leases (one item per running worker instance, expiring with the run); there is nothing to recover to a point in time.',
    );
    this.role = lambdaRoleWritingOwnLogs(
      this,
      this.logGroup,
      'Lets the approval worker take and fail approval tasks, send email, write its logs and start its own next run',
    );
    this.function = new lambda.Function(this, 'Function', {
      ...prebuiltFunctionProps('approval-worker', this.role, this.logGroup),
      description: 'Emails Approve / Reject links for waiting Step Functions approval tasks',
      memorySize: 128,
      // A run polls for up to 60 s at a time and stops polling when less than ~80 s remain.
      timeout: Duration.seconds(WORKER_TIMEOUT_SECONDS),
      reservedConcurrentExecutions: props.reservedConcurrency || undefined,
      // A run that hands over invokes this function itself. Lambda stops such a chain after about 16
      // invocations by default ("Use Lambda recursive loop detection to prevent infinite loops"), and
      // a large backlog needs longer chains: the worker bounds its own chains instead
      // (MAX_HAND_OVER_HOPS in functions/approval-worker/hand-over-event.ts).
      recursiveLoop: lambda.RecursiveLoop.ALLOW,
      environment: {
        [WORKER_ENV.activityArn]: props.activity.activityArn,
        [WORKER_ENV.approvalApiUrl]: props.approvalApiUrl,
        [WORKER_ENV.senderEmail]: props.senderEmail ?? '',
        [WORKER_ENV.sesConfigurationSet]: props.sesConfigurationSet ?? '',
        [WORKER_ENV.maxSendRate]: String(
          maxSendRatePerInstance(props.maxSendRate ?? APPROVAL_SETTINGS.maxSendRate.default, maxConcurrency),
        ),
        [WORKER_ENV.slotsTable]: this.slots.tableName,
        [WORKER_ENV.slotCount]: String(maxConcurrency),
        [WORKER_ENV.metricsNamespace]: props.metricsNamespace ?? WORKER_METRICS_NAMESPACE_DEFAULT,
        POWERTOOLS_SERVICE_NAME: WORKER_SERVICE_NAME,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
        // A name, not an ARN: GetSecretValue takes either, and a name needs no suffix.
        ...(props.slackSecret ? { [SLACK_ENV.secretId]: props.slackSecret.secretName } : {}),
      },
    });
    props.slackSecret?.grantRead(this.role);

    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'TakeAndFailApprovalTasks',
        actions: ['states:GetActivityTask', 'states:SendTaskFailure'],
        resources: [props.activity.activityArn],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'HoldWorkerSlots',
        actions: ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
        resources: [this.slots.tableArn],
      }),
    );
    for (const statement of sesSendStatements(Stack.of(this), props.senderEmail, props.sesConfigurationSet))
      this.role.addToPolicy(statement);
    const policy = this.role.node.tryFindChild('DefaultPolicy');
    if (policy) {
      acknowledgeFinding(policy, 'AwsSolutions-IAM5[Resource::*]', WILDCARD_FOR_LOGS_AND_TRACING);
      acknowledgeFinding(
        policy,
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*]',
        props.senderEmail === undefined
          ? "No senderEmail is configured, so each email is sent from the approver's own address, which can be any verified identity. Set senderEmail to restrict sending to one From address."
          : 'SES also authorizes SendEmail against each recipient identity in the sandbox, which can be any address; the ses:FromAddress condition still restricts the statement to mail from senderEmail.',
      );
      if (props.sesConfigurationSet === undefined) {
        acknowledgeFinding(
          policy,
          'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:configuration-set/*]',
          'SES authorizes SendEmail against the configuration set that applies, which can be an account or identity default set the stack does not know. Set sesConfigurationSet to name one.',
        );
      }
    }

    // A run that stops for time while tasks are still arriving starts its successor (the hand-over).
    // In a policy of its own: the role's default policy cannot name the function, which depends on
    // it (role policy -> function -> role policy would be a cycle); nothing depends on this one.
    new iam.Policy(this, 'HandOverPolicy', {
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({
          sid: 'HandOverToItself',
          actions: ['lambda:InvokeFunction'],
          resources: [this.function.functionArn],
        }),
      ],
    });

    // A wake-up that finds every instance busy waits at most a minute, then is dropped: the busy
    // instances are draining the activity anyway, and a late start would only hold an empty poll.
    this.function.configureAsyncInvoke({ maxEventAge: Duration.minutes(1), retryAttempts: 0 });

    this.schedule = new events.Rule(this, 'Schedule', {
      description: 'Starts the approval worker as a safety net; requests also wake it directly',
      schedule: events.Schedule.rate(props.schedule ?? Duration.minutes(APPROVAL_SETTINGS.workerScheduleMinutes.default)),
      // A failed run is not retried: the next run, woken or scheduled, picks up whatever is waiting.
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 0 })],
    });
  }
}

/** Each instance's share of the send rate, so all of them together never exceed it. */
export function maxSendRatePerInstance(maxSendRate: number, maxConcurrency: number): number {
  return maxSendRate / maxConcurrency;
}

/**
 * What `ses:SendEmail` needs. SES authorizes a send against the sender's identity, against the
 * configuration set that applies (the one named, or an account or identity default set), and in
 * the sandbox against each recipient's identity too (aws-cdk issue 34402; "Identity and access
 * management in Amazon SES"). Recipients can be anyone, so identities are `identity/*`, held to
 * mail from senderEmail by the ses:FromAddress condition when one is configured.
 */
export function sesSendStatements(
  stack: Stack,
  senderEmail: string | undefined,
  configurationSet: string | undefined,
): iam.PolicyStatement[] {
  const arn = (resource: string, name: string): string => stack.formatArn({ service: 'ses', resource, resourceName: name });
  const fromSender = senderEmail === undefined ? undefined : { StringEquals: { 'ses:FromAddress': senderEmail } };
  return [
    new iam.PolicyStatement({
      sid: 'SendApprovalEmails',
      actions: ['ses:SendEmail'],
      resources: [arn('identity', '*')],
      conditions: fromSender,
    }),
    new iam.PolicyStatement({
      sid: 'SendWithConfigurationSet',
      actions: ['ses:SendEmail'],
      resources: [arn('configuration-set', configurationSet ?? '*')],
      conditions: fromSender,
    }),
  ];
}
