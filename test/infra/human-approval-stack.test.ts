import { expect } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import { REQUIRED_OUTPUTS } from '../../cli/doctor/stack-checks';
import { executionTimeoutSeconds, readApprovalConfig } from '../../infra/approval-config';
import { STACK_OUTPUTS } from '../../infra/stack-outputs';
import { APPROVAL_ASL_FILE } from '../../statemachine/render-definition';
import { approvalTemplate, synthApprovalStack } from '../support/synth';

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
        Destinations: [
          { CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WorkflowStateMachineLogs'), 'Arn'] } } },
        ],
      },
    });
  });

  it('uploads the ASL file unchanged as the definition asset', () => {
    const [, machine] = onlyResource(template, 'AWS::StepFunctions::StateMachine');
    const key = (machine.DefinitionS3Location as { Key: string }).Key;
    const asset = fs.readFileSync(path.join(app.outdir, `asset.${key}`), 'utf8');

    expect(asset).toBe(fs.readFileSync(APPROVAL_ASL_FILE, 'utf8'));
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

  it("lets the worker invoke itself beyond Lambda's recursive-loop stop (about 16 in a chain): it bounds its hand-overs itself", () => {
    const [, fn] = onlyResource(template, 'AWS::Lambda::Function');

    expect(fn.RecursiveLoop).toBe('Allow');
  });

  it('names the REST API after the stack, so its metrics and alarms are its own', () => {
    const [, restApi] = onlyResource(template, 'AWS::ApiGateway::RestApi');

    expect(restApi.Name).toBe(`${stack.stackName}-approvals`);
  });

  it('reserves no Lambda concurrency (new accounts cannot give any) and bounds the worker with 2 slots instead, each instance keeping to half the 10 emails/s', () => {
    const [functionId, fn] = onlyResource(template, 'AWS::Lambda::Function');
    const [tableId] = onlyResource(template, 'AWS::DynamoDB::Table');
    const variables = (fn.Environment as { Variables: Record<string, unknown> }).Variables;

    expect(fn.ReservedConcurrentExecutions).toBeUndefined();
    expect(variables.WORKER_SLOTS_TABLE).toEqual({ Ref: tableId });
    expect(variables.WORKER_SLOTS).toBe('2');
    expect(variables.MAX_SEND_RATE).toBe('5');
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'slot', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAtSeconds', Enabled: true },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: functionId },
      MaximumEventAgeInSeconds: 60,
      MaximumRetryAttempts: 0,
      Qualifier: '$LATEST',
    });
  });

  it('lets the state machine wake the worker and answer a waiting parent, and nothing else', () => {
    const [functionId] = onlyResource(template, 'AWS::Lambda::Function');
    const [, policy] = resourcesOfType(template, 'AWS::IAM::Policy').find(([id]) => id.startsWith('WorkflowRole')) ?? [];
    const statements = (policy?.PolicyDocument as { Statement: Array<{ Action: unknown }> }).Statement;

    expect(statements).toContainEqual({
      Sid: 'WakeTheWorker',
      Effect: 'Allow',
      Action: 'lambda:InvokeFunction',
      Resource: { 'Fn::GetAtt': [functionId, 'Arn'] },
    });
    // Answering a parent's task token ("*") is granted only where approvalDecisionTask() is used, which this stack does not.
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

  it('gives the worker exactly: take and fail tasks of its activity, hold a slot, send email, write its own logs', () => {
    const [, workerPolicy] = resourcesOfType(template, 'AWS::IAM::Policy').find(([id]) => id.startsWith('WorkerRole')) ?? [];
    const statements = (workerPolicy?.PolicyDocument as { Statement: unknown[] }).Statement;
    const [logGroupId] = resourcesOfType(template, 'AWS::Logs::LogGroup').find(([id]) => id.startsWith('WorkerLogs')) ?? [];
    const [tableId] = onlyResource(template, 'AWS::DynamoDB::Table');
    const ses = (resource: string) => ({
      'Fn::Join': [
        '',
        ['arn:', { Ref: 'AWS::Partition' }, ':ses:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:${resource}`],
      ],
    });

    expect(statements).toEqual(
      expect.arrayContaining([
        {
          Sid: 'WriteOwnLogs',
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] },
        },
        {
          Sid: 'TakeAndFailApprovalTasks',
          Effect: 'Allow',
          Action: ['states:GetActivityTask', 'states:SendTaskFailure'],
          Resource: activityRef,
        },
        {
          Sid: 'HoldWorkerSlots',
          Effect: 'Allow',
          Action: ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
          Resource: { 'Fn::GetAtt': [tableId, 'Arn'] },
        },
        { Sid: 'SendApprovalEmails', Effect: 'Allow', Action: 'ses:SendEmail', Resource: ses('identity/*') },
        // SES also authorizes against an account or identity default configuration set.
        { Sid: 'SendWithConfigurationSet', Effect: 'Allow', Action: 'ses:SendEmail', Resource: ses('configuration-set/*') },
      ]),
    );
    // Only X-Ray tracing is added on top, and no managed policy at all.
    expect(statements).toHaveLength(6);
    expect(statements).toContainEqual({ Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' });
    const [, workerRole] = resourcesOfType(template, 'AWS::IAM::Role').find(([id]) => id.startsWith('WorkerRole')) ?? [];
    expect(workerRole?.ManagedPolicyArns).toBeUndefined();
  });

  it('lets the worker invoke its own function only (the hand-over), in a policy the function does not depend on', () => {
    const [functionId, fn] = onlyResource(template, 'AWS::Lambda::Function');
    const [roleId] = resourcesOfType(template, 'AWS::IAM::Role').find(([id]) => id.startsWith('WorkerRole')) ?? [];
    const handOver = resourcesOfType(template, 'AWS::IAM::Policy').filter(([, policy]) =>
      JSON.stringify(policy.PolicyDocument).includes('lambda:InvokeFunction'),
    );
    const fromWorker = handOver.filter(([, policy]) => JSON.stringify(policy.Roles) === JSON.stringify([{ Ref: roleId }]));

    expect(fromWorker).toHaveLength(1);
    const [policyId, policy] = fromWorker[0] as [string, Record<string, unknown>];
    expect(policy.PolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'HandOverToItself', Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: { 'Fn::GetAtt': [functionId, 'Arn'] } },
      ],
    });
    // No cycle: the function waits for its role and the role's default policy, never for this one.
    const resources = template.toJSON().Resources as Record<string, { DependsOn?: string[] }>;
    expect(resources[functionId]?.DependsOn ?? []).not.toContain(policyId);
    expect(fn.Role).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
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

  it('uses no FullAccess managed policy and grants a states: action on "*" only to answer a waiting parent', () => {
    const json = JSON.stringify(template.toJSON());
    expect(json).not.toMatch(/FullAccess/);
    for (const [, policy] of resourcesOfType(template, 'AWS::IAM::Policy')) {
      for (const statement of (policy.PolicyDocument as { Statement: Array<{ Action: string | string[]; Resource: unknown }> }).Statement) {
        const actions = ([] as string[]).concat(statement.Action);
        if (actions.some((action) => action.startsWith('states:')) && JSON.stringify(statement.Resource).includes('"*"')) {
          expect(actions).toEqual(['states:SendTaskSuccess', 'states:SendTaskFailure']);
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
          Uri: {
            'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':apigateway:', { Ref: 'AWS::Region' }, `:states:action/${action}`]],
          },
          RequestTemplates: { 'application/json': Match.stringLikeRegexp("\\$!input\\.params\\('taskToken'\\)") },
          IntegrationResponses: [
            Match.objectLike({
              StatusCode: '200',
              ResponseParameters: Match.objectLike({ 'method.response.header.Content-Type': "'text/html; charset=utf-8'" }),
            }),
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
      MethodSettings: [
        Match.objectLike({
          ThrottlingRateLimit: 10,
          ThrottlingBurstLimit: 20,
          DataTraceEnabled: false,
          CachingEnabled: false,
          LoggingLevel: 'OFF',
        }),
      ],
    });
    const format = (stage.AccessLogSetting as { Format: string }).Format;
    const fields = JSON.parse(format) as Record<string, string>;
    expect(fields.resourcePath).toBe('$context.resourcePath');
    expect(format).not.toMatch(/querystring|\$context\.path|requestOverride|input\.params|\$input/i);
    expect(stage.CacheClusterEnabled).toBeUndefined();
  });

  it('does not trace the approval stage: API Gateway X-Ray segments record http.request.url, task token included', () => {
    const [, stage] = onlyResource(template, 'AWS::ApiGateway::Stage');

    expect(stage.TracingEnabled).toBe(false);
  });

  it('gives the account logging role its permissions inline, so they exist when API Gateway checks them, and keeps the role', () => {
    const json = template.toJSON() as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown>; DependsOn?: string[]; DeletionPolicy?: string }>;
    };
    const [accountId, account] = Object.entries(json.Resources).find(([, resource]) => resource.Type === 'AWS::ApiGateway::Account') ?? [];
    const roleId = (account?.Properties.CloudWatchRoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const role = json.Resources[roleId];

    expect(accountId).toBeDefined();
    expect(role?.DeletionPolicy).toBe('Retain');
    expect(role?.Properties.Policies).toEqual([
      expect.objectContaining({
        PolicyDocument: expect.objectContaining({
          Statement: [
            expect.objectContaining({
              Action: expect.arrayContaining(['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogGroups']),
            }),
          ],
        }),
      }),
    ]);
    // No separate policy resource the account setting could be applied before.
    const separatePolicies = Object.values(json.Resources).filter(
      (resource) => resource.Type === 'AWS::IAM::Policy' && JSON.stringify(resource.Properties.Roles) === JSON.stringify([{ Ref: roleId }]),
    );
    expect(separatePolicies).toEqual([]);
    expect(account?.DependsOn).toContain(roleId);
  });

  it('writes the state machine logs under /aws/vendedlogs/states/, which needs no CloudWatch Logs resource-policy entry', () => {
    const [, logGroup] = resourcesOfType(template, 'AWS::Logs::LogGroup').find(([id]) => id.startsWith('WorkflowStateMachineLogs')) ?? [];

    expect(logGroup?.LogGroupName).toMatch(/^\/aws\/vendedlogs\/states\/HumanApproval-Workflow-[0-9a-f]{8}$/);
  });

  it('lets only Step Functions acting for a state machine of this account take the state machine role (confused deputy)', () => {
    const [, machine] = onlyResource(template, 'AWS::StepFunctions::StateMachine');
    const roleId = (machine.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const [, role] = resourcesOfType(template, 'AWS::IAM::Role').find(([id]) => id === roleId) ?? [];

    expect((role?.AssumeRolePolicyDocument as { Statement: unknown[] }).Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'states.amazonaws.com' },
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnLike: {
            'aws:SourceArn': {
              'Fn::Join': [
                '',
                ['arn:', { Ref: 'AWS::Partition' }, ':states:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':stateMachine:*'],
              ],
            },
          },
        },
      },
    ]);
  });

  it('puts no source condition on the API Gateway roles: API Gateway does not send aws:SourceAccount for integration credentials', () => {
    // An aws:SourceAccount condition on an integration credentials role makes every call fail with
    // "API Gateway does not have permission to assume the provided role" (observed and fixed in
    // aws-solutions-library-samples/accelerated-intelligent-document-processing-on-aws PR 479).
    for (const [id, role] of resourcesOfType(template, 'AWS::IAM::Role').filter(([roleId]) => roleId.startsWith('ApprovalApi'))) {
      expect([id, JSON.stringify(role.AssumeRolePolicyDocument)]).toEqual([id, expect.not.stringContaining('Condition')]);
    }
  });

  it('refuses to synthesize for deployment without a senderEmail, saying how to set it', () => {
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('senderEmail is not set'));
    const withSender = synthApprovalStack({ senderEmail: 'approvals@example.com' }).stack;

    expect(errors).toHaveLength(1);
    expect(JSON.stringify(errors[0]?.entry.data)).toContain('-c senderEmail=');
    expect(Annotations.fromStack(withSender).findError('*', Match.anyValue())).toEqual([]);
  });

  it('outputs the API URL, state machine ARN, activity ARN and the worker (for approval doctor)', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    const { dashboardName, slackRequestUrl, slackMessagesTable, ...always } = STACK_OUTPUTS;
    expect(Object.keys(outputs).sort()).toEqual(Object.values(always).sort());
    expect(Object.keys(outputs)).not.toContain(dashboardName);
    expect(Object.keys(outputs)).not.toContain(slackRequestUrl);
    expect(Object.keys(outputs)).not.toContain(slackMessagesTable);
    // What the CLI reads is there: `approval start` the state machine, `approval doctor` the rest.
    expect(Object.keys(outputs)).toEqual(expect.arrayContaining([...REQUIRED_OUTPUTS]));
    expect(outputs[STACK_OUTPUTS.activityArn]?.Value).toEqual(activityRef);
    expect(JSON.stringify(outputs[STACK_OUTPUTS.approvalApiUrl]?.Value)).toMatch(
      /execute-api.*\{"Ref":"ApprovalApiDeploymentStagerespond[0-9A-F]+"\}\]\]\}$/,
    );
    expect(stack.stackName).toBe('HumanApproval');
  });

  it('outputs the dashboard name only with the dashboard on', () => {
    const outputs = synthApprovalStack({ dashboard: 'true' }).template.toJSON().Outputs as Record<string, { Value: unknown }>;

    const { slackRequestUrl, slackMessagesTable, ...withoutSlack } = STACK_OUTPUTS;
    expect(Object.keys(outputs).sort()).toEqual(Object.values(withoutSlack).sort());
    expect(Object.keys(outputs)).not.toContain(slackRequestUrl);
    expect(Object.keys(outputs)).not.toContain(slackMessagesTable);
  });

  it('the README names the outputs the stack has', () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    const sentence = /The stack outputs ([^.]+)\./.exec(readme.replace(/\s+/g, ' '))?.[1] ?? '';
    const named = [...sentence.matchAll(/`([A-Za-z]+)`/g)].map((match) => match[1]);
    expect(named.sort()).toEqual(Object.keys(template.toJSON().Outputs as object).sort());
  });
});

