import { type AppAnswer, SLACK_ACKNOWLEDGE_MS, sendToApp } from './app-requests';
import { messageView, modalView, type WebApiIdentity } from './web-api';
import type { InteractionType, JsonObject, LocalSlackWorkspace, SlackUser, StoredMessage, StoredModal } from './workspace';

/**
 * What a member does in the local Slack, the page and `POST /act` alike: click a button of a
 * message, submit a modal. Each sends the app the interaction payload Slack would send.
 */

/** A click or submission that cannot be played, with a sentence saying why (never a button's value). */
export class LocalSlackActionError extends Error {
  override readonly name = 'LocalSlackActionError';
}

export interface UserActionContext {
  readonly workspace: LocalSlackWorkspace;
  readonly identity: WebApiIdentity;
  readonly signingSecret: string;
  readonly requestUrl: () => string | undefined;
  /** The stand-in's base URL, under which response URLs live (`<url>/response/<key>`). */
  readonly url: string;
  readonly log: (line: string) => void;
}

export interface SentInteraction extends AppAnswer {
  readonly type: InteractionType;
}

function record(context: UserActionContext, type: InteractionType, answer: AppAnswer, by: SlackUser): SentInteraction {
  context.workspace.record(type, answer.status);
  const slow = answer.ms > SLACK_ACKNOWLEDGE_MS ? ` after ${answer.ms} ms (Slack shows the user an error past 3 s)` : '';
  context.log(
    answer.status === 0
      ? `${type} by ${by.email}: the app did not answer at its request URL`
      : `${type} by ${by.email}: the app answered ${answer.status}${slow}`,
  );
  return { type, ...answer };
}

function objectOf(value: unknown): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

export interface FoundButton {
  readonly blockId: string;
  readonly element: JsonObject;
}

/** The button with this action id in a message: in an actions block, or a section's accessory. */
export function findButton(blocks: readonly JsonObject[], actionId: string): FoundButton | undefined {
  for (const block of blocks) {
    const elements =
      block.type === 'actions' && Array.isArray(block.elements) ? block.elements : block.type === 'section' ? [block.accessory] : [];
    for (const element of elements) {
      const button = objectOf(element);
      if (button?.type === 'button' && button.action_id === actionId) {
        return { blockId: typeof block.block_id === 'string' ? block.block_id : '', element: button };
      }
    }
  }
  return undefined;
}

/** `1700000000.123456`: the moment of an action, as Slack writes `action_ts`. */
function actionTs(): string {
  const now = Date.now();
  return `${Math.floor(now / 1000)}.${String((now % 1000) * 1000 + Math.floor(Math.random() * 1000)).padStart(6, '0')}`;
}

function requestUrlOrThrow(context: UserActionContext): string {
  const requestUrl = context.requestUrl();
  if (requestUrl === undefined) {
    throw new LocalSlackActionError(
      "No request URL is set for the app's interactivity: start the local Slack with requestUrl, or call setRequestUrl.",
    );
  }
  return requestUrl;
}

function userField(context: UserActionContext, user: SlackUser): Record<string, unknown> {
  return { id: user.id, username: user.name, name: user.name, team_id: context.identity.teamId };
}

function teamField(context: UserActionContext): Record<string, unknown> {
  return { id: context.identity.teamId, domain: 'local-approval' };
}

export interface ClickResult {
  readonly answer: SentInteraction;
  /** The trigger id sent with the click: the app may open a modal with it. */
  readonly triggerId: string;
}

/**
 * Plays a click on a button of a message: the `block_actions` payload as
 * https://api.slack.com/reference/interaction-payloads/block-actions lists its fields (type, user,
 * team, api_app_id, container, trigger_id, channel, message, response_url, actions), sent to the
 * request URL.
 */
