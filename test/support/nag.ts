import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, type AppProps } from 'aws-cdk-lib';
import { addComplianceChecks } from '../../infra/compliance-checks';

interface Violation {
  readonly ruleName: string;
  readonly severity: string;
  readonly violatingConstructs: Array<{ readonly constructPath: string }>;
}

/**
 * Synthesizes an app with the AwsSolutions checks, as `cdk synth` does, and returns what the checks
 * found (from the cloud assembly's validation report) and the error synthesis threw, if any.
 */
export function synthWithAwsSolutionsChecks(build: (app: App) => void, props: AppProps = {}): { error?: Error; violations: string[] } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'nag-'));
  const app = new App({ ...props, outdir });
  addComplianceChecks(app);
  build(app);
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
