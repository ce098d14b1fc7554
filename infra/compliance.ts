import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { AwsSolutionsChecks } from 'cdk-nag';

/**
 * Runs the cdk-nag AwsSolutions rules on every synthesis: an unacknowledged finding fails
 * `cdk synth`, and the report lands in the cloud assembly (validation-report.json).
 */
export function addComplianceChecks(scope: IConstruct): void {
  Validations.of(scope).addPlugins(new AwsSolutionsChecks(scope));
}

/** Records why a cdk-nag finding does not apply, on the narrowest construct it concerns. */
export function acknowledgeFinding(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/** CloudWatch Logs delivery and X-Ray actions have no resource-level permissions. */
export const WILDCARD_FOR_LOGS_AND_TRACING =
  'Only X-Ray (xray:PutTraceSegments, xray:PutTelemetryRecords) and CloudWatch Logs vended delivery actions use "*": those actions support no resource-level permissions.';
