import { type App, Stack } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { readApprovalConfig } from '../../infra/approval-config';
import { HumanApprovalStack } from '../../infra/human-approval-stack';
import { synthWithAwsSolutionsChecks } from '../support/nag';

/** Synthesizes the stack with the AwsSolutions checks, as `cdk synth` does; returns what the checks found. */
function synthWithChecks(context: Record<string, unknown>, addExtra?: (app: App) => void): { error?: Error; violations: string[] } {
  return synthWithAwsSolutionsChecks(
    (app) => {
      new HumanApprovalStack(app, 'HumanApproval', { config: readApprovalConfig((key) => app.node.tryGetContext(key)) });
      addExtra?.(app);
    },
    { context: { 'aws:cdk:bundling-stacks': [], ...context } },
  );
}

describe('cdk-nag AwsSolutions checks', () => {
  it.each([
    ['defaults', {}],
    ['confirm link mode', { linkMode: 'confirm' }],
    ['a fixed sender and no account logging role', { senderEmail: 'approvals@example.com', createApiGatewayAccountRole: 'false' }],
    ['Slack', { slackSecretName: 'approvals/slack-app' }],
  ])('find no unacknowledged error or warning with %s', (_label, context) => {
    const { error, violations } = synthWithChecks(context);

    expect(violations).toEqual([]);
    expect(error).toBeUndefined();
  });

  it('are really running: a non-compliant resource in the same app fails synthesis', () => {
    const { error, violations } = synthWithChecks({}, (app) => {
      new sqs.Queue(new Stack(app, 'Careless'), 'Queue');
    });

    expect(error?.message).toMatch(/AwsSolutions-SQS3/);
    expect(violations).toEqual(expect.arrayContaining([expect.stringMatching(/^error AwsSolutions-SQS3 at Careless\/Queue/)]));
    expect(violations.every((violation) => violation.includes('Careless/'))).toBe(true);
  });
});