describe('HumanApprovalStack with context settings', () => {
  it('sends only from the configured address, to any recipient identity, with the named configuration set', () => {
    const template = approvalTemplate({
      senderEmail: 'approvals@example.org',
      sesConfigurationSet: 'approvals-events',
      workerScheduleMinutes: '5',
      reminderIntervalSeconds: '600',
      workerMaxConcurrency: '1',
      maxSendRate: '14',
    });

    const [, fn] = onlyResource(template, 'AWS::Lambda::Function');
    expect(fn.ReservedConcurrentExecutions).toBeUndefined();
    expect((fn.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
      MAX_SEND_RATE: '14',
      WORKER_SLOTS: '1',
      SENDER_EMAIL: 'approvals@example.org',
      SES_CONFIGURATION_SET: 'approvals-events',
    });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)' });
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      DefinitionSubstitutions: Match.objectLike({ ReminderIntervalSeconds: '600' }),
    });
    // In the SES sandbox SendEmail is also authorized against each recipient's identity: identity/*,
    // held to mail from the sender by ses:FromAddress ("Identity and access management in Amazon SES").
    const fromSender = { StringEquals: { 'ses:FromAddress': 'approvals@example.org' } };
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'SendApprovalEmails',
            Effect: 'Allow',
            Action: 'ses:SendEmail',
            Resource: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([':identity/*'])] }),
            Condition: fromSender,
          },
          {
            Sid: 'SendWithConfigurationSet',
            Effect: 'Allow',
            Action: 'ses:SendEmail',
            Resource: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([':configuration-set/approvals-events'])] }),
            Condition: fromSender,
          },
        ]),
      },
    });
  });

  it('reserves Lambda concurrency only when asked to', () => {
    const template = approvalTemplate({ workerReservedConcurrency: '4' });
    const [, fn] = onlyResource(template, 'AWS::Lambda::Function');

    expect(fn.ReservedConcurrentExecutions).toBe(4);
  });

  it('traces the approval stage in X-Ray only when asked to: a trace records the URL with the token', () => {
    const [, stage] = onlyResource(approvalTemplate({ apiTracing: 'true' }), 'AWS::ApiGateway::Stage');

    expect(stage.TracingEnabled).toBe(true);
  });

  it('leaves out the account-wide API Gateway logging role when asked', () => {
    const withRole = approvalTemplate();
    const withoutRole = approvalTemplate({ createApiGatewayAccountRole: 'false' });

    withRole.resourceCountIs('AWS::ApiGateway::Account', 1);
    withoutRole.resourceCountIs('AWS::ApiGateway::Account', 0);
  });
});

