/**
 * The event a standard execution sends to the default bus when its status changes: "EventBridge
 * (CloudWatch Events) for Step Functions execution status changes"
 * (https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html) and "AWS Step Functions
 * events" (https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-states.html). The detail
 * "provides the same information as the DescribeExecution API", with these fields, in this order, and
 * null rather than absent, as LocalStack recorded the events AWS sent
 * (github.com/localstack/localstack, tests/aws/services/stepfunctions/v2/base/test_base.snapshot.json,
 * test_event_bridge_events_base, commit 8b9a79f05846835cf4dff63ab7eefdde9df83783).
 */

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface StatusChangedExecution {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly status: ExecutionStatus;
  readonly startDate: Date;
  readonly stopDate?: Date;
  /** The execution's input; StartExecution without one gives `{}`. */
  readonly input?: string;
  /** SUCCEEDED only. */
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
}

export interface ExecutionStatusChangeDetail {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly status: ExecutionStatus;
  /** Milliseconds since the epoch, as in the documented examples. */
  readonly startDate: number;
  readonly stopDate: number | null;
  readonly input: string | null;
  readonly output: string | null;
  readonly stateMachineVersionArn: null;
  readonly stateMachineAliasArn: null;
  readonly redriveCount: 0;
  readonly redriveDate: null;
  readonly redriveStatus: 'REDRIVABLE' | 'NOT_REDRIVABLE';
  readonly redriveStatusReason: string | null;
  readonly inputDetails: { readonly included: boolean };
  readonly outputDetails: { readonly included: boolean } | null;
  readonly error: string | null;
  readonly cause: string | null;
}

/**
 * "If the combined escaped input and escaped output sent to EventBridge exceeds 248KB, then the input
 * will be excluded. Similarly, if the escaped output exceeds 248KB, then the output will be excluded"
 * (cw-events.html, "EventBridge payloads"): room under EventBridge's 256 KB event.
 */
export const EVENT_PAYLOAD_LIMIT_BYTES = 248 * 1024;

/** A payload's size as it travels in the event: the JSON string it becomes, quotes and escapes included. */
const escapedSize = (payload: string | null): number => (payload === null ? 0 : Buffer.byteLength(JSON.stringify(payload)));

/**
 * DescribeExecution's redriveStatus and redriveStatusReason: a running or succeeded execution cannot
 * be redriven, and says why; a failed, timed-out or aborted one can (for 14 days), with no reason
 * ("DescribeExecution", Step Functions API Reference; "RedriveExecution").
 */
function redrive(status: ExecutionStatus): Pick<ExecutionStatusChangeDetail, 'redriveStatus' | 'redriveStatusReason'> {
  return status === 'RUNNING' || status === 'SUCCEEDED'
    ? { redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason: `Execution is ${status} and cannot be redriven` }
    : { redriveStatus: 'REDRIVABLE', redriveStatusReason: null };
}

/** The event Step Functions sends to the default bus when a standard execution changes status, built from DescribeExecution-like fields. */
export function executionStatusChangeEvent(execution: StatusChangedExecution): {
  source: 'aws.states';
  detailType: 'Step Functions Execution Status Change';
  detail: ExecutionStatusChangeDetail;
  resources: string[];
} {
  const stopped = execution.status !== 'RUNNING';
  const failed = stopped && execution.status !== 'SUCCEEDED';
  const input = execution.input ?? '{}';
  // Only a succeeded execution has an output (DescribeExecution: "If the execution fails, this field is null").
  const output = execution.status === 'SUCCEEDED' ? (execution.output ?? null) : null;
  const outputIncluded = escapedSize(output) <= EVENT_PAYLOAD_LIMIT_BYTES;
  const inputIncluded = escapedSize(input) + escapedSize(output) <= EVENT_PAYLOAD_LIMIT_BYTES;
  return {
    source: 'aws.states',
    detailType: 'Step Functions Execution Status Change',
    resources: [execution.executionArn],
    detail: {
      executionArn: execution.executionArn,
      stateMachineArn: execution.stateMachineArn,
      name: execution.name,
      status: execution.status,
      startDate: execution.startDate.getTime(),
      stopDate: stopped && execution.stopDate !== undefined ? execution.stopDate.getTime() : null,
      input: inputIncluded ? input : null,
      output: outputIncluded ? output : null,
      stateMachineVersionArn: null,
      stateMachineAliasArn: null,
      redriveCount: 0,
      redriveDate: null,
      ...redrive(execution.status),
      inputDetails: { included: inputIncluded },
      outputDetails: execution.status === 'SUCCEEDED' ? { included: outputIncluded } : null,
      error: failed ? (execution.error ?? null) : null,
      cause: failed ? (execution.cause ?? null) : null,
    },
  };
}