export async function clickButton(
  context: UserActionContext,
  user: SlackUser,
  message: StoredMessage,
  actionId: string,
): Promise<ClickResult> {
  const requestUrl = requestUrlOrThrow(context);
  if (message.deleted === true) throw new LocalSlackActionError(`Message ${message.ts} was deleted; it has no buttons to click.`);
  // Someone else than the recipient may click too: a message can reach others (shared or forwarded,
  // or seen by a workspace admin), and the app must then refuse to decide. The click goes to the app
  // as that user's, exactly as Slack would send it.
  if (message.user !== user.id) context.log(`${user.email} clicks a direct message to ${message.email} (${message.ts})`);
  const button = findButton(message.blocks, actionId);
  if (button === undefined) throw new LocalSlackActionError(`Message ${message.ts} has no button with action id ${actionId}.`);
  const { workspace, identity } = context;
  const triggerId = workspace.issueTrigger(user);
  const responseKey = workspace.issueResponseUrl(user, message.channel, message.ts);
  const label = objectOf(button.element.text);
  const payload = {
    type: 'block_actions',
    user: userField(context, user),
    api_app_id: identity.appId,
    token: 'local-verification-token',
    container: { type: 'message', message_ts: message.ts, channel_id: message.channel, is_ephemeral: false },
    trigger_id: triggerId,
    team: teamField(context),
    enterprise: null,
    is_enterprise_install: false,
    // Slack names a direct message channel `directmessage` in these payloads.
    channel: { id: message.channel, name: 'directmessage' },
    message: messageView(identity, message),
    state: { values: {} },
    response_url: `${context.url}/response/${responseKey}`,
    actions: [
      {
        action_id: actionId,
        block_id: button.blockId,
        text: label ?? { type: 'plain_text', text: '' },
        value: button.element.value,
        ...(typeof button.element.style === 'string' ? { style: button.element.style } : {}),
        type: 'button',
        action_ts: actionTs(),
      },
    ],
  };
  context.log(`block_actions: ${user.email} clicks ${actionId} on message ${message.ts}`);
  const answer = await sendToApp(requestUrl, context.signingSecret, payload);
  return { answer: record(context, 'block_actions', answer, user), triggerId };
}

/** The input blocks of a view whose element is a `plain_text_input`: what the page shows and a submission fills. */
export function textInputsOf(
  view: JsonObject,
): ReadonlyArray<{ blockId: string; actionId: string; block: JsonObject; element: JsonObject }> {
  const blocks = Array.isArray(view.blocks) ? view.blocks : [];
  return blocks.flatMap((value) => {
    const block = objectOf(value);
    const element = objectOf(block?.element);
    if (block?.type !== 'input' || element?.type !== 'plain_text_input') return [];
    const blockId = typeof block.block_id === 'string' ? block.block_id : '';
    const actionId = typeof element.action_id === 'string' ? element.action_id : '';
    return [{ blockId, actionId, block, element }];
  });
}

/**
 * Plays a modal's Submit: the `view_submission` payload
 * (https://api.slack.com/reference/interaction-payloads/views), whose `view.state.values` holds,
 * by block id then action id, `{type: 'plain_text_input', value}` for each input. The app closes the
 * modal by answering 200 with an empty body, or keeps it open with `response_action: errors`
 * ("Modals", handling submissions, https://api.slack.com/surfaces/modals#interactions).
 */
export async function submitModal(
  context: UserActionContext,
  user: SlackUser,
  modal: StoredModal,
  inputs: Readonly<Record<string, string>>,
): Promise<SentInteraction> {
  const requestUrl = requestUrlOrThrow(context);
  if (modal.user !== user.id) throw new LocalSlackActionError(`Modal ${modal.id} is open for ${modal.email}, not for ${user.email}.`);
  if (modal.state !== 'open') throw new LocalSlackActionError(`Modal ${modal.id} was submitted already.`);
  const values: Record<string, Record<string, unknown>> = {};
  for (const input of textInputsOf(modal.view)) {
    const value = inputs[`${input.blockId}/${input.actionId}`];
    values[input.blockId] = { [input.actionId]: { type: 'plain_text_input', value: value === undefined || value === '' ? null : value } };
  }
  const payload = {
    type: 'view_submission',
    team: teamField(context),
    user: userField(context, user),
    api_app_id: context.identity.appId,
    token: 'local-verification-token',
    trigger_id: context.workspace.issueTrigger(user),
    view: modalView(context.identity, modal.id, modal.view, values),
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
  context.log(`view_submission: ${user.email} submits modal ${modal.id}`);
  const answer = record(context, 'view_submission', await sendToApp(requestUrl, context.signingSecret, payload), user);
  const errors = answer.status === 200 ? responseErrors(answer.body) : undefined;
  if (errors !== undefined) modal.errors = errors;
  else if (answer.status === 200) modal.state = 'submitted';
  return answer;
}

/** The `errors` of a `response_action: errors` answer, or undefined for any other answer. */
function responseErrors(body: string): Readonly<Record<string, string>> | undefined {
  if (body.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const answer = objectOf(parsed);
  const errors = objectOf(answer?.errors);
  if (answer?.response_action !== 'errors' || errors === undefined) return undefined;
  return Object.fromEntries(Object.entries(errors).map(([blockId, message]) => [blockId, String(message)]));
}
