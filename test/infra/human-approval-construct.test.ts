import { expect } from '@jest/globals';
import { App, type CfnElement, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { ReleaseWorkflowStack } from '../../examples/release-workflow/release-workflow-stack';
import { ApprovalConfigError, executionTimeoutSeconds } from '../../infra/approval-config';
import { HumanApproval } from '../../infra/constructs/human-approval';
import { synthWithAwsSolutionsChecks } from '../support/nag';

const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

function userStack(): Stack {
  return new Stack(new App({ context: NO_BUNDLING }), 'TeamStack');
}

describe('HumanApproval construct', () => {
  it('adds the whole service to a stack of the user, with the documented defaults', () => {
    const stack = userStack();
    const approval = new HumanApproval(stack, 'Approval', { senderEmail: 'approvals@example.com' });
    const template = Template.fromStack(stack);

    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    template.resourceCountIs('AWS::StepFunctions::Activity', 1);
    template.resourceCountIs('AWS::ApiGateway::RestApi', 1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SENDER_EMAIL: 'approvals@example.com' }) },
    });
    expect(approval.config).toMatchObject({ reminderIntervalSeconds: 86_400, reminderCount: 2, linkMode: 'direct', maxSendRate: 10 });
  });

  it('refuses a prop out of range, naming the prop and where to change it', () => {
    expect(() => new HumanApproval(userStack(), 'Approval', { reminderCount: 99 })).toThrow(ApprovalConfigError);
    expect(() => new HumanApproval(userStack(), 'Approval', { reminderCount: 99 })).toThrow(
      /HumanApproval prop reminderCount=99 is not valid: use a whole number of reminders from 0 to 20\. Change it in the props of the HumanApproval construct\./,
    );
    expect(() => new HumanApproval(userStack(), 'Approval', { apiThrottlingRateLimit: 50, apiThrottlingBurstLimit: 10 })).toThrow(
      /HumanApproval prop apiThrottlingBurstLimit=10 is smaller than apiThrottlingRateLimit=50/,
    );
  });

  it('stops synthesis for deployment without a sender, as the stack does', () => {
    const stack = userStack();
    new HumanApproval(stack, 'Approval');

    Annotations.fromStack(stack).hasError('/TeamStack/Approval', Match.stringLikeRegexp('senderEmail is not set'));
  });

  it('gives a task that runs an approval from another state machine and waits for it (startExecution.sync:2)', () => {
    const stack = userStack();
    const approval = new HumanApproval(stack, 'Approval', { senderEmail: 'approvals@example.com' });
    const task = approval.approvalTask(stack, 'AskForApproval', {
      input: sfn.TaskInput.fromObject({ approvers: sfn.JsonPath.listAt('$.approvers'), subject: 'Refund order 7' }),
    });
    new sfn.StateMachine(stack, 'Parent', { definitionBody: sfn.DefinitionBody.fromChainable(task) });

    const state = stack.resolve(task.toStateJson()) as Record<string, unknown>;
    expect(state.Resource).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':states:::states:startExecution.sync:2']] });
    expect(state.ResultPath).toBe('$.approval');
    expect(state.Parameters).toEqual({
      Input: { 'approvers.$': '$.approvers', subject: 'Refund order 7', 'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id' },
      StateMachineArn: { Ref: stack.getLogicalId(approval.stateMachine.node.defaultChild as sfn.CfnStateMachine) },
    });
    // The parent may start the approval machine and follow and stop its executions.
    const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
    const actions = Object.values(policies).flatMap((policy) =>
      (
        policy as { Properties: { PolicyDocument: { Statement: Array<{ Action: string | string[] }> } } }
      ).Properties.PolicyDocument.Statement.flatMap((statement) => statement.Action),
    );
    expect(actions).toEqual(expect.arrayContaining(['states:StartExecution', 'states:DescribeExecution', 'states:StopExecution']));
  });
});

type PolicyStatement = { Sid?: string; Action: string | string[]; Resource: unknown };

function policyStatements(stack: Stack): PolicyStatement[] {
  return Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap(
    (policy) => (policy as { Properties: { PolicyDocument: { Statement: PolicyStatement[] } } }).Properties.PolicyDocument.Statement,
  );
}

