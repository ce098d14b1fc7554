import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Records why a cdk-nag finding does not apply, on the narrowest construct it concerns, through
 * aws-cdk-lib's own Validations API: the construct library needs no cdk-nag (the checks are in
 * infra/compliance-checks.ts, which only apps load).
 */
export function acknowledgeFinding(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/** CloudWatch Logs delivery and X-Ray actions have no resource-level permissions. */
export const WILDCARD_FOR_LOGS_AND_TRACING =
  'Only X-Ray (xray:PutTraceSegments, xray:PutTelemetryRecords) and CloudWatch Logs vended delivery actions use "*": those actions support no resource-level permissions.';
