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

/**
 * The approval state machine answers a parent's task token: SendTaskSuccess and SendTaskFailure
 * list no resource type in the Service Authorization Reference ("Actions, resources, and condition
 * keys for AWS Step Functions": an action without one needs "*"), and the parent that hands over
 * its token is any state machine of the user's, not known to this construct.
 */
export const WILDCARD_FOR_LOGS_TRACING_AND_PARENT_CALLBACKS =
  'Only X-Ray (xray:PutTraceSegments, xray:PutTelemetryRecords), CloudWatch Logs vended delivery and the callbacks to a waiting parent (states:SendTaskSuccess, states:SendTaskFailure) use "*": those actions support no resource-level permissions, and the parent is any state machine that embeds the approval.';
