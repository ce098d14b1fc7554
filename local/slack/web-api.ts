import { timingSafeEqual } from 'node:crypto';
import { directMessageChannelOf } from './ids';
import type { JsonObject, LocalSlackWorkspace, SlackUser, StoredMessage } from './workspace';

/**
 * The Web API methods the approval app calls, answered as Slack answers them: HTTP 200 with
 * `{"ok": true, ...}`, or `{"ok": false, "error": "<name>"}` under the names each method's reference
 * gives ("Evaluating responses", https://api.slack.com/web#responses; @slack/web-api treats any
 * other status but 429 as a transport failure).
 */

/** Addresses of this domain belong to no member of the workspace: the "no Slack account" case. */
export const NO_SLACK_DOMAIN = 'no-slack.example.com';

export interface WebApiIdentity {
  readonly botToken: string;
  readonly teamId: string;
  readonly teamName: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly appId: string;
  /** The workspace URL auth.test reports: this stand-in's own. */
  readonly url: string;
}

export type WebApiAnswer = { readonly ok: true } & Readonly<Record<string, unknown>>;

/** A method's answer `{"ok": false, "error": name}`. */
export class SlackApiError extends Error {
  override readonly name = 'SlackApiError';

  constructor(readonly error: string) {
    super(error);
  }
}

/** A method's arguments: form fields or JSON properties, with JSON-encoded ones (blocks, view) still text. */
export type WebApiArguments = Readonly<Record<string, unknown>>;

/**
 * The arguments of a request, from its query and body: `application/x-www-form-urlencoded` (what
 * @slack/web-api sends) or `application/json` ("Using the Slack Web API: Basics", POST bodies,
 * https://api.slack.com/web#posting_json).
 */
export function webApiArguments(contentType: string | undefined, body: string, query: URLSearchParams): WebApiArguments {
  const args: Record<string, unknown> = Object.fromEntries(query);
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (body === '') return args;
  if (type === 'application/x-www-form-urlencoded') return { ...args, ...Object.fromEntries(new URLSearchParams(body)) };
  if (type === 'application/json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new SlackApiError('invalid_json');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new SlackApiError('invalid_json');
    return { ...args, ...(parsed as Record<string, unknown>) };
  }
  // The common errors every method may answer (e.g. https://docs.slack.dev/reference/methods/views.open, Errors).
  throw new SlackApiError('invalid_post_type');
}

