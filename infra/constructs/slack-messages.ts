import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { SLACK_ENV } from '../../functions/commons/slack-contract';
import { SLACK_MESSAGE_KEY, SLACK_MESSAGE_TTL_ATTRIBUTE, SLACK_MESSAGES_TABLE_ENV } from '../../functions/commons/slack-message-records';
import { acknowledgeFinding, WILDCARD_FOR_LOGS_AND_TRACING } from '../compliance';
import { lambdaRoleWritingOwnLogs } from './function-role';
import { prebuiltFunctionProps } from './prebuilt-function';

export interface SlackMessagesProps {
  /** The secret with the Slack app's bot token. */
  readonly secret: secretsmanager.ISecret;
  /** The approval state machine, whose ended executions close their messages. */
  readonly stateMachine: sfn.IStateMachine;
  /** The worker function, which records each approver's message. */
  readonly worker: lambda.Function;
  readonly workerRole: iam.IRole;
}

/**
 * Where each approver's Slack message is, and what closes them all when a request ends
 * (functions/commons/slack-message-records.ts): a DynamoDB table the worker writes one item per
 * approver into, and a function that EventBridge runs for each ended execution of the approval
 * state machine, which replaces every message's buttons with the outcome
 * (functions/slack-message-closer). Step Functions sends "Step Functions Execution Status Change"
 * events for standard workflows to the default bus with no setup
 * (https://docs.aws.amazon.com/step-functions/latest/dg/eventbridge-integration.html).
 */
export class SlackMessages extends Construct {
  public readonly table: dynamodb.Table;
  public readonly closer: lambda.Function;
  public readonly closerLogGroup: logs.LogGroup;
  public readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: SlackMessagesProps) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: SLACK_MESSAGE_KEY.partition, type: dynamodb.AttributeType.STRING },
      sortKey: { name: SLACK_MESSAGE_KEY.sort, type: dynamodb.AttributeType.STRING },
      // Pay per request: a request costs one write per approver and message, nothing while idle.
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: SLACK_MESSAGE_TTL_ATTRIBUTE,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    acknowledgeFinding(
      this.table,
      'AwsSolutions-DDB3',
      'The table only says where open requests’ Slack messages are, each item expiring a week after its request; losing it leaves buttons that answer "no longer open", nothing to recover to a point in time.',
    );

    // The worker records each approver's message (and reads the previous one for a reminder).
    props.worker.addEnvironment(SLACK_MESSAGES_TABLE_ENV, this.table.tableName);
    this.table.grant(props.workerRole, 'dynamodb:GetItem', 'dynamodb:PutItem');

    this.closerLogGroup = new logs.LogGroup(this, 'CloserLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = lambdaRoleWritingOwnLogs(
      this,
      this.closerLogGroup,
      'Lets the Slack message closer read the Slack secret and the table of messages, and write its logs',
    );
    props.secret.grantRead(role);
    // Query the request's messages, after putting the request's "ended" mark (slack-message-records.ts, REQUEST_ENDED_KEY).
    this.table.grant(role, 'dynamodb:PutItem', 'dynamodb:Query');
    this.closer = new lambda.Function(this, 'Closer', {
      ...prebuiltFunctionProps('slack-message-closer', role, this.closerLogGroup),
      description: "Replaces the buttons of every approver's Slack message with the outcome when an approval request ends",
      memorySize: 256,
      timeout: Duration.seconds(60),
      environment: {
        [SLACK_ENV.secretId]: props.secret.secretName,
        [SLACK_MESSAGES_TABLE_ENV]: this.table.tableName,
        POWERTOOLS_SERVICE_NAME: 'approval-slack-message-closer',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
      },
    });

    this.rule = new events.Rule(this, 'RequestEnded', {
      description: 'An approval execution ended: close its Slack messages',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: {
          stateMachineArn: [props.stateMachine.stateMachineArn],
          status: ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'],
        },
      },
      // EventBridge tries again while it cannot hand the event to Lambda (throttled, say); an hour
      // is plenty for a message that says how a request ended.
      targets: [new targets.LambdaFunction(this.closer, { maxEventAge: Duration.hours(1), retryAttempts: 2 })],
    });
    // Lambda runs the target asynchronously and tries a failed run twice more: the closer fails when
    // Slack failed for now, and closing a message twice is harmless.
    this.closer.configureAsyncInvoke({ maxEventAge: Duration.hours(1), retryAttempts: 2 });

    const policy = role.node.tryFindChild('DefaultPolicy');
    if (policy) {
      acknowledgeFinding(policy, 'AwsSolutions-IAM5[Resource::*]', WILDCARD_FOR_LOGS_AND_TRACING);
    }
  }
}