describe('HumanApproval.approvalDecisionTask', () => {
  function decisionTask(props: Partial<Parameters<HumanApproval['approvalDecisionTask']>[2]> = {}) {
    const stack = userStack();
    const approval = new HumanApproval(stack, 'Approval', { senderEmail: 'approvals@example.com' });
    const task = approval.approvalDecisionTask(stack, 'AskForApproval', {
      input: sfn.TaskInput.fromObject({ approvers: sfn.JsonPath.listAt('$.approvers'), subject: 'Refund order 7' }),
      ...props,
    });
    new sfn.StateMachine(stack, 'Parent', { definitionBody: sfn.DefinitionBody.fromChainable(task) });
    return { stack, approval, state: stack.resolve(task.toStateJson()) as Record<string, unknown> };
  }

  it("starts the approval with startExecution.waitForTaskToken, its task token in the input's reserved key", () => {
    const { stack, approval, state } = decisionTask();

    expect(state.Resource).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':states:::states:startExecution.waitForTaskToken']],
    });
    expect(state.ResultPath).toBe('$.approval');
    expect(state.Parameters).toEqual({
      Input: {
        'approvers.$': '$.approvers',
        subject: 'Refund order 7',
        approval: { 'parentTaskToken.$': '$$.Task.Token' },
        'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id',
      },
      StateMachineArn: { Ref: stack.getLogicalId(approval.stateMachine.node.defaultChild as sfn.CfnStateMachine) },
    });
    // A stopped or timed-out approval cannot answer: by default the parent waits as long as the approval may run, plus five minutes.
    expect(state.TimeoutSeconds).toBe(executionTimeoutSeconds(approval.config) + 300);
    expect(state).not.toHaveProperty('HeartbeatSeconds');
  });

  it('takes a shorter wait, and a result selector', () => {
    const { state } = decisionTask({ timeout: Duration.hours(2), resultSelector: { 'decisions.$': '$.approval.decisions' } });

    expect(state.TimeoutSeconds).toBe(7_200);
    expect(state.ResultSelector).toEqual({ 'decisions.$': '$.approval.decisions' });
  });

  it('lets the parent start the approval machine, and the approval machine answer any waiting parent', () => {
    const { stack, approval } = decisionTask();
    const statements = policyStatements(stack);

    const answer = statements.find((statement) => statement.Sid === 'AnswerWaitingParents');
    // "Actions, resources, and condition keys for AWS Step Functions": SendTaskSuccess / SendTaskFailure list no resource type, so "*".
    expect(answer).toMatchObject({ Action: ['states:SendTaskSuccess', 'states:SendTaskFailure'], Resource: '*' });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: stack.getLogicalId(approval.stateMachine.role.node.defaultChild as CfnElement) }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'AnswerWaitingParents' })]) },
    });
    // The token in the approval's input must not reach its log group: events are logged without their data.
    Template.fromStack(stack).hasResourceProperties('AWS::StepFunctions::StateMachine', {
      RoleArn: { 'Fn::GetAtt': [stack.getLogicalId(approval.stateMachine.role.node.defaultChild as CfnElement), 'Arn'] },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: false }),
    });
    const actions = statements.flatMap((statement) => statement.Action);
    expect(actions).toContain('states:StartExecution');
    // No .sync: the parent neither follows nor stops the approval.
    expect(actions).not.toContain('states:StopExecution');
  });

  it('refuses an input it cannot add the token to, and one that uses the reserved key', () => {
    const stack = userStack();
    const approval = new HumanApproval(stack, 'Approval', { senderEmail: 'approvals@example.com' });

    expect(() => approval.approvalDecisionTask(stack, 'FromPath', { input: sfn.TaskInput.fromJsonPathAt('$.request') })).toThrow(
      /the input must be sfn\.TaskInput\.fromObject/,
    );
    expect(() =>
      approval.approvalDecisionTask(stack, 'Reserved', { input: sfn.TaskInput.fromObject({ subject: 'x', approval: 'mine' }) }),
    ).toThrow(/key "approval" is reserved/);
    expect(() =>
      approval.approvalDecisionTask(stack, 'ReservedPath', { input: sfn.TaskInput.fromObject({ subject: 'x', 'approval.$': '$.mine' }) }),
    ).toThrow(/key "approval" is reserved/);
  });

  it('is the only way the approval machine may answer task tokens, and log without execution data', () => {
    const stack = userStack();
    const approval = new HumanApproval(stack, 'Approval', { senderEmail: 'approvals@example.com' });
    const task = approval.approvalTask(stack, 'SyncForm', {
      input: sfn.TaskInput.fromObject({ approvers: ['a@example.com'], subject: 'x' }),
    });
    new sfn.StateMachine(stack, 'Parent', { definitionBody: sfn.DefinitionBody.fromChainable(task) });

    expect(policyStatements(stack).map((statement) => statement.Sid)).not.toContain('AnswerWaitingParents');
    Template.fromStack(stack).hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: true }),
    });
  });
});

describe('examples/release-workflow', () => {
  it('synthesizes with the AwsSolutions checks and nothing left unacknowledged', () => {
    const { error, violations } = synthWithAwsSolutionsChecks(
      (app) => {
        new ReleaseWorkflowStack(app, 'ReleaseWorkflowExample', { approval: { senderEmail: 'approvals@example.com' } });
      },
      { context: NO_BUNDLING },
    );

    expect(violations).toEqual([]);
    expect(error).toBeUndefined();
  });

  it('asks every approver (policy all) and catches each reason a release stops by its error name', () => {
    const app = new App({ context: NO_BUNDLING });
    const stack = new ReleaseWorkflowStack(app, 'ReleaseWorkflowExample', { approval: { senderEmail: 'approvals@example.com' } });
    const definition = JSON.stringify(
      stack.resolve((stack.release.stateMachine.node.defaultChild as sfn.CfnStateMachine).definitionString),
    );
    // The definition without its CloudFormation joins: the state machine as Step Functions reads it.
    const asl = JSON.parse(
      (JSON.parse(definition) as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1]
        .map((part) => (typeof part === 'string' ? part : 'ref'))
        .join(''),
    ) as { States: Record<string, { Resource?: string; Catch?: Array<{ ErrorEquals: string[]; Next: string }> }> };

    expect(asl.States.AskApprovers?.Resource).toMatch(/states:startExecution\.waitForTaskToken$/);
    expect(definition).toContain('\\"policy\\":\\"all\\"');
    expect(asl.States.AskApprovers?.Catch?.map((rule) => [rule.ErrorEquals, rule.Next])).toEqual([
      [['Rejected'], 'ReleaseRejected'],
      [['Expired'], 'ReleaseExpired'],
      [['States.Timeout'], 'ReleaseApprovalUnanswered'],
      [['InvalidRequest', 'EmailDeliveryFailed', 'EmailDeliveryRefused', 'RequestCheckFailed'], 'ReleaseNotApproved'],
      [['States.ALL'], 'ApprovalNotStarted'],
    ]);
  });
});
