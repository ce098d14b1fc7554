import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNServiceException } from '@aws-sdk/client-sfn';
import type { SlackResponseMessage } from '../../functions/slack-actions/decision-messages';
import {
  handleInteraction,
  type InteractionDependencies,
  type InteractionLogger,
  type SlackAcknowledgement,
} from '../../functions/slack-actions/handle-interaction';
import type { SlackView } from '../../functions/slack-actions/reject-form';
import {
  encodeSlackButtonValue,
  MAX_SLACK_PRIVATE_METADATA_LENGTH,
  SLACK_ACTION_ID,
  SLACK_ACTIONS_BLOCK_ID,
  SLACK_REJECT_MODAL,
} from '../../functions/commons/slack-contract';
import { realisticTaskToken } from '../support/fixtures';

const APPROVER = 'U024BE7LH';
const SOMEONE_ELSE = 'U0G9QF9C6';
const TEAM = 'T9TK3CUKW';
const CHANNEL = 'C0823BFRLNR';
const MESSAGE_TS = '1796724600.000200';
// A long token with every base64 character that needs care in a form body or JSON: + / =.
const TOKEN = realisticTaskToken(1000, 11);
const RESPONSE_URL = 'https://hooks.slack.com/actions/T9TK3CUKW/8190243563126/kbQxXq6Q4h3ZtcvNFHfS1Kp3';
const TRIGGER_ID = '8190243563126.8292331640.5b3d4f2a9d81c6e0f7a2';
const CLICKED_AT = new Date('2026-12-08T10:15:30.000Z');
const SLACK_TIME = `<!date^${Date.UTC(2026, 11, 8, 10, 15, 30) / 1000}^{date_short_pretty} at {time}|2026-12-08 10:15 UTC>`;
const REQUEST_TEXT = 'Approval needed: Deploy release 42 to production';

/** The approval message as the worker posts it: the request, its details, then the two buttons. */
const REQUEST_BLOCKS = [
  { type: 'section', block_id: 'request', text: { type: 'mrkdwn', text: '*Deploy release 42 to production*' } },
  { type: 'section', block_id: 'details', fields: [{ type: 'mrkdwn', text: '*Requested by*\ndev@example.com' }] },
  {
    type: 'actions',
    block_id: SLACK_ACTIONS_BLOCK_ID,
    elements: [
      { type: 'button', action_id: SLACK_ACTION_ID.approve, text: { type: 'plain_text', text: 'Approve' }, style: 'primary' },
      { type: 'button', action_id: SLACK_ACTION_ID.reject, text: { type: 'plain_text', text: 'Reject' }, style: 'danger' },
    ],
  },
];
const BLOCKS_WITHOUT_BUTTONS = REQUEST_BLOCKS.slice(0, 2);

/** A request body as Slack sends it: the payload's JSON in the `payload` form field. */
function formBody(payload: unknown): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** A block_actions payload for a click on one of the message's buttons (block_actions payload reference). */
function buttonClick(
  action: keyof typeof SLACK_ACTION_ID,
  options: { by?: string; messageText?: string; value?: string; actionId?: string } = {},
): string {
  const by = options.by ?? APPROVER;
  return formBody({
    type: 'block_actions',
    user: { id: by, username: 'ana', name: 'ana', team_id: TEAM },
    api_app_id: 'A08ABCDEF12',
    token: 'verification-token-unused',
    container: { type: 'message', message_ts: MESSAGE_TS, channel_id: CHANNEL, is_ephemeral: false },
    trigger_id: TRIGGER_ID,
    team: { id: TEAM, domain: 'example-corp' },
    channel: { id: CHANNEL, name: 'directmessage' },
    message: { type: 'message', ts: MESSAGE_TS, text: options.messageText ?? REQUEST_TEXT, blocks: REQUEST_BLOCKS },
    response_url: RESPONSE_URL,
    actions: [
      {
        type: 'button',
        action_id: options.actionId ?? SLACK_ACTION_ID[action],
        block_id: SLACK_ACTIONS_BLOCK_ID,
        value: options.value ?? encodeSlackButtonValue({ approverUserId: APPROVER, taskToken: TOKEN }),
        action_ts: '1796724930.512345',
      },
    ],
  });
}

