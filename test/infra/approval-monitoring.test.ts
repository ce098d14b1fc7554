import { expect } from '@jest/globals';
import * as fs from 'node:fs';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { WORKER_METRICS, WORKER_METRICS_NAMESPACE_DEFAULT, WORKER_SERVICE_NAME } from '../../functions/commons/worker-metrics';
import { APPROVAL_SETTINGS } from '../../infra/approval-config';
import { ACCESS_LOG_FIELDS, ApprovalApi } from '../../infra/constructs/approval-api';
import {
  ApprovalMonitoring,
  type ApprovalMonitoringProps,
  accessLogStatusPattern,
  DESIGNED_EXECUTION_ERRORS,
  EXECUTION_OUTCOMES,
  type ExecutionOutcome,
  executionFailedPattern,
  REFUSED_LINK_STATUSES,
  REFUSED_LINKS_METRIC,
  REFUSED_LINKS_THRESHOLD,
  UNEXPECTED_FAILURES_METRIC,
  unexpectedFailurePattern,
} from '../../infra/constructs/approval-monitoring';
import { APPROVAL_ASL_FILE, type AslState, loadApprovalDefinition, templatePlaceholders } from '../../statemachine/render-definition';
import { matchesJsonFilterPattern } from '../support/json-filter-pattern';
import { synthWithAwsSolutionsChecks } from '../support/nag';

const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:WorkflowStateMachine1A2B3C4D-Ab12Cd34Ef56';
const WORKER_FUNCTION_NAME = 'HumanApproval-WorkerFunction1A2B3C4D-Ab12Cd34Ef56';
const ALARM_EMAIL = 'ops@example.com';

type MonitoringOptions = Omit<
  ApprovalMonitoringProps,
  'stateMachine' | 'stateMachineLogGroup' | 'workerFunction' | 'api' | 'apiAccessLogGroup' | 'metricsNamespace'
> & {
  readonly metricsNamespace?: string;
};

/** A small stack with the construct and what it watches: the real approval API, the rest imported. */
function buildMonitoredStack(
  app: App,
  options: MonitoringOptions = {},
  configure?: (stack: Stack) => MonitoringOptions,
): { stack: Stack; monitoring: ApprovalMonitoring } {
  const stack = new Stack(app, 'HumanApproval');
  const approvalApi = new ApprovalApi(stack, 'ApprovalApi', { activity: new sfn.Activity(stack, 'Activity') });
  const stateMachineLogGroup = new logs.LogGroup(stack, 'StateMachineLogs', { retention: logs.RetentionDays.ONE_MONTH });
  const monitoring = new ApprovalMonitoring(stack, 'Monitoring', {
    stateMachine: sfn.StateMachine.fromStateMachineArn(stack, 'StateMachine', STATE_MACHINE_ARN),
    stateMachineLogGroup,
    workerFunction: lambda.Function.fromFunctionArn(
      stack,
      'Worker',
      `arn:aws:lambda:us-east-1:123456789012:function:${WORKER_FUNCTION_NAME}`,
    ),
    api: approvalApi.api,
    apiAccessLogGroup: approvalApi.accessLogGroup,
    metricsNamespace: WORKER_METRICS_NAMESPACE_DEFAULT,
    ...options,
    ...configure?.(stack),
  });
  return { stack, monitoring };
}

function synth(
  options: MonitoringOptions = {},
  configure?: (stack: Stack) => MonitoringOptions,
): { template: Template; monitoring: ApprovalMonitoring; stack: Stack } {
  const { stack, monitoring } = buildMonitoredStack(new App(), options, configure);
  return { template: Template.fromStack(stack), monitoring, stack };
}

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

function resourcesOfType(template: Template, type: string): Array<[string, Record<string, unknown>]> {
  return Object.entries(template.toJSON().Resources as Resources)
    .filter(([, resource]) => resource.Type === type)
    .map(([id, resource]) => [id, resource.Properties]);
}

function alarmNamed(template: Template, name: string): Record<string, unknown> {
  const found = resourcesOfType(template, 'AWS::CloudWatch::Alarm').filter(([, alarm]) => alarm.AlarmName === `HumanApproval-${name}`);
  expect(found).toHaveLength(1);
  return (found[0] as [string, Record<string, unknown>])[1];
}

const ALARM_BASICS = {
  Statistic: 'Sum',
  Period: 300,
  Threshold: 1,
  ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  EvaluationPeriods: 1,
  DatapointsToAlarm: 1,
  TreatMissingData: 'notBreaching',
};

