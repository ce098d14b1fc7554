import * as fs from 'node:fs';
import * as path from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { executionTimeoutSeconds, readApprovalConfig } from '../../infra/approval-config';
import { APPROVAL_DEFINITION_FILE } from '../../infra/constructs/approval-workflow';
import { synthApprovalStack } from '../support/synth';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

function resourcesOfType(template: Template, type: string): Array<[string, Record<string, unknown>]> {
  const resources = template.toJSON().Resources as Resources;
  return Object.entries(resources)
    .filter(([, resource]) => resource.Type === type)
    .map(([id, resource]) => [id, resource.Properties]);
}

function onlyResource(template: Template, type: string): [string, Record<string, unknown>] {
  const found = resourcesOfType(template, type);
  expect(found).toHaveLength(1);
  return found[0] as [string, Record<string, unknown>];
}

describe('HumanApprovalStack at defaults', () => {
  const { template, app, stack } = synthApprovalStack();
  const [activityId] = onlyResource(template, 'AWS::StepFunctions::Activity');
  const activityRef = { Ref: activityId };

  it('has one activity and a Standard state machine built from the ASL file, with every timing substituted', () => {
    const config = readApprovalConfig(() => undefined);
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      DefinitionS3Location: Match.objectLike({ Key: Match.stringLikeRegexp('\\.json$') }),
      DefinitionSubstitutions: {
        ActivityArn: activityRef,
        ReminderIntervalSeconds: '86400',
        ReminderCount: '2',
        DeliveryRetryIntervalSeconds: '60',
        DeliveryRetryAttempts: '4',
        ExecutionTimeoutSeconds: String(executionTimeoutSeconds(config)),
      },
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: true,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WorkflowStateMachineLogs'), 'Arn'] } } }],
      },
    });
  });

  it('uploads the ASL file unchanged as the definition asset', () => {
    const [, machine] = onlyResource(template, 'AWS::StepFunctions::StateMachine');
    const key = (machine.DefinitionS3Location as { Key: string }).Key;
    const asset = fs.readFileSync(path.join(app.outdir, `asset.${key}`), 'utf8');

    expect(asset).toBe(fs.readFileSync(APPROVAL_DEFINITION_FILE, 'utf8'));
  });

  it('runs the worker on arm64, a current Node.js runtime, with a timeout well above the 60 s poll', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Timeout: 300,
      TracingConfig: { Mode: 'Active' },
      Environment: {
        Variables: Match.objectLike({
          ACTIVITY_ARN: activityRef,
          SENDER_EMAIL: '',
          APPROVAL_API_URL: Match.objectLike({ 'Fn::Join': Match.anyValue() }),
        }),
      },
    });
    const [, fn] = onlyResource(template, 'AWS::Lambda::Function');
    expect(fn.Timeout as number).toBeGreaterThanOrEqual(60 + 15 + 60);
  });

  it('bounds the worker to 2 instances, each keeping to half the 10 emails/s, and drops wake-ups that find both busy', () => {
    const [functionId, fn] = onlyResource(template, 'AWS::Lambda::Function');

    expect(fn.ReservedConcurrentExecutions).toBe(2);
    expect((fn.Environment as { Variables: Record<string, unknown> }).Variables.MAX_SEND_RATE).toBe('5');
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: functionId },
      MaximumEventAgeInSeconds: 60,
      MaximumRetryAttempts: 0,
      Qualifier: '$LATEST',
    });
  });

  it('lets the state machine wake the worker, and nothing else', () => {
    const [functionId] = onlyResource(template, 'AWS::Lambda::Function');
    const [, policy] = resourcesOfType(template, 'AWS::IAM::Policy').find(([id]) => id.startsWith('WorkflowStateMachineRole')) ?? [];
    const statements = (policy?.PolicyDocument as { Statement: Array<{ Action: unknown }> }).Statement;

    expect(statements).toContainEqual({ Sid: 'WakeTheWorker', Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: { 'Fn::GetAtt': [functionId, 'Arn'] } });
    expect(JSON.stringify(statements)).not.toContain('"states:');
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      DefinitionSubstitutions: Match.objectLike({ WorkerFunctionArn: { 'Fn::GetAtt': [functionId, 'Arn'] } }),
    });
  });

  it('starts the worker hourly on an EventBridge schedule as a safety net, without retrying failed runs', () => {
    const [functionId] = onlyResource(template, 'AWS::Lambda::Function');
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 hour)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [functionId, 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 0 } })],
    });
  });

  it('gives the worker exactly: take and fail tasks of its activity, send email, write its own logs', () => {
    const [, workerPolicy] = resourcesOfType(template, 'AWS::IAM::Policy').find(([id]) => id.startsWith('WorkerRole')) ?? [];
    const statements = (workerPolicy?.PolicyDocument as { Statement: unknown[] }).Statement;
    const [logGroupId] = resourcesOfType(template, 'AWS::Logs::LogGroup').find(([id]) => id.startsWith('WorkerLogs')) ?? [];

    expect(statements).toEqual(
      expect.arrayContaining([
        { Sid: 'WriteOwnLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] } },
        { Sid: 'TakeAndFailApprovalTasks', Effect: 'Allow', Action: ['states:GetActivityTask', 'states:SendTaskFailure'], Resource: activityRef },
        {
          Sid: 'SendApprovalEmails',
          Effect: 'Allow',
          Action: 'ses:SendEmail',
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ses:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':identity/*']] },
        },
      ]),
    );
    // Only X-Ray tracing is added on top, and no managed policy at all.
    expect(statements).toHaveLength(4);
    expect(statements).toContainEqual({ Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' });
    const [, workerRole] = resourcesOfType(template, 'AWS::IAM::Role').find(([id]) => id.startsWith('WorkerRole')) ?? [];
    expect(workerRole?.ManagedPolicyArns).toBeUndefined();
  });

  it('lets the API Gateway role answer tasks of the activity and nothing else', () => {
    const [, apiPolicy] = resourcesOfType(template, 'AWS::IAM::Policy').find(([id]) => id.startsWith('ApprovalApiStepFunctionsRole')) ?? [];

    expect((apiPolicy?.PolicyDocument as { Statement: unknown[] }).Statement).toEqual([
      { Sid: 'AnswerApprovalTasks', Effect: 'Allow', Action: ['states:SendTaskSuccess', 'states:SendTaskFailure'], Resource: activityRef },
    ]);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'apigateway.amazonaws.com' } })] },
      Description: 'Lets the approval API answer approval tasks and nothing else',
    });
  });

  it('uses no FullAccess managed policy and never grants a states: action on "*"', () => {
    const json = JSON.stringify(template.toJSON());
    expect(json).not.toMatch(/FullAccess/);
    for (const [, policy] of resourcesOfType(template, 'AWS::IAM::Policy')) {
      for (const statement of (policy.PolicyDocument as { Statement: Array<{ Action: string | string[]; Resource: unknown }> }).Statement) {
        const actions = ([] as string[]).concat(statement.Action);
        if (actions.some((action) => action.startsWith('states:'))) {
          expect(JSON.stringify(statement.Resource)).not.toContain('"*"');
        }
      }
    }
    for (const [, role] of resourcesOfType(template, 'AWS::IAM::Role')) {
      expect(JSON.stringify(role.ManagedPolicyArns ?? [])).not.toMatch(/FullAccess/);
    }
  });

  it('serves GET /succeed and GET /fail as AWS-service integrations to SendTaskSuccess / SendTaskFailure', () => {
    const [roleId] = resourcesOfType(template, 'AWS::IAM::Role').find(([id]) => id.startsWith('ApprovalApiStepFunctionsRole')) ?? [];
    const [validatorId] = onlyResource(template, 'AWS::ApiGateway::RequestValidator');
    for (const [pathPart, action] of [
      ['succeed', 'SendTaskSuccess'],
      ['fail', 'SendTaskFailure'],
    ] as const) {
      const [resourceId] = resourcesOfType(template, 'AWS::ApiGateway::Resource').find(([, r]) => r.PathPart === pathPart) ?? [];
      expect(resourceId).toBeDefined();
      template.hasResourceProperties('AWS::ApiGateway::Method', {
        HttpMethod: 'GET',
        ResourceId: { Ref: resourceId },
        AuthorizationType: 'NONE',
        RequestValidatorId: { Ref: validatorId },
        RequestParameters: { 'method.request.querystring.taskToken': true },
        Integration: Match.objectLike({
          Type: 'AWS',
          IntegrationHttpMethod: 'POST',
          PassthroughBehavior: 'NEVER',
          Credentials: { 'Fn::GetAtt': [roleId, 'Arn'] },
          Uri: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':apigateway:', { Ref: 'AWS::Region' }, `:states:action/${action}`]] },
          RequestTemplates: { 'application/json': Match.stringLikeRegexp("\\$!input\\.params\\('taskToken'\\)") },
          IntegrationResponses: [
            Match.objectLike({ StatusCode: '200', ResponseParameters: Match.objectLike({ 'method.response.header.Content-Type': "'text/html; charset=utf-8'" }) }),
            Match.objectLike({ StatusCode: '400', SelectionPattern: '4\\d{2}' }),
            Match.objectLike({ StatusCode: '502', SelectionPattern: '5\\d{2}' }),
          ],
        }),
        MethodResponses: ['200', '400', '410', '429', '502'].map((code) => Match.objectLike({ StatusCode: code })),
      });
    }
    expect(resourcesOfType(template, 'AWS::ApiGateway::Method')).toHaveLength(2);
  });

  it('requires the taskToken query string with a request validator', () => {
    template.hasResourceProperties('AWS::ApiGateway::RequestValidator', { ValidateRequestParameters: true, ValidateRequestBody: true });
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'BAD_REQUEST_PARAMETERS',
      StatusCode: '400',
      ResponseParameters: Match.objectLike({ 'gatewayresponse.header.Content-Type': "'text/html; charset=utf-8'" }),
    });
  });

  it('names the stage respond, throttles it, logs access without the query string, and never traces data or caches', () => {
    const [, stage] = onlyResource(template, 'AWS::ApiGateway::Stage');
    expect(stage.StageName).toBe('respond');
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'respond',
      MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20, DataTraceEnabled: false, CachingEnabled: false, LoggingLevel: 'OFF' })],
    });
    const format = (stage.AccessLogSetting as { Format: string }).Format;
    const fields = JSON.parse(format) as Record<string, string>;
    expect(fields.resourcePath).toBe('$context.resourcePath');
    expect(format).not.toMatch(/querystring|\$context\.path|requestOverride|input\.params|\$input/i);
    expect(stage.CacheClusterEnabled).toBeUndefined();
  });

  it('outputs the API URL, state machine ARN and activity ARN', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs).sort()).toEqual(['ActivityArn', 'ApprovalApiUrl', 'StateMachineArn']);
    expect(outputs.ActivityArn?.Value).toEqual(activityRef);
    expect(JSON.stringify(outputs.ApprovalApiUrl?.Value)).toMatch(/execute-api.*\{"Ref":"ApprovalApiDeploymentStagerespond[0-9A-F]+"\}\]\]\}$/);
    expect(stack.stackName).toBe('HumanApproval');
  });
});

