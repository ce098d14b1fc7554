import type { ApprovalChannel, ApprovalPolicy } from '../functions/commons/approval-request';
import type { SlackDecisionRecord as SlackActionsRecord } from '../functions/commons/slack-contract';

/**
 * The public shapes of an approval, for a team's code that starts one or reads its result (the
 * request check, functions/commons/approval-request.ts, is what enforces them).
 */

/** The original sample's request: one manager approves something for one employee. */
export interface SeedApprovalRequest {
  readonly managerEmailAddress: string;
  readonly employeeName: string;
}

/** The general request: anything, approved by one or more people (README, "Requests and policies"). */
export interface GeneralApprovalRequest {
  readonly approvers: readonly string[];
  readonly policy?: ApprovalPolicy;
  readonly subject: string;
  readonly details?: Readonly<Record<string, string>>;
  readonly requester?: string;
  /**
   * How approvers are reached: `["email"]` (the default), `["slack"]` or both; Slack needs the
   * deployment's Slack app (`slackSecretName`).
   */
  readonly via?: readonly ApprovalChannel[];
}

/** What an approval execution starts with, in either form. Extra fields are carried through untouched. */
export type ApprovalRequest = SeedApprovalRequest | GeneralApprovalRequest;

/**
 * One approver's decision made with an email link, as the approval execution records it (README,
 * "Output"): what API Gateway saw of the click, plus `approver`, which the state machine adds from
 * its own data.
 */
export interface EmailDecisionRecord {
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
  /** Absent: only Slack records name their channel. */
  readonly channel?: undefined;
}

/**
 * One approver's decision made in Slack (README, "Approving in Slack"): what the Slack actions
 * function records, plus `approver`, which the state machine adds.
 */
export interface SlackDecisionRecord extends SlackActionsRecord {
  /** The address the message was sent for. */
  readonly approver: string;
}

/** One approver's decision: Slack records carry `channel: 'slack'`, email records no `channel`. */
export type ApprovalDecisionRecord = EmailDecisionRecord | SlackDecisionRecord;

/** The `approval` key of a succeeded approval execution's output (the rest of the output is its input). */
export interface ApprovalResult {
  readonly policy: ApprovalPolicy;
  readonly approvers: readonly string[];
  /** Policy `any` (and the original form): the decision that approved. */
  readonly decision?: ApprovalDecisionRecord;
  /** Policy `all`: one record per approver, in the order of `approvers`. */
  readonly decisions?: readonly ApprovalDecisionRecord[];
}