describe('HumanApprovalStack with linkMode=confirm', () => {
  const template = approvalTemplate({ linkMode: 'confirm' });

  it('answers GET with SendTaskHeartbeat (a check that decides nothing) and decides only on POST', () => {
    const methods = resourcesOfType(template, 'AWS::ApiGateway::Method').map(([, method]) => method);
    const gets = methods.filter((method) => method.HttpMethod === 'GET');
    const posts = methods.filter((method) => method.HttpMethod === 'POST');

    expect(methods).toHaveLength(4);
    for (const get of gets) {
      expect(get.Integration).toMatchObject({ Type: 'AWS', PassthroughBehavior: 'NEVER' });
      expect(JSON.stringify((get.Integration as { Uri: unknown }).Uri)).toContain('states:action/SendTaskHeartbeat');
      expect(get.RequestParameters).toEqual({ 'method.request.querystring.taskToken': true });
    }
    expect(
      posts.map((post) => JSON.stringify((post.Integration as { Uri: unknown }).Uri).match(/states:action\/(\w+)/)?.[1]).sort(),
    ).toEqual(['SendTaskFailure', 'SendTaskSuccess']);
    for (const post of posts) {
      expect(post.Integration).toMatchObject({
        Type: 'AWS',
        PassthroughBehavior: 'NEVER',
        RequestTemplates: { 'application/x-www-form-urlencoded': expect.stringContaining("$input.body.split('&')") },
      });
    }
  });

  it('lets the API role send heartbeats for the confirmation page, on the activity only; direct mode needs none', () => {
    const actionsOf = (context: Record<string, unknown>): unknown[] =>
      Object.values(approvalTemplate(context).findResources('AWS::IAM::Policy'))
        .flatMap(
          (policy) =>
            (policy as { Properties: { PolicyDocument: { Statement: Array<{ Sid?: string; Action: unknown }> } } }).Properties
              .PolicyDocument.Statement,
        )
        .filter((statement) => statement.Sid === 'AnswerApprovalTasks')
        .map((statement) => statement.Action);

    expect(actionsOf({ linkMode: 'confirm' })).toEqual([['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat']]);
    expect(actionsOf({})).toEqual([['states:SendTaskSuccess', 'states:SendTaskFailure']]);
  });
});
