import { Duration, Stack, Token } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ApprovalError } from '../../functions/commons/approval-errors';
import { isEmailAddress } from '../../functions/commons/approval-request';
import { WORKER_METRICS, WORKER_SERVICE_NAME, type WorkerMetricName } from '../../functions/commons/worker-metrics';
import { APPROVAL_SETTINGS } from '../approval-config';

export { WORKER_METRICS } from '../../functions/commons/worker-metrics';

export interface ApprovalMonitoringProps {
  /** The approval state machine. */
  readonly stateMachine: sfn.IStateMachine;
  /**
   * The state machine's log group (level ALL or ERROR: both log ExecutionFailed). Outcomes that
   * Step Functions does not publish as metrics (rejected, expired, not delivered, invalid) are
   * counted from it by metric filters.
   */
  readonly stateMachineLogGroup: logs.ILogGroup;
  /** The activity worker that emails the approvers. */
  readonly workerFunction: lambda.IFunction;
  /**
   * The function that closes a request's Slack messages when it ends (with a Slack app): an alarm
   * says when Lambda gave up on one of its events.
   * @default no such alarm
   */
  readonly slackMessageCloser?: lambda.IFunction;
  /** The approval API; its `deploymentStage` is the stage the links point to. */
  readonly api: apigw.RestApi;
  /**
   * The access log group of the API's stage, in the JSON format of ACCESS_LOG_FIELDS
   * (infra/constructs/approval-api.ts). The refused clicks are counted from its `status` field.
   */
  readonly apiAccessLogGroup: logs.ILogGroup;
  /**
   * CloudWatch namespace of the worker's own metrics (embedded metric format, dimension
   * `service`). The metric filters publish the execution outcomes here too; give each stack in an
   * account and region its own namespace, or their counts add up.
   */
  readonly metricsNamespace: string;
  /**
   * Address every alarm is emailed to, when it goes into ALARM and back to OK, through an SNS
   * topic. The address must confirm the subscription from the email SNS sends it.
   * @default no topic: the alarms still exist and show in the console, with no action
   */
  readonly alarmEmail?: string;
  /**
   * Customer managed KMS key to encrypt the alarm topic with. CloudWatch alarms cannot publish to
   * a topic encrypted with the AWS managed key `alias/aws/sns` (its key policy cannot grant them
   * kms:GenerateDataKey*), so that key is not an option. The construct adds the grant to this
   * key's policy when the key is defined in the app; an imported key's policy must already allow
   * `cloudwatch.amazonaws.com` to use kms:Decrypt and kms:GenerateDataKey*.
   * @default the topic is not encrypted at rest (its messages are alarm state changes only)
   */
  readonly alarmTopicKey?: kms.IKey;
  /**
   * Create the dashboard. Each account has 3 dashboards (up to 50 metrics each) free a month;
   * beyond that a dashboard costs $3.00 a month, about 30 times this service's idle-cost target
   * of $0.10. Turn it off where the free ones are taken. (The 7 alarms watch 7 metrics, within the
   * 10 free standard-resolution alarm metrics; beyond those each costs $0.10 a month.)
   * Prices: https://aws.amazon.com/cloudwatch/pricing/ (us-east-1, Free Tier and Paid Tier tabs).
   * @default false, the `dashboard` setting's default
   */
  readonly dashboard?: boolean;
  /**
   * Name of the dashboard: letters, digits, `-` and `_`. Only with `dashboard` on.
   * @default `${stackName}-approvals`, so stacks in one account do not clash
   */
  readonly dashboardName?: string;
}

export class ApprovalMonitoringError extends Error {
  override readonly name = 'ApprovalMonitoringError';
}

/** Every alarm and dashboard metric is evaluated over 5-minute periods. */
const PERIOD = Duration.minutes(5);

/**
 * Execution outcomes counted from the state machine's log group, with the error names of the Fail
 * states that end them (statemachine/approval.asl.json). `EmailNotDelivered` is a state, not an
 * error: it fails with the error it caught, EmailDeliveryFailed (delivery retries used up) or
 * EmailDeliveryRefused.
 */