describe('ApprovalMonitoring alarms', () => {
  describe('with alarmEmail', () => {
    const { template, monitoring } = synth({ alarmEmail: ALARM_EMAIL });
    const [topicId] = resourcesOfType(template, 'AWS::SNS::Topic')[0] ?? [];
    const topicRef = { Ref: topicId };
    const notifies = { AlarmActions: [topicRef], OKActions: [topicRef] };

    it('has exactly the seven alarms, each with a description of what it means and what to do', () => {
      const alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm');

      expect(alarms.map(([, alarm]) => alarm.AlarmName).sort()).toEqual(
        [
          'ApiClientErrorSurge',
          'ApiServerErrors',
          'EmailNotDelivered',
          'ExecutionsFailedUnexpectedly',
          'ExecutionsTimedOut',
          'SesAccountProblems',
          'WorkerErrors',
        ].map((name) => `HumanApproval-${name}`),
      );
      expect(monitoring.alarms).toHaveLength(7);
      for (const [, alarm] of alarms) {
        expect(alarm.AlarmDescription).toMatch(/What to do: /);
        expect((alarm.AlarmDescription as string).length).toBeLessThanOrEqual(1024);
      }
    });

    it('alarms on one execution ending because its email could not be delivered, counted from the state machine log', () => {
      expect(alarmNamed(template, 'EmailNotDelivered')).toEqual(
        expect.objectContaining({ ...ALARM_BASICS, ...notifies, Namespace: 'HumanApproval', MetricName: 'ApprovalsNotDelivered' }),
      );
    });

    it('alarms on one worker error in 5 minutes', () => {
      expect(alarmNamed(template, 'WorkerErrors')).toEqual(
        expect.objectContaining({
          ...ALARM_BASICS,
          ...notifies,
          Namespace: 'AWS/Lambda',
          MetricName: 'Errors',
          Dimensions: [{ Name: 'FunctionName', Value: WORKER_FUNCTION_NAME }],
        }),
      );
    });

    it("alarms on one 5xx answer of this stack's approval API stage, named after the stack", () => {
      template.hasResourceProperties('AWS::ApiGateway::RestApi', { Name: 'HumanApproval-approvals' });
      expect(alarmNamed(template, 'ApiServerErrors')).toEqual(
        expect.objectContaining({
          ...ALARM_BASICS,
          ...notifies,
          Namespace: 'AWS/ApiGateway',
          MetricName: '5XXError',
          Dimensions: expect.arrayContaining([
            { Name: 'ApiName', Value: 'HumanApproval-approvals' },
            { Name: 'Stage', Value: { Ref: expect.stringMatching(/^ApprovalApiDeploymentStagerespond/) } },
          ]),
        }),
      );
    });

    it('keeps the API metrics of two stacks in one account apart: each API, and so each alarm, has its own name', () => {
      const names = ['ApprovalsTeamA', 'ApprovalsTeamB'].map((stackName) => {
        const stack = new Stack(new App(), stackName);
        const approvalApi = new ApprovalApi(stack, 'ApprovalApi', { activity: new sfn.Activity(stack, 'Activity') });
        const [, restApi] = resourcesOfType(Template.fromStack(stack), 'AWS::ApiGateway::RestApi')[0] ?? [];
        const metric: unknown = approvalApi.api.deploymentStage.metricServerError().dimensions?.ApiName;
        return { restApi: restApi?.Name, metric };
      });

      expect(names).toEqual([
        { restApi: 'ApprovalsTeamA-approvals', metric: 'ApprovalsTeamA-approvals' },
        { restApi: 'ApprovalsTeamB-approvals', metric: 'ApprovalsTeamB-approvals' },
      ]);
    });

    it('alarms on five clicks in 15 minutes refused as not valid, counted from the API access log', () => {
      expect(alarmNamed(template, 'ApiClientErrorSurge')).toEqual(
        expect.objectContaining({
          ...ALARM_BASICS,
          ...notifies,
          Period: 900,
          Threshold: REFUSED_LINKS_THRESHOLD,
          Namespace: 'HumanApproval',
          MetricName: REFUSED_LINKS_METRIC,
        }),
      );
      expect(REFUSED_LINKS_THRESHOLD).toBe(5);
    });

    it('alarms on one execution that failed with an error none of its designed outcomes has', () => {
      expect(alarmNamed(template, 'ExecutionsFailedUnexpectedly')).toEqual(
        expect.objectContaining({ ...ALARM_BASICS, ...notifies, Namespace: 'HumanApproval', MetricName: UNEXPECTED_FAILURES_METRIC }),
      );
    });

    it("alarms on one SES account problem reported by the worker's own metric", () => {
      expect(alarmNamed(template, 'SesAccountProblems')).toEqual(
        expect.objectContaining({
          ...ALARM_BASICS,
          ...notifies,
          Namespace: 'HumanApproval',
          MetricName: WORKER_METRICS.SesAccountProblems,
          Dimensions: [{ Name: 'service', Value: WORKER_SERVICE_NAME }],
        }),
      );
    });

    it('alarms on one execution that ran into its backstop timeout', () => {
      expect(alarmNamed(template, 'ExecutionsTimedOut')).toEqual(
        expect.objectContaining({
          ...ALARM_BASICS,
          ...notifies,
          Namespace: 'AWS/States',
          MetricName: 'ExecutionsTimedOut',
          Dimensions: [{ Name: 'StateMachineArn', Value: STATE_MACHINE_ARN }],
        }),
      );
    });

    it('emails the address through one SSL-only topic that only these alarms may publish to', () => {
      expect(monitoring.topic).toBeDefined();
      template.resourceCountIs('AWS::SNS::Topic', 1);
      template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: ALARM_EMAIL, TopicArn: topicRef });
      const [, policy] = resourcesOfType(template, 'AWS::SNS::TopicPolicy')[0] ?? [];
      const statements = (policy?.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement;

      expect(statements).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          expect.objectContaining({
            Effect: 'Allow',
            Action: 'sns:Publish',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Resource: topicRef,
            Condition: { ArnEquals: { 'aws:SourceArn': expect.any(Array) } },
          }),
        ]),
      );
      const allow = statements.find((statement) => statement.Effect === 'Allow') as {
        Condition: { ArnEquals: { 'aws:SourceArn': unknown[] } };
      };
      const alarmIds = resourcesOfType(template, 'AWS::CloudWatch::Alarm').map(([id]) => id);
      expect(allow.Condition.ArnEquals['aws:SourceArn']).toEqual(
        expect.arrayContaining(alarmIds.map((id) => ({ 'Fn::GetAtt': [id, 'Arn'] }))),
      );
      expect(allow.Condition.ArnEquals['aws:SourceArn']).toHaveLength(7);
    });

    it('leaves the topic unencrypted by default, because alarms cannot publish to one encrypted with alias/aws/sns', () => {
      template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.absent() });
    });
  });

  describe('without alarmEmail', () => {
    const { template, monitoring } = synth();

    it('still creates the seven alarms, with no action and no topic', () => {
      template.resourceCountIs('AWS::CloudWatch::Alarm', 7);
      template.resourceCountIs('AWS::SNS::Topic', 0);
      template.resourceCountIs('AWS::SNS::Subscription', 0);
      expect(monitoring.topic).toBeUndefined();
      for (const [, alarm] of resourcesOfType(template, 'AWS::CloudWatch::Alarm')) {
        expect(alarm.AlarmActions).toBeUndefined();
        expect(alarm.OKActions).toBeUndefined();
      }
    });
  });

  it('encrypts the topic with a customer managed key when given one, and lets CloudWatch alarms use that key', () => {
    let key: kms.Key | undefined;
    const { template } = synth({ alarmEmail: ALARM_EMAIL }, (stack) => {
      key = new kms.Key(stack, 'AlarmKey', { enableKeyRotation: true });
      return { alarmTopicKey: key };
    });
    const keyId = Stack.of(key as kms.Key).getLogicalId((key as kms.Key).node.defaultChild as kms.CfnKey);

    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
  });
});

