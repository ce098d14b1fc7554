// A team's own CDK app, in plain JavaScript, with the approval step installed from npm: the
// package's consumer test (test/consumer/run-consumer.mjs) installs it, synthesizes it with cdk-nag's
// AwsSolutions checks, and runs it with `npx approval local --app "node app.js"`.
const { App, RemovalPolicy, Stack, Validations } = require('aws-cdk-lib');
const logs = require('aws-cdk-lib/aws-logs');
const sfn = require('aws-cdk-lib/aws-stepfunctions');
const { AwsSolutionsChecks } = require('cdk-nag');
const { HumanApproval } = require('stepfunctions-human-approval');

const app = new App();
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

const stack = new Stack(app, 'TeamWorkflow');
const approval = new HumanApproval(stack, 'Approval', { senderEmail: 'approvals@example.com' });

// The team's workflow: ask the approvers named in its input, then ship; a rejection is caught by name.
const ask = approval.approvalDecisionTask(stack, 'AskForApproval', {
  input: sfn.TaskInput.fromObject({
    approvers: sfn.JsonPath.listAt('$.approvers'),
    subject: sfn.JsonPath.stringAt('$.subject'),
  }),
});
ask.addCatch(new sfn.Fail(stack, 'NotShipped', { error: 'NotShipped', causePath: '$.why.Cause' }), {
  errors: ['Rejected'],
  resultPath: '$.why',
});
const shipIt = new sfn.StateMachine(stack, 'ShipIt', {
  definitionBody: sfn.DefinitionBody.fromChainable(ask.next(new sfn.Succeed(stack, 'Shipped'))),
  logs: {
    destination: new logs.LogGroup(stack, 'ShipItLogs', { retention: logs.RetentionDays.ONE_WEEK, removalPolicy: RemovalPolicy.DESTROY }),
    level: sfn.LogLevel.ALL,
  },
  tracingEnabled: true,
});

// What the team's own state machine role needs, acknowledged as its own findings.
const policy = shipIt.role.node.tryFindChild('DefaultPolicy');
Validations.of(policy).acknowledge({
  id: 'AwsSolutions-IAM5[Resource::*]',
  reason: 'CloudWatch Logs delivery and X-Ray actions take "*": they support no resource-level permissions.',
});