describe('HumanApprovalStack with context settings', () => {
  it('sends from the configured identity, scoped to the address and its domain', () => {
    const { template } = synthApprovalStack({ senderEmail: 'approvals@example.org', workerScheduleMinutes: '5', reminderIntervalSeconds: '600', workerMaxConcurrency: '0', maxSendRate: '14' });

    const [, fn] = onlyResource(template, 'AWS::Lambda::Function');
    expect(fn.ReservedConcurrentExecutions).toBeUndefined();
    expect((fn.Environment as { Variables: Record<string, unknown> }).Variables.MAX_SEND_RATE).toBe('14');

    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ SENDER_EMAIL: 'approvals@example.org' }) } });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)' });
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { DefinitionSubstitutions: Match.objectLike({ ReminderIntervalSeconds: '600' }) });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'ses:SendEmail',
            Resource: [
              Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([':identity/approvals@example.org'])] }),
              Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([':identity/example.org'])] }),
            ],
          }),
        ]),
      },
    });
  });

  it('leaves out the account-wide API Gateway logging role when asked', () => {
    const withRole = synthApprovalStack().template;
    const withoutRole = synthApprovalStack({ createApiGatewayAccountRole: 'false' }).template;

    withRole.resourceCountIs('AWS::ApiGateway::Account', 1);
    withoutRole.resourceCountIs('AWS::ApiGateway::Account', 0);
  });
});