describe('ApprovalMonitoring props', () => {
  it.each([
    ['not an address', 'ops'],
    ['two addresses', 'ops@example.com, boss@example.com'],
    ['a display name', 'Ops <ops@example.com>'],
    ['a line break', 'ops@example.com\nBcc: x@example.com'],
  ])('refuse an alarmEmail with %s, saying what is wrong', (_label, alarmEmail) => {
    expect(() => synth({ alarmEmail })).toThrow(`ApprovalMonitoring: alarmEmail ${JSON.stringify(alarmEmail)} is not an email address.`);
  });

  it('refuses a namespace CloudWatch reserves for AWS', () => {
    expect(() => synth({ metricsNamespace: 'AWS/Lambda' })).toThrow(/metricsNamespace "AWS\/Lambda" is not a usable CloudWatch namespace/);
  });

  it('refuses a dashboard name without a dashboard', () => {
    expect(() => synth({ dashboard: false, dashboardName: 'approvals' })).toThrow(/dashboardName is set but dashboard is false/);
    expect(() => synth({ dashboardName: 'approvals' })).toThrow(
      /dashboardName is set but dashboard is off \(the default\)\. .*dashboard: true/,
    );
  });
});

/**
 * Step Functions log events as the state machine's log group receives them at level ALL, in the
 * layout of https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html.
 */
