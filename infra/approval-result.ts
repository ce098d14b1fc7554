import type { ApprovalPolicy } from '../functions/commons/approval-request';

/**
 * One approver's decision, as the approval execution records it (README, "Output"): what API
 * Gateway saw of the click, plus `approver`, which the state machine adds from its own data.
 */
export interface ApprovalDecisionRecord {
  readonly decision: 'approved' | 'rejected';
  /** API Gateway's request time, e.g. `21/Nov/2026:10:00:00 +0000`. */
  readonly decidedAt: string;
  readonly sourceIp: string;
  readonly userAgent: string;
  /** API Gateway's extended request id, which no client can choose. */
  readonly requestId: string;
  /** The address the link was sent to. */
  readonly approver: string;
  /** The comment typed on the decision page (confirm mode). */
  readonly comment?: string;
}

/** The `approval` key of a succeeded approval execution's output (the rest of the output is its input). */
export interface ApprovalResult {
  readonly policy: ApprovalPolicy;
  readonly approvers: readonly string[];
  /** Policy `any` (and the original form): the decision that approved. */
  readonly decision?: ApprovalDecisionRecord;
  /** Policy `all`: one record per approver, in the order of `approvers`. */
  readonly decisions?: readonly ApprovalDecisionRecord[];
}