export const EXECUTION_OUTCOMES = {
  notDelivered: { metricName: 'ApprovalsNotDelivered', errors: [ApprovalError.EmailDeliveryFailed, ApprovalError.EmailDeliveryRefused] },
  rejected: { metricName: 'ApprovalsRejected', errors: [ApprovalError.Rejected] },
  expired: { metricName: 'ApprovalsExpired', errors: [ApprovalError.Expired] },
  invalidRequest: { metricName: 'ApprovalsInvalid', errors: [ApprovalError.InvalidRequest] },
} as const;

export type ExecutionOutcome = keyof typeof EXECUTION_OUTCOMES;

/**
 * The errors an execution ends with by design: the outcomes above. An execution that fails with
 * any other error (States.Runtime, States.Permissions, a Lambda.* error, RequestCheckFailed when
 * the worker function could not check the request) ended for a reason nobody planned, and
 * UNEXPECTED_FAILURES counts it.
 */
export const DESIGNED_EXECUTION_ERRORS: readonly string[] = Object.values(EXECUTION_OUTCOMES).flatMap(({ errors }) => [...errors]);

/** The metric the executions that failed with an error outside DESIGNED_EXECUTION_ERRORS are counted in. */
export const UNEXPECTED_FAILURES_METRIC = 'ApprovalsFailedUnexpectedly';

/**
 * The answers of the approval API that say a link was refused as not valid: 400 (the "This link
 * is not valid" page: an altered or cut token, a missing one, or any other error Step Functions
 * answers the integration with, AccessDeniedException included; see
 * stepFunctionsClientErrorTemplate in infra/approval-api-templates.ts) and 403 (API Gateway's own
 * answer to a path the API does not have). Not 410 "This request is no longer open": under policy
 * `any` the first click closes every other approver's task, so a team clicking one request gives
 * mostly 410s in normal use. Not 429 (throttled; the stage's own limit) and not 5xx (its own alarm).
 */
export const REFUSED_LINK_STATUSES = ['400', '403'] as const;

/** The metric the refused clicks are counted in, from the API's access log. */
export const REFUSED_LINKS_METRIC = 'ApprovalLinksRefused';

/**
 * The refused-links alarm goes off at REFUSED_LINKS_THRESHOLD refused clicks within
 * REFUSED_LINKS_PERIOD. One approver with a damaged link tries it a few times, perhaps both
 * buttons: up to four refusals, which stay below it. When the API's role loses its permission on
 * the activity (or a mapping template breaks), every click is refused with 400, so the approvers
 * of one or two requests, each of whom tries again after the "not valid" page, reach it within
 * minutes; in confirm mode the mail scanners' fetches of the links count too. A flood of damaged
 * links (a mail gateway that rewrites them) reaches it the same way, and is worth a look as well.
 */
export const REFUSED_LINKS_THRESHOLD = 5;
export const REFUSED_LINKS_PERIOD = Duration.minutes(15);

/**
 * Matches the access-log line of an answer whose status is one of `statuses`. The stage writes
 * each line as a JSON object of ACCESS_LOG_FIELDS, every value a string: `"status":"400"`.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
 * ("Using filter patterns to match terms in JSON log events")
 */
export function accessLogStatusPattern(statuses: readonly string[]): logs.JsonPattern {
  return logs.FilterPattern.any(...statuses.map((status) => logs.FilterPattern.stringValue('$.status', '=', status)));
}

/**
 * Matches the log event Step Functions writes when an execution fails with one of `errors`. The
 * events are JSON: `{"id", "type", "details", "previous_event_id", "event_timestamp",
 * "execution_arn", "redrive_count"}`, where `details` of an ExecutionFailed event is its
 * ExecutionFailedEventDetails, `{"error", "cause"}`. Requiring the type keeps out the
 * ActivityFailed events that carry the same error names: a delivery failure that will be retried,
 * the click on Reject before the execution ends.
 * https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html
 * https://docs.aws.amazon.com/step-functions/latest/dg/cloudwatch-log-level.html
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_ExecutionFailedEventDetails.html
 */
export function executionFailedPattern(errors: readonly string[]): logs.JsonPattern {
  return logs.FilterPattern.all(
    logs.FilterPattern.stringValue('$.type', '=', 'ExecutionFailed'),
    logs.FilterPattern.any(...errors.map((error) => logs.FilterPattern.stringValue('$.details.error', '=', error))),
  );
}