const EXECUTION_ARN = `${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:5f0c9b1e-3d2a-4c4e-9a7b-2b1f0e6d8c11`;
function logEvent(id: number, type: string, details: Record<string, unknown>): string {
  return JSON.stringify({
    id: String(id),
    type,
    details,
    previous_event_id: String(id - 1),
    event_timestamp: '1795258800123',
    execution_arn: EXECUTION_ARN,
    redrive_count: '0',
  });
}
const DECISION_RECORD =
  '{"decision":"rejected","decidedAt":"21/Nov/2026:10:00:00 +0000","sourceIp":"203.0.113.7","userAgent":"Mozilla/5.0","requestId":"c0ffee00-1234-5678-9abc-def012345678"}';
const SES_REFUSAL =
  'MessageRejected: Email address is not verified. The following identities failed the check in region US-EAST-1: manager@example.com';

/** What a log event is counted as: one outcome, an unexpected failure, or nothing. */
type Counted = ExecutionOutcome | 'unexpected' | 'nothing';

const SAMPLE_EVENTS: Array<[string, Counted, string]> = [
  ['the execution failing with Rejected', 'rejected', logEvent(14, 'ExecutionFailed', { error: 'Rejected', cause: DECISION_RECORD })],
  [
    'the execution failing with Expired',
    'expired',
    logEvent(40, 'ExecutionFailed', {
      error: 'Expired',
      cause: 'Nobody approved or rejected the request before the last reminder ran out.',
    }),
  ],
  [
    'the execution failing with EmailDeliveryRefused',
    'notDelivered',
    logEvent(15, 'ExecutionFailed', { error: 'EmailDeliveryRefused', cause: SES_REFUSAL }),
  ],
  [
    'the execution failing with EmailDeliveryFailed after its retries',
    'notDelivered',
    logEvent(61, 'ExecutionFailed', { error: 'EmailDeliveryFailed', cause: 'ServiceUnavailable' }),
  ],
  [
    'the execution failing with InvalidRequest',
    'invalidRequest',
    logEvent(4, 'ExecutionFailed', {
      error: 'InvalidRequest',
      cause: 'Invalid approval request: managerEmailAddress "bob" is not an email address.',
    }),
  ],
  [
    'a delivery failure that will be retried (ActivityFailed)',
    'nothing',
    logEvent(12, 'ActivityFailed', { error: 'EmailDeliveryFailed', cause: 'ThrottlingException' }),
  ],
  [
    'the click on Reject before the execution ends (ActivityFailed)',
    'nothing',
    logEvent(12, 'ActivityFailed', { error: 'Rejected', cause: DECISION_RECORD }),
  ],
  [
    'the Rejected Fail state being entered',
    'nothing',
    logEvent(13, 'FailStateEntered', { name: 'Rejected', input: '{"approval":{"failure":{"Error":"Rejected"}}}' }),
  ],
  ['an approval', 'nothing', logEvent(14, 'ExecutionSucceeded', { output: '{"approval":{"decision":{"decision":"approved"}}}' })],
  ['an execution timing out', 'nothing', logEvent(9, 'ExecutionTimedOut', { error: 'States.Timeout' })],
  [
    'the execution failing with States.Runtime',
    'unexpected',
    logEvent(7, 'ExecutionFailed', {
      error: 'States.Runtime',
      cause:
        "An error occurred while executing the state 'IsRequestValid' (entered at the event id #6). Invalid path '$.approval.check.valid': The choice state's condition path references an invalid value.",
    }),
  ],
  [
    'the execution failing with States.Permissions',
    'unexpected',
    logEvent(5, 'ExecutionFailed', {
      error: 'States.Permissions',
      cause: 'Neither the global service principal states.amazonaws.com, nor the regional one is authorized to assume the provided role.',
    }),
  ],
  [
    'the execution failing with a Lambda error from CheckRequest',
    'unexpected',
    logEvent(9, 'ExecutionFailed', {
      error: 'Lambda.Unknown',
      cause: 'The cause could not be determined because Lambda did not return an error type.',
    }),
  ],
  [
    'the execution failing with RequestCheckFailed',
    'unexpected',
    logEvent(30, 'ExecutionFailed', { error: 'RequestCheckFailed', cause: 'The worker function could not check the request.' }),
  ],
  [
    'a Lambda error of CheckRequest that will be retried (TaskFailed)',
    'nothing',
    logEvent(6, 'TaskFailed', { error: 'Lambda.Unknown', resource: 'invoke', resourceType: 'lambda' }),
  ],
  ['an execution aborted by hand', 'nothing', logEvent(8, 'ExecutionAborted', {})],
];