/** A view_submission payload of the reject modal (view interaction payloads reference). */
function rejectSubmission(privateMetadata: string, reason: string | undefined, by = APPROVER): string {
  return formBody({
    type: 'view_submission',
    team: { id: TEAM, domain: 'example-corp' },
    user: { id: by, username: 'ana', name: 'ana', team_id: TEAM },
    api_app_id: 'A08ABCDEF12',
    trigger_id: '8190243563999.8292331640.77aa',
    view: {
      id: 'V08ABCDEF99',
      type: 'modal',
      callback_id: SLACK_REJECT_MODAL.callbackId,
      private_metadata: privateMetadata,
      state: {
        values: {
          [SLACK_REJECT_MODAL.reasonBlockId]: {
            [SLACK_REJECT_MODAL.reasonActionId]: { type: 'plain_text_input', ...(reason === undefined ? {} : { value: reason }) },
          },
        },
      },
    },
  });
}

interface Recorded {
  commands: Array<SendTaskSuccessCommand | SendTaskFailureCommand>;
  views: Array<{ triggerId: string; view: SlackView }>;
  responses: Array<{ url: string; message: SlackResponseMessage }>;
  logs: Array<{ level: string; message: string; extra: unknown[] }>;
}

function fakeDependencies(stepFunctionsError?: Error): { deps: InteractionDependencies; recorded: Recorded } {
  const recorded: Recorded = { commands: [], views: [], responses: [], logs: [] };
  const at =
    (level: string) =>
    (message: string, ...extra: unknown[]) =>
      recorded.logs.push({ level, message, extra });
  const logger: InteractionLogger = { info: at('info'), warn: at('warn'), error: at('error') };
  const deps: InteractionDependencies = {
    sendToStepFunctions: (command) => {
      recorded.commands.push(command);
      return stepFunctionsError ? Promise.reject(stepFunctionsError) : Promise.resolve({});
    },
    openView: (triggerId, view) => {
      recorded.views.push({ triggerId, view });
      return Promise.resolve();
    },
    postToResponseUrl: (url, message) => {
      recorded.responses.push({ url, message });
      return Promise.resolve();
    },
    now: () => CLICKED_AT,
    logger,
  };
  return { deps, recorded };
}

const serviceError = (name: string, fault: 'client' | 'server' = 'client') =>
  new SFNServiceException({ name, $fault: fault, message: `${name} (token ${TOKEN})`, $metadata: { httpStatusCode: 400 } });

/** Clicks Reject and returns the private_metadata of the modal that opened. */
async function openedRejectForm(options: { messageText?: string } = {}): Promise<string> {
  const { deps, recorded } = fakeDependencies();
  await handleInteraction(buttonClick('reject', options), deps);
  const view = recorded.views[0]?.view;
  if (view?.type !== 'modal' || view.private_metadata === undefined) throw new Error('No reject modal was opened.');
  return view.private_metadata;
}

const EMPTY: SlackAcknowledgement = { kind: 'empty' };