function sameToken(presented: string, expected: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * "Tokens should be passed as an HTTP Authorization header or alternatively, as a POST parameter";
 * none is `not_authed`, a wrong one `invalid_auth` (https://api.slack.com/methods/auth.test).
 */
function checkToken(identity: WebApiIdentity, authorization: string | undefined, args: WebApiArguments): void {
  const bearer = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  const token = bearer ?? (typeof args.token === 'string' && args.token !== '' ? args.token : undefined);
  if (token === undefined) throw new SlackApiError('not_authed');
  if (!sameToken(token, identity.botToken)) throw new SlackApiError('invalid_auth');
}

function text(args: WebApiArguments, name: string): string | undefined {
  const value = args[name];
  return typeof value === 'string' ? value : undefined;
}

/** An argument that is JSON, sent as JSON-encoded text in a form or as JSON in a JSON body. */
function jsonArgument(args: WebApiArguments, name: string, error: string): unknown {
  const value = args[name];
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw new SlackApiError(error);
  }
}

/** `blocks`: "A JSON-based array of structured blocks" (https://api.slack.com/methods/chat.postMessage). */
function blocksArgument(args: WebApiArguments): readonly JsonObject[] {
  const blocks = jsonArgument(args, 'blocks', 'invalid_blocks_format');
  if (blocks === undefined) return [];
  if (!Array.isArray(blocks) || blocks.some((block) => typeof block !== 'object' || block === null || Array.isArray(block))) {
    throw new SlackApiError('invalid_blocks_format');
  }
  return blocks as JsonObject[];
}

/** A message's content: `text`, `blocks`, or both; neither is `no_text` (chat.postMessage, Errors). */
function messageContent(args: WebApiArguments): { text: string; blocks: readonly JsonObject[] } {
  const blocks = blocksArgument(args);
  const messageText = text(args, 'text') ?? '';
  if (messageText === '' && blocks.length === 0) throw new SlackApiError('no_text');
  return { text: messageText, blocks };
}

const PLAIN_ADDRESS = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** A stored message as Slack shows it: in API answers, and in the payload of a click on it. */
export function messageView(identity: WebApiIdentity, message: StoredMessage): Record<string, unknown> {
  return {
    type: 'message',
    user: identity.botUserId,
    bot_id: identity.botId,
    app_id: identity.appId,
    team: identity.teamId,
    text: message.text,
    blocks: message.blocks,
    ts: message.ts,
  };
}

/** Slack's user object, with the fields users.lookupByEmail's reference shows. */
export function userObject(identity: WebApiIdentity, user: SlackUser): Record<string, unknown> {
  return {
    id: user.id,
    team_id: identity.teamId,
    name: user.name,
    deleted: false,
    real_name: user.realName,
    is_bot: false,
    profile: { real_name: user.realName, display_name: user.name, email: user.email, team: identity.teamId },
  };
}

export interface WebApiEvents {
  /** A log line; never with message text, blocks or button values. */
  readonly log: (line: string) => void;
}

/** Answers one Web API call; throws SlackApiError for an `ok: false` answer. */
export function callWebApi(
  workspace: LocalSlackWorkspace,
  identity: WebApiIdentity,
  events: WebApiEvents,
  method: string,
  authorization: string | undefined,
  args: WebApiArguments,
): WebApiAnswer {
  const handler = METHODS[method];
  // Slack's answer to a method it does not have.
  if (handler === undefined) throw new SlackApiError('unknown_method');
  checkToken(identity, authorization, args);
  return handler(workspace, identity, events, args);
}

type MethodHandler = (
  workspace: LocalSlackWorkspace,
  identity: WebApiIdentity,
  events: WebApiEvents,
  args: WebApiArguments,
) => WebApiAnswer;

const METHODS: Readonly<Record<string, MethodHandler>> = {
  /** https://api.slack.com/methods/auth.test: "Success response when using a bot user token". */
  'auth.test': (_workspace, identity) => ({
    ok: true,
    url: identity.url,
    team: identity.teamName,
    user: 'approval-bot',
    team_id: identity.teamId,
    user_id: identity.botUserId,
    bot_id: identity.botId,
    is_enterprise_install: false,
  }),

  /**
   * https://api.slack.com/methods/users.lookupByEmail: "Returns a user object"; an address of no
   * member answers `users_not_found`.
   */
  'users.lookupByEmail': (workspace, identity, events, args) => {
    const email = text(args, 'email')?.trim() ?? '';
    if (!PLAIN_ADDRESS.test(email) || email.toLowerCase().endsWith(`@${NO_SLACK_DOMAIN}`)) {
      events.log('users.lookupByEmail: no member with that address (users_not_found)');
      throw new SlackApiError('users_not_found');
    }
    const user = workspace.userForEmail(email);
    events.log(`users.lookupByEmail: ${user.email} is ${user.id}`);
    return { ok: true, user: userObject(identity, user) };
  },

  /**
   * https://api.slack.com/methods/chat.postMessage: `channel` may be a user id, which posts to the
   * app's direct message channel with that user (the reference's notes on `channel`: a user id
   * posts to the app's DM with them); the answer carries `channel`, `ts` and `message`; an unknown channel is `channel_not_found`.
   */
  'chat.postMessage': (workspace, identity, events, args) => {
    const channel = text(args, 'channel') ?? '';
    const recipient = workspace.recipientOf(channel);
    if (recipient === undefined) throw new SlackApiError('channel_not_found');
    const { text: messageText, blocks } = messageContent(args);
    const message = workspace.post(recipient, messageText, blocks);
    events.log(`chat.postMessage: message ${message.ts} to ${recipient.email} (${message.channel})`);
    return { ok: true, channel: message.channel, ts: message.ts, message: messageView(identity, message) };
  },

  /**
   * https://api.slack.com/methods/chat.update: the message named by `channel` and `ts`;
   * `message_not_found` when there is none there. Unlike chat.postMessage, `channel` must be the
   * conversation's id: "For direct messages, ensure that this value is a DM ID (starts with D)
   * instead of a User ID (starts with either U or W)" (the method's arguments), so a user id finds
   * no channel here.
   */
  'chat.update': (workspace, identity, events, args) => {
    const channel = text(args, 'channel') ?? '';
    const recipient = channel.startsWith('D') ? workspace.recipientOf(channel) : undefined;
    if (recipient === undefined) throw new SlackApiError('channel_not_found');
    const message = workspace.message(text(args, 'ts') ?? '', directMessageChannelOf(recipient.id));
    if (message === undefined || message.deleted === true) throw new SlackApiError('message_not_found');
    const { text: messageText, blocks } = messageContent(args);
    workspace.replace(message, messageText, blocks);
    events.log(`chat.update: message ${message.ts} to ${message.email} replaced`);
    return { ok: true, channel: message.channel, ts: message.ts, text: message.text, message: messageView(identity, message) };
  },

  /**
   * https://docs.slack.dev/reference/methods/views.open: opens `view` for the user whose
   * interaction issued `trigger_id`; answers the opened view with its `id`.
   */
  'views.open': (workspace, identity, events, args) => {
    const view = jsonArgument(args, 'view', 'invalid_arguments');
    if (typeof view !== 'object' || view === null || Array.isArray(view)) throw new SlackApiError('invalid_arguments');
    const triggerId = text(args, 'trigger_id') ?? '';
    const exchanged = workspace.exchangeTrigger(triggerId);
    if (typeof exchanged === 'string') {
      events.log(`views.open: ${exchanged}`);
      throw new SlackApiError(exchanged);
    }
    const modal = workspace.openModal(exchanged, triggerId, view as JsonObject);
    events.log(`views.open: modal ${modal.id} opened for ${exchanged.email}`);
    return { ok: true, view: modalView(identity, modal.id, modal.view) };
  },
};

/** A view as Slack answers and sends it: the app's view with the fields Slack adds. */
export function modalView(identity: WebApiIdentity, id: string, view: JsonObject, values: JsonObject = {}): Record<string, unknown> {
  return {
    id,
    team_id: identity.teamId,
    type: 'modal',
    private_metadata: '',
    callback_id: '',
    external_id: '',
    hash: `${Math.floor(Date.now() / 1000)}.${id.toLowerCase()}`,
    clear_on_close: false,
    notify_on_close: false,
    ...view,
    state: { values },
    root_view_id: id,
    previous_view_id: null,
    app_id: identity.appId,
    bot_id: identity.botId,
  };
}