describe('ApprovalMonitoring metric filters', () => {
  const { template } = synth();
  const filters = resourcesOfType(template, 'AWS::Logs::MetricFilter');
  const patternOf = (metricName: string): string => {
    const found = filters.find(
      ([, filter]) => (filter.MetricTransformations as Array<{ MetricName: string }>)[0]?.MetricName === metricName,
    );
    return (found?.[1].FilterPattern as string | undefined) ?? '';
  };

  it('count each outcome on the state machine log group, publishing nothing while nothing happens', () => {
    const [logGroupId] = resourcesOfType(template, 'AWS::Logs::LogGroup').find(([id]) => id.startsWith('StateMachineLogs')) ?? [];
    expect(filters.filter(([, filter]) => JSON.stringify(filter.LogGroupName) === JSON.stringify({ Ref: logGroupId }))).toHaveLength(5);
    for (const metricName of [...Object.values(EXECUTION_OUTCOMES).map((outcome) => outcome.metricName), UNEXPECTED_FAILURES_METRIC]) {
      template.hasResourceProperties('AWS::Logs::MetricFilter', {
        LogGroupName: { Ref: logGroupId },
        MetricTransformations: [
          { MetricNamespace: 'HumanApproval', MetricName: metricName, MetricValue: '1', Unit: 'Count', DefaultValue: Match.absent() },
        ],
      });
    }
  });

  it('render the patterns exactly', () => {
    expect(patternOf('ApprovalsNotDelivered')).toBe(
      '{ ($.type = "ExecutionFailed") && (($.details.error = "EmailDeliveryFailed") || ($.details.error = "EmailDeliveryRefused")) }',
    );
    expect(patternOf('ApprovalsRejected')).toBe('{ ($.type = "ExecutionFailed") && ($.details.error = "Rejected") }');
    expect(patternOf('ApprovalsExpired')).toBe('{ ($.type = "ExecutionFailed") && ($.details.error = "Expired") }');
    expect(patternOf('ApprovalsInvalid')).toBe('{ ($.type = "ExecutionFailed") && ($.details.error = "InvalidRequest") }');
    expect(patternOf(UNEXPECTED_FAILURES_METRIC)).toBe(
      '{ ($.type = "ExecutionFailed") && ($.details.error != "EmailDeliveryFailed") && ($.details.error != "EmailDeliveryRefused") && ($.details.error != "Rejected") && ($.details.error != "Expired") && ($.details.error != "InvalidRequest") }',
    );
  });

  /** Which filters count the event: the outcomes' and the unexpected failures'. */
  const countedAs = (event: unknown): Counted[] => {
    const outcomes: Counted[] = (Object.keys(EXECUTION_OUTCOMES) as ExecutionOutcome[]).filter((outcome) =>
      matchesJsonFilterPattern(patternOf(EXECUTION_OUTCOMES[outcome].metricName), event),
    );
    return matchesJsonFilterPattern(patternOf(UNEXPECTED_FAILURES_METRIC), event) ? [...outcomes, 'unexpected'] : outcomes;
  };

  it.each(SAMPLE_EVENTS)('count %s as %s', (_label, expected, line) => {
    expect(countedAs(JSON.parse(line) as unknown)).toEqual(expected === 'nothing' ? [] : [expected]);
  });

  it('cover every error the state machine can end with, each in one filter only: designed outcomes by theirs, the rest as unexpected', () => {
    const definition = loadApprovalDefinition(
      Object.fromEntries(templatePlaceholders(fs.readFileSync(APPROVAL_ASL_FILE, 'utf8')).map((name) => [name, '1'])),
    );
    const endings = [...new Set(Object.values(terminalErrors(definition.States)).flat())];
    const counted: string[] = Object.values(EXECUTION_OUTCOMES).flatMap(({ errors }) => [...errors]);

    expect(new Set(counted).size).toBe(counted.length);
    expect(endings).toEqual(expect.arrayContaining(counted));
    for (const error of endings) {
      const filters = countedAs(JSON.parse(logEvent(9, 'ExecutionFailed', { error, cause: 'x' })) as unknown);
      expect([error, filters.length]).toEqual([error, 1]);
      expect([error, filters.includes('unexpected')]).toEqual([error, !counted.includes(error)]);
    }
    expect([...EXECUTION_OUTCOMES.notDelivered.errors].sort()).toEqual(
      [...(terminalErrors(definition.States).EmailNotDelivered ?? [])].sort(),
    );
    expect(DESIGNED_EXECUTION_ERRORS).toEqual(counted);
  });

  it('is what executionFailedPattern and unexpectedFailurePattern build', () => {
    expect(executionFailedPattern(['Rejected']).logPatternString).toBe(patternOf('ApprovalsRejected'));
    expect(unexpectedFailurePattern(DESIGNED_EXECUTION_ERRORS).logPatternString).toBe(patternOf(UNEXPECTED_FAILURES_METRIC));
  });
});