describe('a click on Approve', () => {
  it('by the approver: records the approval with Step Functions and replaces the message with the outcome, without buttons', async () => {
    const { deps, recorded } = fakeDependencies();

    const acknowledgement = await handleInteraction(buttonClick('approve'), deps);

    expect(acknowledgement).toEqual(EMPTY);
    expect(recorded.commands).toHaveLength(1);
    expect(recorded.commands[0]).toBeInstanceOf(SendTaskSuccessCommand);
    expect(recorded.commands[0]?.input).toEqual({
      taskToken: TOKEN,
      output: JSON.stringify({
        decision: 'approved',
        decidedAt: '2026-12-08T10:15:30.000Z',
        channel: 'slack',
        slackUserId: APPROVER,
        slackTeamId: TEAM,
      }),
    });
    const outcome = `Approved by <@${APPROVER}> at ${SLACK_TIME}`;
    expect(recorded.responses).toEqual([
      {
        url: RESPONSE_URL,
        message: {
          replace_original: true,
          text: outcome,
          blocks: [...BLOCKS_WITHOUT_BUTTONS, { type: 'section', text: { type: 'mrkdwn', text: outcome, verbatim: true } }],
        },
      },
    ]);
    expect(JSON.stringify(recorded.responses)).not.toContain('"actions"');
    expect(recorded.views).toHaveLength(0);
  });

  it('by someone else: tells only them who may decide, and decides nothing', async () => {
    const { deps, recorded } = fakeDependencies();

    const acknowledgement = await handleInteraction(buttonClick('approve', { by: SOMEONE_ELSE }), deps);

    expect(acknowledgement).toEqual(EMPTY);
    expect(recorded.commands).toHaveLength(0);
    expect(recorded.responses).toEqual([
      {
        url: RESPONSE_URL,
        message: { response_type: 'ephemeral', replace_original: false, text: `Only <@${APPROVER}> can decide this request.` },
      },
    ]);
  });

  it.each(['TaskTimedOut', 'TaskDoesNotExist'])(
    'on a task already closed (%s): tells only the approver "no longer open", and leaves the message and its outcome as they are',
    async (name) => {
      const { deps, recorded } = fakeDependencies(serviceError(name));

      const acknowledgement = await handleInteraction(buttonClick('approve'), deps);

      expect(acknowledgement).toEqual(EMPTY);
      expect(recorded.responses).toEqual([
        { url: RESPONSE_URL, message: { response_type: 'ephemeral', replace_original: false, text: 'This request is no longer open.' } },
      ]);
    },
  );

  it('with a damaged token (InvalidToken): tells only the approver the approval is not valid, and leaves the message', async () => {
    const { deps, recorded } = fakeDependencies(serviceError('InvalidToken'));

    await handleInteraction(buttonClick('approve'), deps);

    expect(recorded.responses).toEqual([
      { url: RESPONSE_URL, message: { response_type: 'ephemeral', replace_original: false, text: 'This approval is not valid.' } },
    ]);
  });

  it.each([
    ['ThrottlingException', 'client'],
    ['InternalServerError', 'server'],
  ] as const)('when Step Functions fails (%s): asks the approver to try again and logs the error name only', async (name, fault) => {
    const { deps, recorded } = fakeDependencies(serviceError(name, fault));

    await handleInteraction(buttonClick('approve'), deps);

    expect(recorded.responses).toEqual([
      {
        url: RESPONSE_URL,
        message: { response_type: 'ephemeral', replace_original: false, text: 'Could not record your decision; try again.' },
      },
    ]);
    const errorLine = recorded.logs.find((line) => line.level === 'error');
    expect(errorLine?.extra).toEqual([{ type: 'block_actions', action: 'approve', userId: APPROVER, outcome: 'failed', errorName: name }]);
  });

  it('with a button value this product did not write: says it is not valid and decides nothing', async () => {
    const { deps, recorded } = fakeDependencies();

    await handleInteraction(buttonClick('approve', { value: 'approve' }), deps);

    expect(recorded.commands).toHaveLength(0);
    expect(recorded.responses.map((response) => response.message.text)).toEqual(['This approval is not valid.']);
  });
});

