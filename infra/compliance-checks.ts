import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { AwsSolutionsChecks } from 'cdk-nag';

/**
 * Runs the cdk-nag AwsSolutions rules on every synthesis: an unacknowledged finding fails
 * `cdk synth`, and the report lands in the cloud assembly (validation-report.json). For apps
 * (infra/app.ts, the example, tests); the construct library itself does not load cdk-nag.
 */
export function addComplianceChecks(scope: IConstruct): void {
  Validations.of(scope).addPlugins(new AwsSolutionsChecks(scope));
}