/**
 * One line of the approval API's access log, in the stage's format: ACCESS_LOG_FIELDS with each
 * `$context` variable replaced by what API Gateway writes for it ("-" when it has no value).
 */
function accessLogLine(values: {
  httpMethod: string;
  resourcePath: string;
  status: string;
  integrationStatus: string;
  errorType?: string;
}): string {
  const context: Record<string, string> = {
    '$context.requestId': '8d2f6b1c-4e3a-4f0b-9c7d-1a2b3c4d5e6f',
    '$context.extendedRequestId': 'Ab1Cd2Ef3GhIJkL=',
    '$context.requestTime': '07/Dec/2026:10:00:00 +0000',
    '$context.identity.sourceIp': '203.0.113.7',
    '$context.identity.userAgent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)',
    '$context.httpMethod': values.httpMethod,
    '$context.resourcePath': values.resourcePath,
    '$context.status': values.status,
    '$context.responseLatency': '48',
    '$context.integration.status': values.integrationStatus,
    '$context.error.responseType': values.errorType ?? '-',
  };
  return JSON.stringify(Object.fromEntries(Object.entries(ACCESS_LOG_FIELDS).map(([name, variable]) => [name, context[variable]])));
}

const approved = accessLogLine({ httpMethod: 'GET', resourcePath: '/succeed', status: '200', integrationStatus: '200' });
/** A click on a link whose task another approver's click already closed (TaskTimedOut, shown as 410). */
const noLongerOpen = accessLogLine({ httpMethod: 'GET', resourcePath: '/fail', status: '410', integrationStatus: '400' });
/** What every click answers once the API's role lost states:SendTaskSuccess (AccessDeniedException, the "not valid" page). */
const permissionLost = accessLogLine({ httpMethod: 'GET', resourcePath: '/succeed', status: '400', integrationStatus: '400' });

const ACCESS_LOG_LINES: Array<[string, boolean, string]> = [
  ['an approval (200)', false, approved],
  ['a click on a request already decided (410)', false, noLongerOpen],
  [
    'a throttled click (429)',
    false,
    accessLogLine({ httpMethod: 'GET', resourcePath: '/succeed', status: '429', integrationStatus: '-', errorType: 'THROTTLED' }),
  ],
  [
    'Step Functions unavailable (502)',
    false,
    accessLogLine({ httpMethod: 'GET', resourcePath: '/succeed', status: '502', integrationStatus: '500' }),
  ],
  ['a click refused by Step Functions: altered token or lost permission (400)', true, permissionLost],
  [
    'a link without its token (400)',
    true,
    accessLogLine({
      httpMethod: 'GET',
      resourcePath: '/succeed',
      status: '400',
      integrationStatus: '-',
      errorType: 'BAD_REQUEST_PARAMETERS',
    }),
  ],
  [
    'a path the API does not have (403)',
    true,
    accessLogLine({
      httpMethod: 'GET',
      resourcePath: '-',
      status: '403',
      integrationStatus: '-',
      errorType: 'MISSING_AUTHENTICATION_TOKEN',
    }),
  ],
];