/**
 * Matches the ExecutionFailed event of an execution that failed with an error outside `designed`.
 * A Fail state always has an error, and so has every failure Step Functions reports itself.
 */
export function unexpectedFailurePattern(designed: readonly string[]): logs.JsonPattern {
  return logs.FilterPattern.all(
    logs.FilterPattern.stringValue('$.type', '=', 'ExecutionFailed'),
    ...designed.map((error) => logs.FilterPattern.stringValue('$.details.error', '!=', error)),
  );
}

interface AlarmSpec {
  readonly name: string;
  readonly metric: cloudwatch.IMetric;
  readonly description: string;
  /** @default 1 (one event is enough) */
  readonly threshold?: number;
}

/**
 * What needs a person: seven alarms (email problems, worker errors, API 5xx, links refused as not valid,
 * SES account problems, executions that hit their backstop timeout, executions that failed for a
 * reason nobody designed), optionally emailed through SNS, and a dashboard of the approval funnel.
 */
export class ApprovalMonitoring extends Construct {
  public readonly alarms: cloudwatch.Alarm[] = [];
  /** Present when `alarmEmail` is given. */
  public readonly topic?: sns.Topic;
  /** Present unless `dashboard` is false. */
  public readonly dashboard?: cloudwatch.Dashboard;
  /** Metric filters on the state machine's log group, by outcome. */
  public readonly outcomeFilters: Readonly<Record<ExecutionOutcome, logs.MetricFilter>>;
  /** The metric filter counting executions that failed with an error outside DESIGNED_EXECUTION_ERRORS. */
  public readonly unexpectedFailureFilter: logs.MetricFilter;
  /** The metric filter on the API's access log counting the clicks refused as not valid (REFUSED_LINK_STATUSES). */
  public readonly refusedLinksFilter: logs.MetricFilter;

  private readonly props: ApprovalMonitoringProps;

