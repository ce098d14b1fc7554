import { expect } from '@jest/globals';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { ReleaseWorkflowStack } from '../../examples/release-workflow/release-workflow-stack';
import { ApprovalConfigError } from '../../infra/approval-config';
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

  it('asks every approver (policy all) and names why a release stopped', () => {
    const app = new App({ context: NO_BUNDLING });
    const stack = new ReleaseWorkflowStack(app, 'ReleaseWorkflowExample', { approval: { senderEmail: 'approvals@example.com' } });
    const definition = JSON.stringify(
      stack.resolve((stack.release.stateMachine.node.defaultChild as sfn.CfnStateMachine).definitionString),
    );

    expect(definition).toContain('states:startExecution.sync:2');
    expect(definition).toContain('\\"policy\\":\\"all\\"');
    for (const state of ['ReleaseRejected', 'ReleaseExpired', 'ReleaseNotApproved', 'Released'])
      expect(definition).toContain(`\\"${state}\\"`);
  });
});
