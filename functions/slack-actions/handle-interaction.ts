import { SendTaskFailureCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { ApprovalError } from '../commons/approval-errors';
import {
  decodeSlackButtonValue,
  SLACK_ACTION_ID,
  SLACK_ACTIONS_BLOCK_ID,
  SLACK_REJECT_MODAL,
  type SlackDecisionRecord,
} from '../commons/slack-contract';
import {
  approvedText,
  closedMessage,
  closedMessageFromText,
  DecisionNotice,
  ephemeral,
  mention,
  rejectedText,
  type SlackResponseMessage,
} from './decision-messages';
import { readInteraction, type ButtonClick, type ViewSubmission } from './interaction-payload';
import { decodeRejectFormState, encodeRejectFormState, recordedReason, rejectFormView, type SlackView } from './reject-form';

/** Log lines name the interaction's type, action, user and outcome; never a token, payload or response_url. */
export interface InteractionLogger {
  info(message: string, ...extra: Array<Record<string, unknown>>): void;
  warn(message: string, ...extra: Array<Record<string, unknown>>): void;
  error(message: string, ...extra: Array<Record<string, unknown>>): void;
}

export interface InteractionDependencies {
  /** Sends SendTaskSuccess or SendTaskFailure; rejects with the SDK's named error. */
  readonly sendToStepFunctions: (command: SendTaskSuccessCommand | SendTaskFailureCommand) => Promise<unknown>;
  /** Slack's views.open with this trigger_id. */
  readonly openView: (triggerId: string, view: SlackView) => Promise<void>;
  /** POSTs the message as JSON to a response_url; rejects when Slack does not accept it. */
  readonly postToResponseUrl: (url: string, message: SlackResponseMessage) => Promise<void>;
  readonly now: () => Date;
  readonly logger: InteractionLogger;
}

/**
 * What the function answers Slack within its 3 seconds: an empty 200 (which also closes a modal),
 * or errors to show under the modal's inputs, by block_id (`response_action: "errors"`; "Modals",
 * handling submissions, https://docs.slack.dev/surfaces/modals#displaying_errors).
 */
export type SlackAcknowledgement =
  { readonly kind: 'empty' } | { readonly kind: 'view-errors'; readonly errors: Readonly<Record<string, string>> };

const EMPTY: SlackAcknowledgement = { kind: 'empty' };

const reasonError = (message: string): SlackAcknowledgement => ({
  kind: 'view-errors',
  errors: { [SLACK_REJECT_MODAL.reasonBlockId]: message },
});

/**
 * Step Functions errors that mean the task is closed (decided, expired, or replaced by a reminder),
 * as NO_LONGER_OPEN_ERRORS in infra/approval-api-templates.ts; `InvalidToken` means a damaged token
 * (SendTaskSuccess API reference, Errors).
 */
const NO_LONGER_OPEN_ERRORS: readonly string[] = ['TaskTimedOut', 'TaskDoesNotExist'];

type DecisionFailure = 'no-longer-open' | 'invalid-token' | 'failed';

const errorName = (error: unknown): string => (error instanceof Error ? error.name : typeof error);

function classify(error: unknown): DecisionFailure {
  const name = errorName(error);
  if (NO_LONGER_OPEN_ERRORS.includes(name)) return 'no-longer-open';
  return name === 'InvalidToken' ? 'invalid-token' : 'failed';
}

interface LogContext {
  readonly type: string;
  readonly action?: string;
  readonly userId?: string;
}

function logOutcome(deps: InteractionDependencies, context: LogContext, outcome: string, extra: Record<string, unknown> = {}): void {
  deps.logger.info('Slack interaction handled', { ...context, outcome, ...extra });
}

/** Posts to the response_url; a failure is logged, not thrown, since the decision (if any) stands. */
async function respond(deps: InteractionDependencies, context: LogContext, url: string, message: SlackResponseMessage): Promise<void> {
  try {
    await deps.postToResponseUrl(url, message);
  } catch (error) {
    deps.logger.warn('Could not answer through the response_url', { ...context, errorName: errorName(error) });
  }
}

/** Slack user ids are upper-case letters and digits; anything else is not put into a mention. */
const isSlackUserId = (value: string): boolean => /^[A-Z0-9]{2,40}$/.test(value);

async function approve(deps: InteractionDependencies, click: ButtonClick, taskToken: string, context: LogContext): Promise<void> {
  const decidedAt = deps.now();
  const record: SlackDecisionRecord = {
    decision: 'approved',
    decidedAt: decidedAt.toISOString(),
    channel: 'slack',
    slackUserId: click.userId,
    slackTeamId: click.teamId,
  };
  try {
    await deps.sendToStepFunctions(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(record) }));
  } catch (error) {
    await answerFailure(deps, context, error, click.responseUrl);
    return;
  }
  logOutcome(deps, context, 'approved');
  await respond(deps, context, click.responseUrl, closedMessage(click.messageBlocks, approvedText(click.userId, decidedAt)));
}

/**
 * Tells only the person who clicked what became of their decision when Step Functions refused or
 * failed it. The message stays as it is: a task that is no longer open was most often decided by
 * this very message (a double click, a replay, a resubmitted modal), whose outcome must stay shown.
 */
async function answerFailure(
  deps: InteractionDependencies,
  context: LogContext,
  error: unknown,
  responseUrl: string,
): Promise<DecisionFailure> {
  const failure = classify(error);
  if (failure === 'failed') {
    deps.logger.error('Could not record a Slack decision', { ...context, outcome: failure, errorName: errorName(error) });
  } else {
    logOutcome(deps, context, failure);
  }
  const notice =
    failure === 'no-longer-open'
      ? DecisionNotice.noLongerOpen
      : failure === 'invalid-token'
        ? DecisionNotice.notValid
        : DecisionNotice.failed;
  await respond(deps, context, responseUrl, ephemeral(notice));
  return failure;
}