describe('a click on Reject', () => {
  it('opens the reject modal with a required reason and the state its submission needs, and decides nothing yet', async () => {
    const { deps, recorded } = fakeDependencies();

    const acknowledgement = await handleInteraction(buttonClick('reject'), deps);

    expect(acknowledgement).toEqual(EMPTY);
    expect(recorded.commands).toHaveLength(0);
    expect(recorded.responses).toHaveLength(0);
    expect(recorded.views).toHaveLength(1);
    const { triggerId, view } = recorded.views[0] as { triggerId: string; view: SlackView };
    expect(triggerId).toBe(TRIGGER_ID);
    expect(view).toMatchObject({
      type: 'modal',
      callback_id: SLACK_REJECT_MODAL.callbackId,
      submit: { type: 'plain_text', text: 'Reject' },
      blocks: [
        {
          type: 'input',
          block_id: SLACK_REJECT_MODAL.reasonBlockId,
          element: { type: 'plain_text_input', action_id: SLACK_REJECT_MODAL.reasonActionId, max_length: 1000 },
        },
      ],
    });
    expect(view.blocks[0]).not.toHaveProperty('optional', true);
    expect(JSON.parse(view.private_metadata ?? '')).toEqual({ u: APPROVER, t: TOKEN, r: RESPONSE_URL, q: REQUEST_TEXT });
    expect((view.private_metadata ?? '').length).toBeLessThanOrEqual(MAX_SLACK_PRIVATE_METADATA_LENGTH);
  });

  it("leaves the request's text out of the modal's state when it would not fit Slack's limit", async () => {
    const longText = `Approval needed: ${'Deploy the nightly build of every service. '.repeat(50)}`;

    const metadata = JSON.parse(await openedRejectForm({ messageText: longText })) as Record<string, unknown>;

    expect(metadata).toEqual({ u: APPROVER, t: TOKEN, r: RESPONSE_URL });
  });

  it('by someone else: opens nothing and decides nothing', async () => {
    const { deps, recorded } = fakeDependencies();

    await handleInteraction(buttonClick('reject', { by: SOMEONE_ELSE }), deps);

    expect(recorded.views).toHaveLength(0);
    expect(recorded.commands).toHaveLength(0);
    expect(recorded.responses.map((response) => response.message)).toEqual([
      { response_type: 'ephemeral', replace_original: false, text: `Only <@${APPROVER}> can decide this request.` },
    ]);
  });

  it('when the modal cannot be opened: asks the approver to try again', async () => {
    const { deps, recorded } = fakeDependencies();
    const failing: InteractionDependencies = {
      ...deps,
      openView: () => Promise.reject(Object.assign(new Error('An API error occurred: expired_trigger_id'), { name: 'SlackApiError' })),
    };

    await handleInteraction(buttonClick('reject'), failing);

    expect(recorded.responses.map((response) => response.message.text)).toEqual(['Could not open the reject form; try again.']);
    expect(recorded.commands).toHaveLength(0);
  });
});

