/**
 * The construct library: `import { HumanApproval } from 'stepfunctions-human-approval'`. Everything a
 * team needs to embed the approval step in its own CDK app, and nothing that needs this repository
 * (the worker ships prebuilt, the state machine definition inside the package).
 */
export {
  HumanApproval,
  type HumanApprovalProps,
  type ApprovalTaskCommonProps,
  type ApprovalTaskProps,
  type ApprovalDecisionTaskProps,
} from './constructs/human-approval';
export { HumanApprovalStack, type HumanApprovalStackProps } from './human-approval-stack';
export { type ApprovalConfig, ApprovalConfigError, type LinkMode, APPROVAL_SETTINGS, readApprovalConfig } from './approval-config';
// The parts HumanApproval is made of, for a team that reads or extends them.
export { ActivityWorker, type ActivityWorkerProps } from './constructs/activity-worker';
export { ApprovalApi, type ApprovalApiProps } from './constructs/approval-api';
export { ApprovalMonitoring, type ApprovalMonitoringProps } from './constructs/approval-monitoring';
export { ApprovalWorkflow, type ApprovalWorkflowProps } from './constructs/approval-workflow';
// What an approval takes and gives: the request, the result, and the errors a parent can catch.
export type { ApprovalChannel, ApprovalPolicy } from '../functions/commons/approval-request';
export type {
  ApprovalDecisionRecord,
  ApprovalRequest,
  ApprovalResult,
  EmailDecisionRecord,
  GeneralApprovalRequest,
  SeedApprovalRequest,
  SlackDecisionRecord,
} from './approval-types';
export { SlackActions, type SlackActionsProps } from './constructs/slack-actions';
export { ApprovalError, type ApprovalErrorName } from '../functions/commons/approval-errors';