describe('ApprovalMonitoring refused-links filter on the API access log', () => {
  const { template } = synth();
  const filters = resourcesOfType(template, 'AWS::Logs::MetricFilter');
  const [, refused] =
    filters.find(([, filter]) => (filter.MetricTransformations as Array<{ MetricName: string }>)[0]?.MetricName === REFUSED_LINKS_METRIC) ??
    [];
  const pattern = (refused?.FilterPattern as string | undefined) ?? '';
  const refusedIn = (lines: readonly string[]): number =>
    lines.filter((line) => matchesJsonFilterPattern(pattern, JSON.parse(line))).length;

  it('reads the access log group of the stage, publishing nothing while nothing happens', () => {
    const [logGroupId] = resourcesOfType(template, 'AWS::Logs::LogGroup').find(([id]) => id.startsWith('ApprovalApiAccessLogs')) ?? [];
    expect(logGroupId).toBeDefined();
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: { Ref: logGroupId },
      FilterPattern: pattern,
      MetricTransformations: [
        {
          MetricNamespace: 'HumanApproval',
          MetricName: REFUSED_LINKS_METRIC,
          MetricValue: '1',
          Unit: 'Count',
          DefaultValue: Match.absent(),
        },
      ],
    });
    expect(pattern).toBe(accessLogStatusPattern(REFUSED_LINK_STATUSES).logPatternString);
    expect(pattern).toBe('{ ($.status = "400") || ($.status = "403") }');
  });

  it.each(ACCESS_LOG_LINES)('%s: counted as refused, %s', (_label, counted, line) => {
    expect(refusedIn([line])).toBe(counted ? 1 : 0);
  });

  it("stays quiet when the first of six approvers under policy any closes the others' tasks and all click within 15 minutes", () => {
    const clicks = [approved, noLongerOpen, noLongerOpen, noLongerOpen, noLongerOpen, noLongerOpen];

    expect(refusedIn(clicks)).toBe(0);
  });

  it('stays quiet for one approver trying a damaged link four times, and goes off at five refused clicks', () => {
    expect(refusedIn(Array<string>(4).fill(permissionLost))).toBeLessThan(REFUSED_LINKS_THRESHOLD);
    expect(refusedIn(Array<string>(5).fill(permissionLost))).toBeGreaterThanOrEqual(REFUSED_LINKS_THRESHOLD);
  });
});

/** The dashboard body with every CloudFormation token replaced by "TOKEN", parsed. */
function dashboardBody(template: Template): {
  widgets: Array<{ properties: { title?: string; metrics?: unknown[][]; alarms?: unknown[] } }>;
} {
  const [, dashboard] = resourcesOfType(template, 'AWS::CloudWatch::Dashboard')[0] ?? [];
  const body = dashboard?.DashboardBody as string | { 'Fn::Join': [string, unknown[]] };
  const text = typeof body === 'string' ? body : body['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : 'TOKEN')).join('');
  return JSON.parse(text) as ReturnType<typeof dashboardBody>;
}

describe('ApprovalMonitoring dashboard', () => {
  const { template, monitoring } = synth({ alarmEmail: ALARM_EMAIL, dashboard: true });
  const body = dashboardBody(template);
  const widget = (title: string): { metrics?: unknown[][]; alarms?: unknown[] } => {
    const found = body.widgets.find((w) => w.properties.title === title);
    expect(found).toBeDefined();
    return found?.properties ?? {};
  };
  /** [namespace, metric name, label] of each metric line, dimensions left out. */
  const lines = (title: string): Array<[unknown, unknown, unknown]> =>
    (widget(title).metrics ?? []).map((metric) => [metric[0], metric[1], (metric[metric.length - 1] as { label?: string }).label]);

  it('is named after the stack, so two stacks in one account do not clash', () => {
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'HumanApproval-approvals' });
    expect(monitoring.dashboard).toBeDefined();
  });

  it('shows the approval funnel: requested, emailed, approved, rejected, expired, failed', () => {
    const funnel = [
      ['AWS/States', 'ExecutionsStarted', 'requested'],
      ['HumanApproval', 'EmailsSent', 'emails sent (reminders too)'],
      ['AWS/States', 'ExecutionsSucceeded', 'approved'],
      ['HumanApproval', 'ApprovalsRejected', 'rejected'],
      ['HumanApproval', 'ApprovalsExpired', 'expired'],
      ['HumanApproval', 'ApprovalsNotDelivered', 'failed: email not delivered'],
      ['HumanApproval', 'ApprovalsInvalid', 'failed: invalid request'],
    ];
    expect(lines('The approval funnel')).toEqual(funnel);
    expect(lines('The approval funnel (totals over the time range)')).toEqual(funnel);
    expect(widget('The approval funnel').metrics?.[1]).toEqual([
      'HumanApproval',
      'EmailsSent',
      'service',
      'approval-worker',
      { label: 'emails sent (reminders too)', stat: 'Sum' },
    ]);
  });

  it('shows the worker, SES throttling, the API and the alarms', () => {
    expect(lines('Worker')).toEqual(
      expect.arrayContaining([
        ['AWS/Lambda', 'Invocations', 'runs'],
        ['AWS/Lambda', 'Errors', 'errors'],
        ['AWS/Lambda', 'Duration', 'duration, average'],
        ['AWS/Lambda', 'Duration', 'duration, max'],
      ]),
    );
    expect(lines('Email through SES').map(([, name]) => name)).toEqual(Object.values(WORKER_METRICS));
    expect(lines('Approval API').map(([namespace, name, label]) => `${String(namespace)} ${String(name)} ${String(label)}`)).toEqual([
      'AWS/ApiGateway Count requests',
      'AWS/ApiGateway 4XXError 4xx',
      'HumanApproval ApprovalLinksRefused links refused (400, 403)',
      'AWS/ApiGateway 5XXError 5xx',
      'AWS/ApiGateway Latency latency p50',
      'AWS/ApiGateway Latency latency p99',
    ]);
    expect(widget('What needs a person').alarms).toHaveLength(7);
  });

  it.each([
    ['left out', { dashboard: false }],
    ['not asked for, as the dashboard setting defaults', {}],
  ])('is not created when %s (it costs $3 a month beyond the three free ones), keeping the alarms', (_case, options) => {
    const { template: withoutDashboard, monitoring: withoutDashboardMonitoring } = synth(options);

    expect(APPROVAL_SETTINGS.dashboard.default).toBe(false);
    withoutDashboard.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    withoutDashboard.resourceCountIs('AWS::CloudWatch::Alarm', 7);
    expect(withoutDashboardMonitoring.dashboard).toBeUndefined();
  });

  it('takes another name', () => {
    synth({ dashboard: true, dashboardName: 'approvals-prod' }).template.hasResourceProperties('AWS::CloudWatch::Dashboard', {
      DashboardName: 'approvals-prod',
    });
  });
});

