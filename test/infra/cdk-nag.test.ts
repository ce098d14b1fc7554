import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { readApprovalConfig } from '../../infra/approval-config';
import { addComplianceChecks } from '../../infra/compliance';
import { HumanApprovalStack } from '../../infra/human-approval-stack';

interface Violation {
  readonly ruleName: string;
  readonly severity: string;
  readonly violatingConstructs: ReadonlyArray<{ readonly constructPath: string }>;
}

/** Synthesizes with the AwsSolutions checks, as `cdk synth` does; returns what the checks found. */
function synthWithChecks(context: Record<string, unknown>, addExtra?: (app: App) => void): { error?: Error; violations: string[] } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'nag-'));
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [], ...context } });
  addComplianceChecks(app);
  new HumanApprovalStack(app, 'HumanApproval', { config: readApprovalConfig((key) => app.node.tryGetContext(key)) });
  addExtra?.(app);
  let error: Error | undefined;
  try {
    app.synth();
  } catch (caught) {
    error = caught as Error;
  }
  const reportFile = path.join(outdir, 'validation-report.json');
  const report = fs.existsSync(reportFile)
    ? (JSON.parse(fs.readFileSync(reportFile, 'utf8')) as { pluginReports: Array<{ violations: Violation[] }> })
    : { pluginReports: [] };
  const violations = report.pluginReports.flatMap((plugin) =>
    plugin.violations.flatMap((v) => v.violatingConstructs.map((c) => `${v.severity} ${v.ruleName} at ${c.constructPath}`)),
  );
  fs.rmSync(outdir, { recursive: true, force: true });
  return { error, violations };
}

describe('cdk-nag AwsSolutions checks', () => {
  it.each([
    ['defaults', {}],
    ['confirm link mode', { linkMode: 'confirm' }],
    ['a fixed sender and no account logging role', { senderEmail: 'approvals@example.com', createApiGatewayAccountRole: 'false' }],
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
