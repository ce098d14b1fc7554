import { Match } from 'aws-cdk-lib/assertions';
import { SLACK_ENV } from '../../functions/commons/slack-contract';
import { SLACK_MESSAGE_KEY, SLACK_MESSAGE_TTL_ATTRIBUTE, SLACK_MESSAGES_TABLE_ENV } from '../../functions/commons/slack-message-records';
import { STACK_OUTPUTS } from '../../infra/stack-outputs';
import { approvalTemplate } from '../support/synth';
import { secretArnFromName } from '../support/cdk-intrinsics';

const SECRET_NAME = 'approvals/slack-app';

/** The secret as CDK names it when it is referenced by name: its ARN with Secrets Manager's six-character suffix left open. */
const secretArnPattern = secretArnFromName(SECRET_NAME, '-??????');

function functionWithDescription(template: ReturnType<typeof approvalTemplate>, description: RegExp): Record<string, unknown> {
  const functions = template.findResources('AWS::Lambda::Function', {
    Properties: { Description: Match.stringLikeRegexp(description.source) },
  });
  const [only] = Object.values(functions) as Array<Record<string, unknown>>;
  if (!only) throw new Error(`No function described as ${description}`);
  return only;
}

describe('the stack with slackSecretName', () => {
  const template = approvalTemplate({ slackSecretName: SECRET_NAME });

  test('adds POST /slack/actions as a Lambda proxy integration, and outputs its URL', () => {
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'slack' });
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'actions' });
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      AuthorizationType: 'NONE',
      Integration: { Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' },
    });
    const outputs = template.findOutputs(STACK_OUTPUTS.slackRequestUrl);
    expect(JSON.stringify(outputs)).toContain('/slack/actions');
    expect(template.findOutputs(STACK_OUTPUTS.slackMessagesTable)).toEqual({
      [STACK_OUTPUTS.slackMessagesTable]: expect.objectContaining({
        Value: { Ref: expect.stringMatching(/^SlackMessagesTable/) as unknown },
      }) as unknown,
    });
  });

  test('gives the Slack actions function the secret by name, and only what it needs: the secret and answering tasks of the activity', () => {
    const slackFunction = functionWithDescription(template, /Slack button clicks/);
    expect(slackFunction).toMatchObject({
      Properties: { Environment: { Variables: { [SLACK_ENV.secretId]: SECRET_NAME } }, Handler: 'index.handler', Timeout: 10 },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'AnswerApprovalTasks',
            Action: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
            Resource: { Ref: Match.stringLikeRegexp('ManualApprovalActivity') },
          }),
          Match.objectLike({ Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Resource: secretArnPattern }),
        ]),
      },
      Roles: [{ Ref: Match.stringLikeRegexp('SlackActionsRole') }],
    });
  });

  test('lets the worker read the same secret, by name', () => {
    const worker = functionWithDescription(template, /Emails Approve/);
    expect(worker).toMatchObject({ Properties: { Environment: { Variables: { [SLACK_ENV.secretId]: SECRET_NAME } } } });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Resource: secretArnPattern }),
        ]),
      },
      Roles: [{ Ref: Match.stringLikeRegexp('WorkerRole') }],
    });
  });
});

describe('the table of Slack messages and the closer, with slackSecretName', () => {
  const template = approvalTemplate({ slackSecretName: SECRET_NAME });
  const tableRef = { Ref: expect.stringMatching(/^SlackMessagesTable/) as unknown };
  const tableArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('SlackMessagesTable'), 'Arn'] };

  test('keeps one item per execution and approver, deleted by its time to live', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: SLACK_MESSAGE_KEY.partition, KeyType: 'HASH' },
        { AttributeName: SLACK_MESSAGE_KEY.sort, KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: SLACK_MESSAGE_TTL_ATTRIBUTE, Enabled: true },
    });
  });

  test('lets the worker write and read single items of the table, nothing more', () => {
    const worker = functionWithDescription(template, /Emails Approve/);
    expect(worker).toMatchObject({ Properties: { Environment: { Variables: { [SLACK_MESSAGES_TABLE_ENV]: tableRef } } } });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: ['dynamodb:GetItem', 'dynamodb:PutItem'], Resource: Match.arrayWith([tableArn]) }),
        ]),
      },
      Roles: [{ Ref: Match.stringLikeRegexp('WorkerRole') }],
    });
  });

  test("runs the closer for the approval state machine's ended executions only, with Lambda's retries", () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: {
          stateMachineArn: [{ Ref: Match.stringLikeRegexp('WorkflowStateMachine') }],
          status: ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'],
        },
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('SlackMessagesCloser'), 'Arn'] },
          RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 2 },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: Match.stringLikeRegexp('SlackMessagesCloser') },
      MaximumEventAgeInSeconds: 3600,
      MaximumRetryAttempts: 2,
    });
  });

  test('alarms when Lambda gives up on an event of the closer (AsyncEventsDropped)', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: Match.stringLikeRegexp('-SlackMessagesNotClosed$'),
      Namespace: 'AWS/Lambda',
      MetricName: 'AsyncEventsDropped',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('SlackMessagesCloser') } }],
      Threshold: 1,
    });
  });

  test("gives the closer the secret, PutItem (the request's ended mark) and Query on the table, nothing to decide with", () => {
    const closer = functionWithDescription(template, /Slack message/);
    expect(closer).toMatchObject({
      Properties: { Environment: { Variables: { [SLACK_ENV.secretId]: SECRET_NAME, [SLACK_MESSAGES_TABLE_ENV]: tableRef } } },
    });
    const policies = template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: Match.stringLikeRegexp('SlackMessagesRole') }] },
    });
    const actions = JSON.stringify(
      Object.values(policies).map((policy) => (policy as { Properties: { PolicyDocument: unknown } }).Properties.PolicyDocument),
    );
    expect(actions).toContain('dynamodb:Query');
    expect(actions).toContain('dynamodb:PutItem');
    expect(actions).toContain('secretsmanager:GetSecretValue');
    expect(actions).not.toMatch(/states:|dynamodb:(DeleteItem|UpdateItem|Scan|GetItem)/);
  });
});

describe('the stack without slackSecretName', () => {
  test('has no Slack route, function, output or secret access', () => {
    const template = approvalTemplate();

    expect(Object.keys(template.findResources('AWS::Events::Rule', { Properties: { EventPattern: { source: ['aws.states'] } } }))).toEqual(
      [],
    );
    expect(JSON.stringify(template.toJSON())).not.toContain(SLACK_MESSAGES_TABLE_ENV);
    expect(template.findResources('AWS::ApiGateway::Resource', { Properties: { PathPart: 'slack' } })).toEqual({});
    expect(Object.keys(template.findOutputs(STACK_OUTPUTS.slackRequestUrl))).toEqual([]);
    expect(JSON.stringify(template.toJSON())).not.toMatch(/secretsmanager|SLACK_SECRET/);
  });
});