/** Synthesizes with the AwsSolutions checks, as `cdk synth` does; returns what the checks found. */
function synthWithChecks(
  options: MonitoringOptions,
  configure?: (stack: Stack) => MonitoringOptions,
): { error?: Error; violations: string[] } {
  return synthWithAwsSolutionsChecks((app) => buildMonitoredStack(app, options, configure));
}

describe('ApprovalMonitoring under the cdk-nag AwsSolutions checks', () => {
  it.each([
    ['no alarmEmail', {}],
    ['an alarmEmail', { alarmEmail: ALARM_EMAIL }],
    ['no dashboard', { alarmEmail: ALARM_EMAIL, dashboard: false }],
    ['a dashboard', { alarmEmail: ALARM_EMAIL, dashboard: true }],
  ])('finds no unacknowledged error or warning with %s', (_label, options: MonitoringOptions) => {
    const { error, violations } = synthWithChecks(options);

    expect(violations).toEqual([]);
    expect(error).toBeUndefined();
  });

  it('finds none with a customer managed key on the topic', () => {
    const { error, violations } = synthWithChecks({ alarmEmail: ALARM_EMAIL }, (stack) => ({
      alarmTopicKey: new kms.Key(stack, 'AlarmKey', { enableKeyRotation: true }),
    }));

    expect(violations).toEqual([]);
    expect(error).toBeUndefined();
  });

  it('are really checking topics: a plain topic beside it fails synthesis with SNS3', () => {
    const { error, violations } = synthWithChecks({ alarmEmail: ALARM_EMAIL }, (stack) => {
      new sns.Topic(stack, 'CarelessTopic');
      return {};
    });

    expect(error?.message).toMatch(/AwsSolutions-SNS3/);
    expect(violations).toEqual(['error AwsSolutions-SNS3 at HumanApproval/CarelessTopic/Resource']);
  });
});

/**
 * The error names each Fail state of the definition can end an execution with: its Error, or, for
 * an ErrorPath into a caught failure, the errors of the Catchers that store that failure and lead
 * to the state (directly or through Choice states).
 */
function terminalErrors(states: Readonly<Record<string, AslState>>): Record<string, string[]> {
  const leadsTo = (from: string, target: string, seen: Set<string> = new Set()): boolean => {
    if (from === target) return true;
    const state = states[from];
    if (state?.Type !== 'Choice' || seen.has(from)) return false;
    seen.add(from);
    const choices = (state.Choices as Array<{ Next: string }>).map((choice) => choice.Next);
    return [...choices, state.Default as string].some((next) => leadsTo(next, target, seen));
  };
  const catchers = Object.values(states).flatMap(
    (state) => (state.Catch as Array<{ ErrorEquals: string[]; ResultPath?: string; Next: string }> | undefined) ?? [],
  );
  const endings: Record<string, string[]> = {};
  for (const [name, state] of Object.entries(states)) {
    if (state.Type !== 'Fail') continue;
    if (typeof state.Error === 'string') {
      endings[name] = [state.Error];
    } else if (typeof state.ErrorPath === 'string') {
      const failurePath = state.ErrorPath.replace(/\.Error$/, '');
      endings[name] = catchers.filter((c) => c.ResultPath === failurePath && leadsTo(c.Next, name)).flatMap((c) => c.ErrorEquals);
    } else {
      throw new Error(`Fail state ${name} has neither Error nor ErrorPath`);
    }
  }
  return endings;
}