describe('HumanApprovalStack with linkMode=confirm', () => {
  const { template } = synthApprovalStack({ linkMode: 'confirm' });

  it('answers GET with a MOCK integration and decides only on POST through Step Functions', () => {
    const methods = resourcesOfType(template, 'AWS::ApiGateway::Method').map(([, method]) => method);
    const gets = methods.filter((method) => method.HttpMethod === 'GET');
    const posts = methods.filter((method) => method.HttpMethod === 'POST');

    expect(methods).toHaveLength(4);
    for (const get of gets) {
      expect(get.Integration).toMatchObject({ Type: 'MOCK', RequestTemplates: { 'application/json': '{"statusCode": 200}' } });
      expect((get.Integration as Record<string, unknown>).Credentials).toBeUndefined();
      expect(get.RequestParameters).toEqual({ 'method.request.querystring.taskToken': true });
    }
    expect(posts.map((post) => JSON.stringify((post.Integration as { Uri: unknown }).Uri).match(/states:action\/(\w+)/)?.[1]).sort()).toEqual([
      'SendTaskFailure',
      'SendTaskSuccess',
    ]);
    for (const post of posts) {
      expect(post.Integration).toMatchObject({
        Type: 'AWS',
        PassthroughBehavior: 'NEVER',
        RequestTemplates: { 'application/x-www-form-urlencoded': expect.stringContaining("$input.body.split('&')") },
      });
    }
  });
});
