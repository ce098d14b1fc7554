import { DescribeExecutionCommand, type DescribeExecutionCommandOutput, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';
import { ApprovalError } from '../functions/commons/approval-errors';
import type { SlackMessageRecord } from '../functions/commons/slack-message-records';
import { approverStates, decisionRecord, type ApproverView, type DecisionRecord, type ReachedBy } from './approver-states';
import { readExecutionHistory } from './execution-history';
import { isRecord, parseJson } from './json-values';
import { parseRequest, type ApprovalPolicy, type ApprovalRequestView } from './request-view';
import type { SlackDelivery } from './slack-delivery';

export type { DecisionRecord } from './approver-states';

/** What became of a request, beyond the execution status: lets a script branch without parsing errors. */
export type ApprovalOutcome =
  'pending' | 'approved' | 'rejected' | 'expired' | 'invalid-request' | 'not-delivered' | 'failed' | 'timed-out' | 'aborted';

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
  readonly request: ApprovalRequestView;
  /** `any` or `all`; null when the input asked for neither (it then failed as InvalidRequest). */
  readonly policy: ApprovalPolicy | null;
  /** What is to be decided: the subject, or "Approval needed for <employee>" for the seed form. */
  readonly subject: string | null;
  /** Each approver's state, in the request's order. Needs the execution history: `list` leaves it out. */
  readonly approvers?: readonly ApproverView[];
  /** Approved under `any` (and the seed form): from the output. Rejected: parsed from the failure cause. */
  readonly decision?: DecisionRecord;
  /** Approved under `all`: every approver's record, in the approvers' order. */
  readonly decisions?: readonly DecisionRecord[];
  readonly error?: string;
  readonly cause?: string;
  /** The request asked for Slack, but the table of where each approver was reached could not be read: why. */
  readonly slackDeliveryNote?: string;
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

/** The `approval` field of an approved execution's output: policy, approvers, and a decision or decisions. */
function approvalOutput(execution: DescribeExecutionCommandOutput): Record<string, unknown> | undefined {
  if (execution.status !== 'SUCCEEDED') return undefined;
  const output = parseJson(execution.output);
  const approval = isRecord(output) ? output.approval : undefined;
  return isRecord(approval) ? approval : undefined;
}

function decisionsOf(execution: DescribeExecutionCommandOutput): { decision?: DecisionRecord; decisions?: DecisionRecord[] } {
  const approval = approvalOutput(execution);
  if (approval) {
    if (isRecord(approval.decision)) return { decision: decisionRecord(approval.decision) };
    if (Array.isArray(approval.decisions)) return { decisions: approval.decisions.filter(isRecord).map(decisionRecord) };
    return {};
  }
  if (execution.status === 'FAILED' && execution.error === ApprovalError.Rejected) {
    const record = parseJson(execution.cause);
    return isRecord(record) ? { decision: decisionRecord(record) } : {};
  }
  return {};
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((item) => typeof item === 'string') ? value : undefined;
}

/**
 * The view of one execution. With its history, the view has each approver's state; without
 * (`list`, one call per request), it has none.
 */
export function toApprovalExecutionView(
  execution: DescribeExecutionCommandOutput,
  history?: readonly HistoryEvent[],
): ApprovalExecutionView {
  const executionArn = execution.executionArn ?? '';
  const status = execution.status ?? 'UNKNOWN';
  const parsed = parseRequest(parseJson(execution.input));
  const { decision, decisions } = decisionsOf(execution);
  const approval = approvalOutput(execution);
  // The state machine's normalized values, once it has written them, over what the input said.
  const policy = approval?.policy === 'any' || approval?.policy === 'all' ? approval.policy : parsed.policy;
  const addresses = stringList(approval?.approvers) ?? parsed.approvers;
  const approvers =
    history === undefined
      ? undefined
      : approverStates({
          approvers: addresses,
          policy,
          status,
          ...(execution.error === undefined ? {} : { error: execution.error }),
          finalRecords: decision ? [decision] : (decisions ?? []),
          history,
        });
  return {
    executionArn,
    name: execution.name ?? executionArn.split(':').pop() ?? '',
    status,
    outcome: outcomeOf(status, execution.error),
    startDate: execution.startDate?.toISOString() ?? null,
    ...(execution.stopDate ? { stopDate: execution.stopDate.toISOString() } : {}),
    request: parsed.request,
    policy,
    subject: parsed.subject,
    ...(approvers ? { approvers } : {}),
    ...(decision ? { decision } : {}),
    ...(decisions ? { decisions } : {}),
    ...(execution.error !== undefined ? { error: execution.error } : {}),
    ...(execution.cause !== undefined ? { cause: execution.cause } : {}),
  };
}

export interface DescribeOptions {
  /** Read the history too, for each approver's state (one or more GetExecutionHistory calls more). */
  readonly withApprovers?: boolean;
  readonly abortSignal?: AbortSignal;
}

export async function describeApprovalExecution(
  sfn: SFNClient,
  executionArn: string,
  options: DescribeOptions = {},
): Promise<ApprovalExecutionView> {
  const { abortSignal } = options;
  const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }), abortSignal ? { abortSignal } : {});
  const history = options.withApprovers ? await readExecutionHistory(sfn, executionArn, abortSignal) : undefined;
  return toApprovalExecutionView(execution, history);
}

/** Whether the request's input asks for Slack: only then does the table of Slack messages say anything of it. */
export function asksForSlack(view: ApprovalExecutionView): boolean {
  return view.request.via?.includes('slack') === true;
}

function reachedByOf(record: SlackMessageRecord): ReachedBy {
  return record.delivery === 'slack' ? { channel: 'slack', slackUserId: record.slackUserId } : { channel: 'email', reason: record.reason };
}

/**
 * The view with how each approver was reached, matched by address: the table keeps the address as
 * the request normalized it, which may differ in case from what the input said. Or, when the table
 * could not be read, the view with the note that says why.
 */
export function withSlackDelivery(view: ApprovalExecutionView, delivery: SlackDelivery): ApprovalExecutionView {
  if (delivery.kind === 'not-shown') return { ...view, slackDeliveryNote: delivery.note };
  const reached = new Map(delivery.records.map((record) => [record.approver.toLowerCase(), reachedByOf(record)]));
  if (view.approvers === undefined) return view;
  return {
    ...view,
    approvers: view.approvers.map((approver) => {
      const reachedBy = reached.get(approver.address.toLowerCase());
      return reachedBy === undefined ? approver : { ...approver, reachedBy };
    }),
  };
}