describe('submitting the reject modal', () => {
  const reason = 'Rollback plan missing for <db> & cache > 2 GB';

  it('records the rejection with the reason as the comment and replaces the message with the outcome', async () => {
    const metadata = await openedRejectForm();
    const { deps, recorded } = fakeDependencies();

    const acknowledgement = await handleInteraction(rejectSubmission(metadata, `  ${reason}\n`), deps);

    expect(acknowledgement).toEqual(EMPTY);
    expect(recorded.commands).toHaveLength(1);
    expect(recorded.commands[0]).toBeInstanceOf(SendTaskFailureCommand);
    expect(recorded.commands[0]?.input).toEqual({
      taskToken: TOKEN,
      error: 'Rejected',
      cause: JSON.stringify({
        decision: 'rejected',
        decidedAt: '2026-12-08T10:15:30.000Z',
        channel: 'slack',
        slackUserId: APPROVER,
        slackTeamId: TEAM,
        comment: reason,
      }),
    });
    const outcome = `Rejected by <@${APPROVER}> at ${SLACK_TIME}: Rollback plan missing for &lt;db&gt; &amp; cache &gt; 2 GB`;
    expect(recorded.responses).toEqual([
      {
        url: RESPONSE_URL,
        message: {
          replace_original: true,
          text: outcome,
          blocks: [
            { type: 'section', text: { type: 'mrkdwn', text: REQUEST_TEXT, verbatim: true } },
            { type: 'section', text: { type: 'mrkdwn', text: outcome, verbatim: true } },
          ],
        },
      },
    ]);
  });

  it.each([
    ['blank', '  \n\t '],
    ['missing', undefined],
  ])('with a %s reason: keeps the modal open with an error under the reason, and decides nothing', async (_label, typed) => {
    const metadata = await openedRejectForm();
    const { deps, recorded } = fakeDependencies();

    const acknowledgement = await handleInteraction(rejectSubmission(metadata, typed), deps);

    expect(acknowledgement).toEqual({ kind: 'view-errors', errors: { reason: 'Give a reason for rejecting this request.' } });
    expect(recorded.commands).toHaveLength(0);
    expect(recorded.responses).toHaveLength(0);
  });

  it('keeps at most 1,000 characters of the reason, as the email path does', async () => {
    const metadata = await openedRejectForm();
    const { deps, recorded } = fakeDependencies();

    await handleInteraction(rejectSubmission(metadata, '🚫'.repeat(1005)), deps);

    const cause = JSON.parse((recorded.commands[0] as SendTaskFailureCommand).input.cause ?? '') as { comment: string };
    expect(cause.comment).toBe('🚫'.repeat(1000));
  });

  it('by someone other than the approver: decides nothing', async () => {
    const metadata = await openedRejectForm();
    const { deps, recorded } = fakeDependencies();

    const acknowledgement = await handleInteraction(rejectSubmission(metadata, reason, SOMEONE_ELSE), deps);

    expect(acknowledgement).toEqual({ kind: 'view-errors', errors: { reason: 'Only the person this request was sent to can decide it.' } });
    expect(recorded.commands).toHaveLength(0);
  });

  it('on a task already closed (a resubmitted modal): closes the modal, tells only the approver "no longer open", and leaves the message', async () => {
    const metadata = await openedRejectForm();
    const { deps, recorded } = fakeDependencies(serviceError('TaskTimedOut'));

    const acknowledgement = await handleInteraction(rejectSubmission(metadata, reason), deps);

    expect(acknowledgement).toEqual(EMPTY);
    expect(recorded.responses.map((response) => response.message)).toEqual([
      { response_type: 'ephemeral', replace_original: false, text: 'This request is no longer open.' },
    ]);
  });

  it("escapes a reason of 1,000 '&' and cuts it after escaping, so that the outcome fits one section of 3,000 characters", async () => {
    const metadata = await openedRejectForm();
    const { deps, recorded } = fakeDependencies();

    await handleInteraction(rejectSubmission(metadata, '&'.repeat(1000)), deps);

    const cause = JSON.parse((recorded.commands[0] as SendTaskFailureCommand).input.cause ?? '') as { comment: string };
    const outcome = recorded.responses[0]?.message.text ?? '';
    const shownReason = outcome.slice(`Rejected by <@${APPROVER}> at ${SLACK_TIME}: `.length);
    expect(cause.comment).toBe('&'.repeat(1000));
    expect(outcome.length).toBeLessThanOrEqual(3000);
    expect(outcome.length).toBeGreaterThan(2990);
    expect(shownReason).toMatch(/^(&amp;)+…$/);
    expect(recorded.responses[0]?.message.blocks?.at(-1)).toEqual({
      type: 'section',
      text: { type: 'mrkdwn', text: outcome, verbatim: true },
    });
  });

  it('still decides from a modal opened before its state stopped carrying the channel and message', async () => {
    const metadata = JSON.stringify({ u: APPROVER, t: TOKEN, r: RESPONSE_URL, c: CHANNEL, s: MESSAGE_TS, q: REQUEST_TEXT });
    const { deps, recorded } = fakeDependencies();

    await handleInteraction(rejectSubmission(metadata, reason), deps);

    expect(recorded.commands[0]?.input).toMatchObject({ taskToken: TOKEN, error: 'Rejected' });
  });

  it('with a damaged token (InvalidToken): tells only the approver the approval is not valid', async () => {
    const metadata = await openedRejectForm();
    const { deps, recorded } = fakeDependencies(serviceError('InvalidToken'));

    const acknowledgement = await handleInteraction(rejectSubmission(metadata, reason), deps);

    expect(acknowledgement).toEqual(EMPTY);
    expect(recorded.responses.map((response) => response.message)).toEqual([
      { response_type: 'ephemeral', replace_original: false, text: 'This approval is not valid.' },
    ]);
  });

  it('when Step Functions fails: keeps the modal open, with the reason as typed, to try again', async () => {
    const metadata = await openedRejectForm();
    const { deps, recorded } = fakeDependencies(serviceError('ThrottlingException'));

    const acknowledgement = await handleInteraction(rejectSubmission(metadata, reason), deps);

    expect(acknowledgement).toEqual({ kind: 'view-errors', errors: { reason: 'Could not record your decision; try again.' } });
    expect(recorded.responses).toHaveLength(0);
  });

  it('with private metadata this function did not write: decides nothing', async () => {
    const { deps, recorded } = fakeDependencies();

    const acknowledgement = await handleInteraction(rejectSubmission('{"u":"U024BE7LH"}', reason), deps);

    expect(acknowledgement).toMatchObject({ kind: 'view-errors' });
    expect(recorded.commands).toHaveLength(0);
  });
});