  constructor(scope: Construct, id: string, props: ApprovalMonitoringProps) {
    super(scope, id);
    validateProps(props);
    this.props = props;
    const stackName = Stack.of(this).stackName;

    this.outcomeFilters = {
      notDelivered: this.addOutcomeFilter('NotDeliveredFilter', 'notDelivered'),
      rejected: this.addOutcomeFilter('RejectedFilter', 'rejected'),
      expired: this.addOutcomeFilter('ExpiredFilter', 'expired'),
      invalidRequest: this.addOutcomeFilter('InvalidRequestFilter', 'invalidRequest'),
    };
    this.unexpectedFailureFilter = this.addFilter(
      'UnexpectedFailureFilter',
      UNEXPECTED_FAILURES_METRIC,
      unexpectedFailurePattern(DESIGNED_EXECUTION_ERRORS),
    );
    this.refusedLinksFilter = this.addFilter(
      'RefusedLinksFilter',
      REFUSED_LINKS_METRIC,
      accessLogStatusPattern(REFUSED_LINK_STATUSES),
      props.apiAccessLogGroup,
    );

    if (props.alarmEmail !== undefined) {
      this.topic = new sns.Topic(this, 'AlarmTopic', {
        displayName: `${stackName} approval alarms`,
        masterKey: props.alarmTopicKey,
        enforceSSL: true,
      });
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
      // Without a key the topic is not encrypted at rest: CloudWatch alarms cannot publish to one
      // encrypted with the AWS managed key alias/aws/sns, a customer managed key costs $1 a month
      // (ten times this service's idle-cost target), and the messages are alarm state changes only.
      // (cdk-nag v3's AwsSolutions pack has no SNS2 encryption rule; SNS3, SSL only, is met.)
      props.alarmTopicKey?.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'LetCloudWatchAlarmsPublishToTheEncryptedTopic',
          principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
        }),
      );
    }

    for (const spec of this.alarmSpecs()) {
      this.alarms.push(this.addAlarm(spec));
    }

    if (this.topic) {
      // enforceSSL gives the topic a policy of its own, which replaces SNS's default policy: the
      // alarms need an explicit grant, and only these alarms get one.
      this.topic.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'LetTheApprovalAlarmsPublish',
          principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['sns:Publish'],
          resources: [this.topic.topicArn],
          conditions: { ArnEquals: { 'aws:SourceArn': this.alarms.map((alarm) => alarm.alarmArn) } },
        }),
      );
    }

    if (dashboardOn(props)) {
      this.dashboard = this.addDashboard(props.dashboardName ?? `${stackName}-approvals`);
    }
  }

  /** Count of executions that ended with `outcome`, per 5 minutes. */
  public metricOutcome(outcome: ExecutionOutcome, label?: string): cloudwatch.Metric {
    return this.outcomeFilters[outcome].metric({ statistic: cloudwatch.Stats.SUM, period: PERIOD, label });
  }

  /** One of the worker's own metrics, summed per 5 minutes. */
  public metricWorker(metricName: WorkerMetricName, label?: string): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.props.metricsNamespace,
      metricName,
      dimensionsMap: { service: WORKER_SERVICE_NAME },
      statistic: cloudwatch.Stats.SUM,
      period: PERIOD,
      label,
    });
  }

  private addOutcomeFilter(id: string, outcome: ExecutionOutcome): logs.MetricFilter {
    const { metricName, errors } = EXECUTION_OUTCOMES[outcome];
    return this.addFilter(id, metricName, executionFailedPattern(errors));
  }

  private addFilter(
    id: string,
    metricName: string,
    filterPattern: logs.IFilterPattern,
    logGroup: logs.ILogGroup = this.props.stateMachineLogGroup,
  ): logs.MetricFilter {
    // Each filter is a custom metric, like each of the worker's own: the free tier has ten custom
    // metrics, and beyond those one costs $0.30 a month, prorated by the hour it is published. No
    // defaultValue, so nothing is published while nothing happens and an idle stack pays nothing.
    return new logs.MetricFilter(this, id, {
      logGroup,
      filterPattern,
      metricNamespace: this.props.metricsNamespace,
      metricName,
      metricValue: '1',
      unit: cloudwatch.Unit.COUNT,
    });
  }

  private alarmSpecs(): AlarmSpec[] {
    const { stateMachine, workerFunction, api, slackMessageCloser } = this.props;
    return [
      ...(slackMessageCloser === undefined
        ? []
        : [
            {
              name: 'SlackMessagesNotClosed',
              // Lambda's count of asynchronous events it dropped after its retries or their maximum age
              // ("Types of metrics for Lambda functions", asynchronous invocation metrics).
              metric: new cloudwatch.Metric({
                namespace: 'AWS/Lambda',
                metricName: 'AsyncEventsDropped',
                dimensionsMap: { FunctionName: slackMessageCloser.functionName },
                statistic: cloudwatch.Stats.SUM,
                period: PERIOD,
              }),
              description:
                "The Slack messages of an ended approval request could not be closed, even after Lambda's retries: their buttons stay and answer 'no longer open' when clicked. Nothing was decided wrongly. " +
                'What to do: read the error in the Slack message closer log group (Slack rate-limiting, a revoked bot token, the table of Slack messages), and fix the Slack app or its secret.',
            },
          ]),
      {
        name: 'EmailNotDelivered',
        metric: this.metricOutcome('notDelivered'),
        description:
          'An approval request ended without reaching an approver: SES refused an email (EmailDeliveryRefused) or every delivery retry failed (EmailDeliveryFailed). The requester must start it again. ' +
          'What to do: read the cause with `npx approval status <executionArn>` (or the ExecutionFailed event in the state machine log group), fix it (sender identity verified? recipient address? SES sandbox or sending paused?), then start the request again.',
      },
      {
        name: 'WorkerErrors',
        metric: workerFunction.metricErrors({ statistic: cloudwatch.Stats.SUM, period: PERIOD }),
        description:
          'The approval worker Lambda failed (an unhandled error or a timeout). Waiting requests are taken again by its next run, but while it keeps failing no approval email goes out. ' +
          'What to do: read the error in the worker log group, then check the last deployment, its IAM permissions and its environment.',
      },
      {
        name: 'ApiServerErrors',
        metric: api.deploymentStage.metricServerError({ statistic: cloudwatch.Stats.SUM, period: PERIOD }),
        description:
          'The approval API answered a click with a 5xx. Either Step Functions failed (the approver saw the try-again page, HTTP 502) or API Gateway itself failed, which means a misconfiguration. ' +
          'What to do: find the request in the API access log; integrationStatus 5xx means Step Functions was unavailable and a second click will do; otherwise check the integration role, mapping templates and the last deployment of the stage.',
      },
      {
        name: 'ApiClientErrorSurge',
        metric: this.metricRefusedLinks(),
        threshold: REFUSED_LINKS_THRESHOLD,
        description:
          `At least ${REFUSED_LINKS_THRESHOLD} clicks on approval links in ${REFUSED_LINKS_PERIOD.toMinutes()} minutes were refused as not valid (HTTP ${REFUSED_LINK_STATUSES.join(' or ')}, counted from the API access log). A lost permission of the API's role on the activity, or a broken mapping template, refuses every click with 400; so does a mail system that damages the links. One person retrying a damaged link stays below this, and links of requests already decided (410) are not counted. ` +
          'What to do: find the requests with status 400 in the API access log; integrationStatus 400 on every click means Step Functions refused the call: check the API role (states:SendTaskSuccess, SendTaskFailure, and SendTaskHeartbeat in confirm mode, on the activity ARN) and the last deployment of the stage; integrationStatus "-" means the links reach the API without their token.',
      },
      {
        name: 'ExecutionsFailedUnexpectedly',
        metric: this.unexpectedFailureFilter.metric({ statistic: cloudwatch.Stats.SUM, period: PERIOD }),
        description:
          `An approval execution failed with an error that is none of its designed outcomes (${DESIGNED_EXECUTION_ERRORS.join(', ')}): States.Runtime, States.Permissions, a Lambda error, or RequestCheckFailed (the worker function could not check the request). The request was not decided; the requester must start it again once the cause is fixed. ` +
          'What to do: open the execution (its ExecutionFailed event in the state machine log group names it), read the error and cause in its history, then check the worker function, the state machine role and the last deployment.',
      },
      {
        name: 'SesAccountProblems',
        metric: this.metricWorker(WORKER_METRICS.SesAccountProblems),
        description:
          'SES refused to send because of the account, not one message: sending paused or suspended, access denied, or the sender identity not verified. No approval email goes out until this is fixed. ' +
          'What to do: open the SES account dashboard (sending status, reputation), check that the sender identity is verified, and that the worker role may ses:SendEmail on it.',
      },
      {
        name: 'ExecutionsTimedOut',
        metric: stateMachine.metricTimedOut({ statistic: cloudwatch.Stats.SUM, period: PERIOD }),
        description:
          'An approval execution ran into the state machine TimeoutSeconds backstop. This should never happen: a request expires by itself after its last reminder, so a task waited far longer than its reminders allow. ' +
          'What to do: open the execution history to see the state it was stuck in, and check the worker schedule and errors. The requester must start the request again.',
      },
    ];
  }

  /** Clicks on approval links refused as not valid (REFUSED_LINK_STATUSES), summed per REFUSED_LINKS_PERIOD. */
  public metricRefusedLinks(options: { readonly period?: Duration; readonly label?: string } = {}): cloudwatch.Metric {
    return this.refusedLinksFilter.metric({
      statistic: cloudwatch.Stats.SUM,
      period: options.period ?? REFUSED_LINKS_PERIOD,
      label: options.label,
    });
  }

  private addAlarm({ name, metric, description, threshold = 1 }: AlarmSpec): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, name, {
      alarmName: `${Stack.of(this).stackName}-${name}`,
      alarmDescription: description,
      metric,
      threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      // These metrics only have data when something happens; no data is good news.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (this.topic) {
      const action = new actions.SnsAction(this.topic);
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
    return alarm;
  }

  private addDashboard(dashboardName: string): cloudwatch.Dashboard {
    const { stateMachine, workerFunction, api } = this.props;
    const stage = api.deploymentStage;
    const sum = { statistic: cloudwatch.Stats.SUM, period: PERIOD };
    // ExecutionsFailed would count rejections and expiries too (they end in Fail states), so the
    // funnel's failures come from the metric filters.
    const funnel = (): cloudwatch.IMetric[] => [
      stateMachine.metricStarted({ ...sum, label: 'requested' }),
      this.metricWorker(WORKER_METRICS.EmailsSent, 'emails sent (reminders too)'),
      stateMachine.metricSucceeded({ ...sum, label: 'approved' }),
      this.metricOutcome('rejected', 'rejected'),
      this.metricOutcome('expired', 'expired'),
      this.metricOutcome('notDelivered', 'failed: email not delivered'),
      this.metricOutcome('invalidRequest', 'failed: invalid request'),
    ];
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName, defaultInterval: Duration.days(7) });
    dashboard.addWidgets(
      new cloudwatch.SingleValueWidget({
        title: 'The approval funnel (totals over the time range)',
        metrics: funnel(),
        setPeriodToTimeRange: true,
        width: 24,
        height: 4,
      }),
    );
    dashboard.addWidgets(new cloudwatch.GraphWidget({ title: 'The approval funnel', left: funnel(), width: 24, height: 6 }));
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Worker',
        left: [workerFunction.metricInvocations({ ...sum, label: 'runs' }), workerFunction.metricErrors({ ...sum, label: 'errors' })],
        right: [
          workerFunction.metricDuration({ statistic: cloudwatch.Stats.AVERAGE, period: PERIOD, label: 'duration, average' }),
          workerFunction.metricDuration({ statistic: cloudwatch.Stats.MAXIMUM, period: PERIOD, label: 'duration, max' }),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Email through SES',
        left: [
          this.metricWorker(WORKER_METRICS.EmailsSent, 'sent'),
          this.metricWorker(WORKER_METRICS.EmailsFailed, 'failed, retried later'),
          this.metricWorker(WORKER_METRICS.EmailsRefused, 'refused'),
          this.metricWorker(WORKER_METRICS.EmailsThrottled, 'throttled by SES'),
          this.metricWorker(WORKER_METRICS.InvalidRequests, 'invalid requests'),
          this.metricWorker(WORKER_METRICS.SesAccountProblems, 'SES account problems'),
        ],
        width: 12,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Approval API',
        left: [
          stage.metricCount({ ...sum, label: 'requests' }),
          stage.metricClientError({ ...sum, label: '4xx' }),
          this.metricRefusedLinks({ period: PERIOD, label: `links refused (${REFUSED_LINK_STATUSES.join(', ')})` }),
          stage.metricServerError({ ...sum, label: '5xx' }),
        ],
        right: [
          stage.metricLatency({ statistic: cloudwatch.Stats.p(50), period: PERIOD, label: 'latency p50' }),
          stage.metricLatency({ statistic: cloudwatch.Stats.p(99), period: PERIOD, label: 'latency p99' }),
        ],
        width: 12,
      }),
      new cloudwatch.AlarmStatusWidget({ title: 'What needs a person', alarms: this.alarms, width: 12 }),
    );
    return dashboard;
  }
}

