import { expect } from '@jest/globals';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { readApprovalConfig } from '../../infra/approval-config';
import { HumanApprovalStack } from '../../infra/human-approval-stack';
import { ApprovalProbeStack } from './approval-probe-stack';
import { CONFIRM_ENV_PREFIX, PROBE_ENV } from './probe/config';

jest.setTimeout(60_000);

interface Statement {
  readonly Sid: string;
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
}

/** The integ app's stacks, as integ.human-approval.ts builds them, and the probe stack's template. */
function synthProbe(): Template {
  // The probe's code is not inspected here: no bundling (and no esbuild lines in the test output).
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const config = readApprovalConfig((key) => (key === 'senderEmail' ? 'approvals@example.com' : undefined));
  const product = new HumanApprovalStack(app, 'Direct', { config });
  const confirmProduct = new HumanApprovalStack(app, 'Confirm', {
    config: { ...config, linkMode: 'confirm', createApiGatewayAccountRole: false },
  });
  return Template.fromStack(new ApprovalProbeStack(app, 'Probe', { product, confirmProduct }));
}

describe('the integ probe stack', () => {
  const template = synthProbe();
  const statements = Object.values(template.findResources('AWS::IAM::Role'))
    .flatMap((role) => (role as { Properties: { Policies: Array<{ PolicyDocument: { Statement: Statement[] } }> } }).Properties.Policies)
    .flatMap((policy) => policy.PolicyDocument.Statement);

  it("lets the probe drive each product stack with only the actions it uses, each on that stack's own resources", () => {
    const byStack = (stack: string) =>
      statements
        .filter((statement) => JSON.stringify(statement.Resource).includes(`${stack}:ExportsOutput`))
        .map((statement) => [statement.Sid, [statement.Action].flat().sort()]);
    const drive = (sidPrefix: string) => [
      [`${sidPrefix}StartRequests`, ['states:StartExecution']],
      [`${sidPrefix}FollowAndStopRequests`, ['states:DescribeExecution', 'states:GetExecutionHistory', 'states:StopExecution']],
      [`${sidPrefix}TakeApprovalTasks`, ['states:GetActivityTask']],
      [`${sidPrefix}HoldOffTheWorker`, ['dynamodb:DeleteItem', 'dynamodb:PutItem']],
    ];

    expect(byStack('Direct')).toEqual(drive(''));
    expect(byStack('Confirm')).toEqual(drive('Confirm'));
    // Besides those, only its own log stream; nothing on "*".
    expect(statements.map((statement) => statement.Sid).sort()).toEqual(
      [...drive(''), ...drive('Confirm'), ['WriteOwnLogs']].map(([sid]) => sid).sort(),
    );
    expect(statements.every((statement) => statement.Effect === 'Allow' && JSON.stringify(statement.Resource) !== '"*"')).toBe(true);
  });

  it('tells the probe where each product stack is', () => {
    const [probe] = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } }));
    const variables = Object.keys(
      (probe as { Properties: { Environment: { Variables: Record<string, unknown> } } }).Properties.Environment.Variables,
    );

    for (const name of Object.values(PROBE_ENV)) {
      expect(variables).toContain(name);
      expect(variables).toContain(CONFIRM_ENV_PREFIX + name);
    }
  });
});