async function openRejectForm(deps: InteractionDependencies, click: ButtonClick, taskToken: string, context: LogContext): Promise<void> {
  const metadata = encodeRejectFormState({
    approverUserId: click.userId,
    taskToken,
    responseUrl: click.responseUrl,
    requestText: click.messageText,
  });
  if (metadata === undefined) {
    // A rejection always carries a reason, which only the modal can collect: nothing is decided.
    logOutcome(deps, context, 'reject-form-too-large');
    await respond(
      deps,
      context,
      click.responseUrl,
      ephemeral(
        "This request cannot be rejected from Slack: its data does not fit Slack's reject form, and a rejection needs a reason. Nothing was decided.",
      ),
    );
    return;
  }
  try {
    await deps.openView(click.triggerId, rejectFormView(metadata));
  } catch (error) {
    deps.logger.error('Could not open the reject form', { ...context, outcome: 'reject-form-failed', errorName: errorName(error) });
    await respond(deps, context, click.responseUrl, ephemeral(DecisionNotice.formNotOpened));
    return;
  }
  logOutcome(deps, context, 'reject-form-opened');
}

async function handleButtonClick(deps: InteractionDependencies, click: ButtonClick): Promise<SlackAcknowledgement> {
  const action = click.actionId === SLACK_ACTION_ID.approve ? 'approve' : click.actionId === SLACK_ACTION_ID.reject ? 'reject' : undefined;
  const context: LogContext = { type: click.type, action: action ?? 'other', userId: click.userId };
  if (action === undefined || click.blockId !== SLACK_ACTIONS_BLOCK_ID) {
    logOutcome(deps, context, 'ignored');
    return EMPTY;
  }
  const value = decodeSlackButtonValue(click.value);
  if (value === undefined || !isSlackUserId(value.approverUserId)) {
    logOutcome(deps, context, 'invalid-button');
    await respond(deps, context, click.responseUrl, ephemeral(DecisionNotice.notValid));
    return EMPTY;
  }
  if (click.userId !== value.approverUserId) {
    logOutcome(deps, context, 'not-the-approver');
    await respond(deps, context, click.responseUrl, ephemeral(`Only ${mention(value.approverUserId)} can decide this request.`));
    return EMPTY;
  }
  if (action === 'approve') await approve(deps, click, value.taskToken, context);
  else await openRejectForm(deps, click, value.taskToken, context);
  return EMPTY;
}

async function handleRejectSubmission(deps: InteractionDependencies, submission: ViewSubmission): Promise<SlackAcknowledgement> {
  const context: LogContext = { type: submission.type, action: 'reject', userId: submission.userId };
  if (submission.callbackId !== SLACK_REJECT_MODAL.callbackId) {
    logOutcome(deps, { ...context, action: 'other' }, 'ignored');
    return EMPTY;
  }
  const state = decodeRejectFormState(submission.privateMetadata);
  if (state === undefined) {
    logOutcome(deps, context, 'reject-form-damaged');
    return reasonError(DecisionNotice.formDamaged);
  }
  if (submission.userId !== state.approverUserId) {
    logOutcome(deps, context, 'not-the-approver');
    return reasonError(DecisionNotice.notTheApprover);
  }
  const reason = recordedReason(submission.reason);
  if (reason === '') {
    logOutcome(deps, context, 'reason-missing');
    return reasonError(DecisionNotice.reasonRequired);
  }
  const decidedAt = deps.now();
  const record: SlackDecisionRecord = {
    decision: 'rejected',
    decidedAt: decidedAt.toISOString(),
    channel: 'slack',
    slackUserId: submission.userId,
    slackTeamId: submission.teamId,
    comment: reason,
  };
  try {
    await deps.sendToStepFunctions(
      new SendTaskFailureCommand({ taskToken: state.taskToken, error: ApprovalError.Rejected, cause: JSON.stringify(record) }),
    );
  } catch (error) {
    if (classify(error) === 'failed') {
      // The modal stays open with the reason as typed, so trying again is one click.
      deps.logger.error('Could not record a Slack decision', { ...context, outcome: 'failed', errorName: errorName(error) });
      return reasonError(DecisionNotice.failed);
    }
    await answerFailure(deps, context, error, state.responseUrl);
    return EMPTY;
  }
  logOutcome(deps, context, 'rejected');
  await respond(
    deps,
    context,
    state.responseUrl,
    closedMessageFromText(state.requestText, rejectedText(submission.userId, decidedAt, reason)),
  );
  return EMPTY;
}

/**
 * Handles one interaction request whose signature has been verified: a click on Approve decides at
 * once; a click on Reject opens the reject modal, whose submission decides with the reason as the
 * comment. Only the approver the message was sent to decides. Anything else is acknowledged and
 * left alone.
 */
export async function handleInteraction(rawBody: string, deps: InteractionDependencies): Promise<SlackAcknowledgement> {
  const interaction = readInteraction(rawBody);
  if (interaction === undefined) {
    deps.logger.warn('Ignored a request without an interaction payload');
    return EMPTY;
  }
  switch (interaction.type) {
    case 'block_actions':
      return handleButtonClick(deps, interaction);
    case 'view_submission':
      return handleRejectSubmission(deps, interaction);
    default:
      logOutcome(deps, { type: interaction.payloadType }, 'ignored');
      return EMPTY;
  }
}