function validateProps(props: ApprovalMonitoringProps): void {
  const { alarmEmail, metricsNamespace, dashboard, dashboardName } = props;
  if (alarmEmail !== undefined && !Token.isUnresolved(alarmEmail) && !isEmailAddress(alarmEmail)) {
    throw new ApprovalMonitoringError(
      `ApprovalMonitoring: alarmEmail ${JSON.stringify(alarmEmail)} is not an email address. Give one plain address such as ops@example.com, or leave alarmEmail out for alarms without notifications.`,
    );
  }
  if (
    !Token.isUnresolved(metricsNamespace) &&
    (metricsNamespace.trim() === '' || metricsNamespace.length > 255 || metricsNamespace.startsWith('AWS/'))
  ) {
    throw new ApprovalMonitoringError(
      `ApprovalMonitoring: metricsNamespace ${JSON.stringify(metricsNamespace)} is not a usable CloudWatch namespace: it needs 1 to 255 characters and may not start with "AWS/". Use the namespace the worker publishes under, such as HumanApproval.`,
    );
  }
  if (!dashboardOn({ dashboard }) && dashboardName !== undefined) {
    throw new ApprovalMonitoringError(
      `ApprovalMonitoring: dashboardName is set but dashboard is ${dashboard === undefined ? 'off (the default)' : 'false'}. Leave dashboardName out, or set dashboard: true.`,
    );
  }
}

/** Whether to create the dashboard: as asked, else the `dashboard` setting's default. */
function dashboardOn(props: Pick<ApprovalMonitoringProps, 'dashboard'>): boolean {
  return props.dashboard ?? APPROVAL_SETTINGS.dashboard.default;
}