describe('other requests', () => {
  it.each([
    [
      'a modal closed without submitting',
      formBody({ type: 'view_closed', user: { id: APPROVER }, view: { callback_id: SLACK_REJECT_MODAL.callbackId } }),
    ],
    ['a shortcut', formBody({ type: 'shortcut', callback_id: 'something', user: { id: APPROVER }, trigger_id: TRIGGER_ID })],
    [
      'a submission of another modal',
      formBody({ type: 'view_submission', user: { id: APPROVER, team_id: TEAM }, view: { callback_id: 'other_modal' } }),
    ],
    ['a body without a payload', 'command=%2Fapprove&text=all'],
    ['a payload that is not JSON', 'payload=%7Bnot-json'],
  ])('acknowledges %s and does nothing', async (_label, body) => {
    const { deps, recorded } = fakeDependencies();

    const acknowledgement = await handleInteraction(body, deps);

    expect(acknowledgement).toEqual(EMPTY);
    expect(recorded.commands).toHaveLength(0);
    expect(recorded.views).toHaveLength(0);
    expect(recorded.responses).toHaveLength(0);
  });

  it('acknowledges a click on another button of the message and does nothing', async () => {
    const { deps, recorded } = fakeDependencies();
    const body = buttonClick('approve', { actionId: 'open_details' });

    expect(await handleInteraction(body, deps)).toEqual(EMPTY);
    expect(recorded.commands).toHaveLength(0);
    expect(recorded.responses).toHaveLength(0);
  });
});

describe('the log', () => {
  it('names type, action, user and outcome, and never a token, a response_url, a reason or a payload', async () => {
    const metadata = await openedRejectForm();
    const reason = 'Rollback plan missing';
    const runs: Array<[string, Error | undefined]> = [
      [buttonClick('approve'), undefined],
      [buttonClick('approve', { by: SOMEONE_ELSE }), undefined],
      [buttonClick('reject'), undefined],
      [buttonClick('approve'), serviceError('InvalidToken')],
      [buttonClick('approve'), serviceError('ThrottlingException')],
      [rejectSubmission(metadata, reason), undefined],
      [rejectSubmission(metadata, reason), serviceError('TaskDoesNotExist')],
      [rejectSubmission(metadata, reason), serviceError('InternalServerError')],
      [rejectSubmission(metadata, ''), undefined],
    ];
    const logs: Recorded['logs'] = [];

    for (const [body, error] of runs) {
      const { deps, recorded } = fakeDependencies(error);
      await handleInteraction(body, deps);
      logs.push(...recorded.logs);
    }

    const written = JSON.stringify(logs);
    expect(logs.length).toBeGreaterThanOrEqual(runs.length);
    for (const secret of [
      TOKEN,
      TOKEN.slice(0, 40),
      encodeURIComponent(TOKEN),
      RESPONSE_URL,
      'kbQxXq6Q4h3ZtcvNFHfS1Kp3',
      TRIGGER_ID,
      reason,
    ]) {
      expect(written).not.toContain(secret);
    }
    expect(logs.filter((line) => line.level === 'info').map((line) => line.extra[0])).toContainEqual({
      type: 'block_actions',
      action: 'approve',
      userId: APPROVER,
      outcome: 'approved',
    });
  });
});
