import { DescribeExecutionCommand, type DescribeExecutionCommandOutput, type SFNClient } from '@aws-sdk/client-sfn';
import { ApprovalError } from '../functions/commons/approval-errors';

/** What became of a request, beyond the execution status: lets a script branch without parsing errors. */
export type ApprovalOutcome =
  'pending' | 'approved' | 'rejected' | 'expired' | 'invalid-request' | 'not-delivered' | 'failed' | 'timed-out' | 'aborted';

/** The audit record the approval API builds from the click (see infra/approval-api-templates.ts). */
export type DecisionRecord = Readonly<Record<string, unknown>>;

/** One approval request as `status --json` and `list --json` print it. */
export interface ApprovalExecutionView {
  readonly executionArn: string;
  readonly name: string;
  readonly status: string;
  readonly outcome: ApprovalOutcome;
  readonly startDate: string | null;
  /** Only once the execution has ended. */
  readonly stopDate?: string;
  /** From the execution input; null where the input lacks a field (the execution then failed as InvalidRequest). */
  readonly request: { readonly managerEmailAddress: string | null; readonly employeeName: string | null };
  /** Approved: from the output. Rejected: parsed from the failure cause. */
  readonly decision?: DecisionRecord;
  readonly error?: string;
  readonly cause?: string;
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function outcomeOf(status: string, error: string | undefined): ApprovalOutcome {
  switch (status) {
    case 'RUNNING':
      return 'pending';
    case 'SUCCEEDED':
      return 'approved';
    case 'TIMED_OUT':
      return 'timed-out';
    case 'ABORTED':
      return 'aborted';
  }
  switch (error) {
    case ApprovalError.Rejected:
      return 'rejected';
    case ApprovalError.Expired:
      return 'expired';
    case ApprovalError.InvalidRequest:
      return 'invalid-request';
    case ApprovalError.EmailDeliveryFailed:
    case ApprovalError.EmailDeliveryRefused:
      return 'not-delivered';
    default:
      return 'failed';
  }
}

function decisionOf(execution: DescribeExecutionCommandOutput): DecisionRecord | undefined {
  if (execution.status === 'SUCCEEDED') {
    const output = parseJson(execution.output);
    const approval = isRecord(output) ? output.approval : undefined;
    const decision = isRecord(approval) ? approval.decision : undefined;
    return isRecord(decision) ? decision : undefined;
  }
  if (execution.error === ApprovalError.Rejected) {
    const record = parseJson(execution.cause);
    return isRecord(record) ? record : undefined;
  }
  return undefined;
}

export function toApprovalExecutionView(execution: DescribeExecutionCommandOutput): ApprovalExecutionView {
  const executionArn = execution.executionArn ?? '';
  const status = execution.status ?? 'UNKNOWN';
  const input = parseJson(execution.input);
  const request = isRecord(input) ? input : {};
  const decision = decisionOf(execution);
  return {
    executionArn,
    name: execution.name ?? executionArn.split(':').pop() ?? '',
    status,
    outcome: outcomeOf(status, execution.error),
    startDate: execution.startDate?.toISOString() ?? null,
    ...(execution.stopDate ? { stopDate: execution.stopDate.toISOString() } : {}),
    request: { managerEmailAddress: stringOrNull(request.managerEmailAddress), employeeName: stringOrNull(request.employeeName) },
    ...(decision ? { decision } : {}),
    ...(execution.error !== undefined ? { error: execution.error } : {}),
    ...(execution.cause !== undefined ? { cause: execution.cause } : {}),
  };
}

export async function describeApprovalExecution(sfn: SFNClient, executionArn: string): Promise<ApprovalExecutionView> {
  return toApprovalExecutionView(await sfn.send(new DescribeExecutionCommand({ executionArn })));
}
