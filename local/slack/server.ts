import { randomBytes } from 'node:crypto';
import type * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SLACK_ACTION_ID, SLACK_REJECT_MODAL } from '../../functions/commons/slack-contract';
import { BodyTooLarge, createLocalServer, type ErrorShape, readRequestBody, RequestAborted, urlHost, utf8Text } from '../http-guard';
import { DEFAULT_LOCAL_HOST } from '../ports';
import { printable } from '../printable';
import { localSlackUserId } from './ids';
import { MessageResponseError, respondAtResponseUrl } from './message-responses';
import { renderSlackPage } from './slack-page';
import {
  clickButton,
  LocalSlackActionError,
  type SentInteraction,
  submitModal,
  textInputsOf,
  type UserActionContext,
} from './user-actions';
import { callWebApi, SlackApiError, webApiArguments, type WebApiIdentity } from './web-api';
import { LocalSlackWorkspace, type SlackUser, type StoredMessage, type StoredModal, TRIGGER_LIFETIME_MS } from './workspace';

import { DEFAULT_LOCAL_SLACK_SIGNING_SECRET, LOCAL_SLACK_BOT_TOKEN, LOCAL_SLACK_SIGNING_SECRET_ENV, LOCAL_SLACK_TEAM_ID } from './defaults';

export { localSlackUserId };

export { DEFAULT_LOCAL_SLACK_SIGNING_SECRET, LOCAL_SLACK_BOT_TOKEN, LOCAL_SLACK_SIGNING_SECRET_ENV, LOCAL_SLACK_TEAM_ID } from './defaults';

export interface LocalSlackOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /** @default 127.0.0.1 */
  readonly host?: string;
  /** @default DEFAULT_LOCAL_SLACK_SIGNING_SECRET */
  readonly signingSecret?: string;
  /** The app's interactivity request URL, where clicks and submissions are sent; also settable later. */
  readonly requestUrl?: string;
  /** A line about each call and interaction: never a button's value, a message's text or a payload. */
  readonly log?: (line: string) => void;
}

export interface LocalSlack {
  /** Base URL: the page at `/`, `GET /store`, `POST /act`. */
  readonly url: string;
  /** The Web API base, as @slack/web-api's `slackApiUrl` takes it: `url + '/api/'`. */
  readonly apiUrl: string;
  readonly botToken: string;
  readonly signingSecret: string;
  setRequestUrl(url: string): void;
  close(): Promise<void>;
}

/** A request URL that is not an http(s) URL. */
export class LocalSlackConfigError extends Error {
  override readonly name = 'LocalSlackConfigError';
}

/** The largest request body read: views may be 250 kB ("view_too_large", views.open); messages are smaller. */
const MAX_BODY_BYTES = 1024 * 1024;
const API_PREFIX = '/api/';
const RESPONSE_PREFIX = '/response/';
/** How often `POST /act` looks whether the app opened a modal with the click's trigger id. */
const MODAL_POLL_MS = 25;

/** Errors of this stand-in's own routes and guards: `{"ok": false, "error": ..., "message": ...}`. */
const errorShape: ErrorShape = (_status, type, message) => ({
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: JSON.stringify({ ok: false, error: type, message }),
});

/** A request to the stand-in's own routes that it refuses, with the status and a sentence. */
class BadLocalRequest extends Error {
  override readonly name = 'BadLocalRequest';

  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function checkedRequestUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new LocalSlackConfigError(`The request URL ${url} is not a URL.`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new LocalSlackConfigError(`The request URL must be http or https, not ${parsed.protocol}.`);
  }
  return url;
}

const PLAIN_ADDRESS = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

function storedMessageJson(message: StoredMessage): Record<string, unknown> {
  return {
    channel: message.channel,
    user: message.user,
    email: message.email,
    ts: message.ts,
    text: message.text,
    blocks: message.blocks,
    replacements: message.replacements,
    ...(message.deleted === true ? { deleted: true } : {}),
  };
}

function storedModalJson(modal: StoredModal): Record<string, unknown> {
  return {
    id: modal.id,
    user: modal.user,
    email: modal.email,
    openedAt: modal.openedAt,
    state: modal.state,
    callbackId: modal.view.callback_id,
    privateMetadata: modal.view.private_metadata,
    view: modal.view,
    ...(modal.errors === undefined ? {} : { errors: modal.errors }),
  };
}

function answerJson(answer: SentInteraction): Record<string, unknown> {
  return { type: answer.type, status: answer.status, body: answer.body };
}

/** A JSON object body (`POST /act`, response URLs), or a 400. */
function jsonObject(body: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new BadLocalRequest(400, 'The body must be a JSON object.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new BadLocalRequest(400, 'The body must be a JSON object.');
  return parsed as Record<string, unknown>;
}

function wait(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Slack on loopback for the approval app: the Web API methods it calls (web-api.ts), its users'
 * clicks and modal submissions sent to the app's request URL, signed (user-actions.ts), response
 * URLs (message-responses.ts), a page to act as any member (slack-page.ts), and for tests and
 * scripts `GET /store` and `POST /act`.
 */
export async function startLocalSlack(options: LocalSlackOptions): Promise<LocalSlack> {
  const host = options.host ?? DEFAULT_LOCAL_HOST;
  const signingSecret = options.signingSecret || process.env[LOCAL_SLACK_SIGNING_SECRET_ENV] || DEFAULT_LOCAL_SLACK_SIGNING_SECRET;
  let requestUrl = options.requestUrl === undefined ? undefined : checkedRequestUrl(options.requestUrl);
  // Lines carry addresses, which requests choose: a terminal shows controls in them escaped.
  const log = (line: string): void => options.log?.(printable(line));
  const workspace = new LocalSlackWorkspace();
  // Filled in once the port is known.
  let url = '';
  const identity = (): WebApiIdentity => ({
    botToken: LOCAL_SLACK_BOT_TOKEN,
    teamId: LOCAL_SLACK_TEAM_ID,
    teamName: 'Local Approval Workspace',
    botUserId: 'U0LOCALBOT',
    botId: 'B0LOCALBOT',
    appId: 'A0LOCALAPP',
    url: `${url}/`,
  });
  const actions = (): UserActionContext => ({ workspace, identity: identity(), signingSecret, requestUrl: () => requestUrl, url, log });

  const reply = (response: http.ServerResponse, status: number, headers: http.OutgoingHttpHeaders, body: string): void => {
    if (response.destroyed || response.writableEnded) return;
    response.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
    response.end(body);
  };
  const replyJson = (response: http.ServerResponse, status: number, value: unknown): void =>
    reply(response, status, { 'content-type': 'application/json; charset=utf-8' }, JSON.stringify(value));
  const replyPage = (
    response: http.ServerResponse,
    status: number,
    user: SlackUser | undefined,
    extra: { lastStatus?: string; problem?: string } = {},
  ): void => {
    const nonce = randomBytes(16).toString('base64');
    reply(
      response,
      status,
      {
        'content-type': 'text/html; charset=utf-8',
        // Defence in depth behind the escaping: no script but the page's own, forms post only here.
        'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-${nonce}'; form-action 'self'; frame-ancestors 'none'`,
      },
      renderSlackPage({ workspace, actingAs: user, requestUrl, nonce, ...extra }),
    );
  };

  /** The member an address names, or a 400 for something that is no address. */
  const memberFor = (email: unknown): SlackUser => {
    if (typeof email !== 'string' || !PLAIN_ADDRESS.test(email.trim()))
      throw new BadLocalRequest(400, 'Name the member to act as by an email address ("as").');
    return workspace.userForEmail(email);
  };

  /** The modal the app opened with a trigger id, waiting up to the trigger's lifetime for it. */
  const modalOpenedWith = async (triggerId: string, waitForIt: boolean): Promise<StoredModal | undefined> => {
    const deadline = Date.now() + TRIGGER_LIFETIME_MS;
    for (;;) {
      const modal = workspace.modals.find((candidate) => candidate.triggerId === triggerId);
      if (modal !== undefined || !waitForIt || Date.now() > deadline) return modal;
      await wait(MODAL_POLL_MS);
    }
  };

  /** `POST /act`: a member's click as the page plays it, and the modal's submission with a reason. */
  const act = async (response: http.ServerResponse, body: Record<string, unknown>): Promise<void> => {
    const { ts, action, as, reason } = body;
    if (typeof ts !== 'string' || ts === '') throw new BadLocalRequest(400, 'Name the message by its "ts".');
    if (action !== 'approve' && action !== 'reject') throw new BadLocalRequest(400, '"action" must be "approve" or "reject".');
    if (reason !== undefined && typeof reason !== 'string') throw new BadLocalRequest(400, '"reason" must be text.');
    const user = memberFor(as);
    const message = workspace.message(ts);
    if (message === undefined) throw new BadLocalRequest(400, `No message has ts ${ts}.`);
    const click = await clickButton(actions(), user, message, SLACK_ACTION_ID[action]);
    const answers = [click.answer];
    if (click.answer.status === 0) {
      replyJson(response, 502, {
        ok: false,
        error: 'app_unreachable',
        message: `The app did not answer at its request URL ${requestUrl ?? ''}.`,
        answers: answers.map(answerJson),
      });
      return;
    }
    const modal = await modalOpenedWith(click.triggerId, reason !== undefined);
    if (modal !== undefined && reason !== undefined) {
      const inputs = textInputsOf(modal.view);
      const reasonInput =
        inputs.find(
          (input) => input.blockId === SLACK_REJECT_MODAL.reasonBlockId && input.actionId === SLACK_REJECT_MODAL.reasonActionId,
        ) ?? inputs[0];
      const values = reasonInput === undefined ? {} : { [`${reasonInput.blockId}/${reasonInput.actionId}`]: reason };
      answers.push(await submitModal(actions(), user, modal, values));
    }
    replyJson(response, 200, {
      answers: answers.map(answerJson),
      message: storedMessageJson(message),
      ...(modal === undefined ? {} : { modal: storedModalJson(modal) }),
    });
  };

  const serve = async (request: http.IncomingMessage, response: http.ServerResponse, target: URL): Promise<void> => {
    const method = request.method ?? 'GET';
    const path = target.pathname;
    const raw = await readRequestBody(request, MAX_BODY_BYTES);
    const body = utf8Text(raw);
    if (body === undefined) throw new BadLocalRequest(400, 'The request body is not valid UTF-8.');

    if (path.startsWith(API_PREFIX)) {
      const apiMethod = path.slice(API_PREFIX.length);
      try {
        const args = webApiArguments(request.headers['content-type'], body, target.searchParams);
        replyJson(response, 200, callWebApi(workspace, identity(), { log }, apiMethod, request.headers.authorization, args));
      } catch (error) {
        if (!(error instanceof SlackApiError)) throw error;
        replyJson(response, 200, { ok: false, error: error.error });
      }
      return;
    }
    if (method === 'POST' && path.startsWith(RESPONSE_PREFIX)) {
      try {
        const outcome = respondAtResponseUrl(workspace, path.slice(RESPONSE_PREFIX.length), jsonObject(body));
        log(`response_url: ${outcome}`);
        replyJson(response, 200, { ok: true });
      } catch (error) {
        if (!(error instanceof MessageResponseError)) throw error;
        log(`response_url: refused (${error.error})`);
        replyJson(response, error.status, { ok: false, error: error.error });
      }
      return;
    }
    if ((method === 'GET' || method === 'HEAD') && (path === '/' || path === '/index.html')) {
      const as = target.searchParams.get('as')?.trim() ?? '';
      const answered = target.searchParams.get('answered');
      if (as !== '' && !PLAIN_ADDRESS.test(as)) {
        replyPage(response, 400, undefined, { problem: 'Act as a member by their email address.' });
        return;
      }
      replyPage(
        response,
        200,
        as === '' ? undefined : memberFor(as),
        answered !== null && /^\d{1,3}$/.test(answered) ? { lastStatus: answered } : {},
      );
      return;
    }
    if (method === 'POST' && (path === '/page/click' || path === '/page/submit')) {
      const fields = new URLSearchParams(body);
      const user = memberFor(fields.get('as'));
      try {
        let answer: SentInteraction;
        if (path === '/page/click') {
          const message = workspace.message(fields.get('ts') ?? '');
          if (message === undefined) throw new LocalSlackActionError('That message is no longer here.');
          answer = (await clickButton(actions(), user, message, fields.get('action_id') ?? '')).answer;
        } else {
          const modal = workspace.modals.find((candidate) => candidate.id === fields.get('view_id'));
          if (modal === undefined) throw new LocalSlackActionError('That modal is no longer open.');
          const inputs = Object.fromEntries(
            [...fields].filter(([name]) => name.startsWith('input:')).map(([name, value]) => [name.slice('input:'.length), value]),
          );
          answer = await submitModal(actions(), user, modal, inputs);
        }
        reply(response, 303, { location: `/?as=${encodeURIComponent(user.email)}&answered=${answer.status}` }, '');
      } catch (error) {
        if (!(error instanceof LocalSlackActionError)) throw error;
        replyPage(response, 400, user, { problem: error.message });
      }
      return;
    }
    if ((method === 'GET' || method === 'HEAD') && path === '/store') {
      replyJson(response, 200, {
        messages: workspace.messages.map(storedMessageJson),
        ephemerals: workspace.ephemerals,
        modals: workspace.modals.map(storedModalJson),
        interactions: workspace.interactions,
      });
      return;
    }
    if (method === 'POST' && path === '/act') {
      await act(response, jsonObject(body));
      return;
    }
    throw new BadLocalRequest(404, 'This local Slack serves the Web API under /api/, the page at /, GET /store and POST /act.');
  };

  const server = createLocalServer({ host, errorShape, sameOriginOnly: true }, (request, response) => {
    let target: URL;
    try {
      target = new URL(request.url ?? '/', 'http://localhost');
    } catch {
      replyJson(response, 400, { ok: false, error: 'invalid_path', message: 'The request target is not a valid path.' });
      return;
    }
    serve(request, response, target).catch((error: unknown) => {
      if (error instanceof BadLocalRequest) replyJson(response, error.status, { ok: false, error: 'bad_request', message: error.message });
      else if (error instanceof LocalSlackActionError)
        replyJson(response, 400, { ok: false, error: 'bad_request', message: error.message });
      else if (error instanceof BodyTooLarge) replyJson(response, 413, { ok: false, error: 'request_too_large', message: error.message });
      // A client that went away mid-request gets nothing.
      else if (!(error instanceof RequestAborted)) {
        log('could not answer a request: internal error');
        replyJson(response, 500, { ok: false, error: 'internal_error', message: 'The local Slack could not answer this request.' });
      }
    });
  });

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve((server.address() as AddressInfo).port));
  });
  url = `http://${urlHost(host)}:${port}`;
  log(`listening at ${url}; request URL ${requestUrl ?? 'not set'}`);
  return {
    url,
    apiUrl: `${url}${API_PREFIX}`,
    botToken: LOCAL_SLACK_BOT_TOKEN,
    signingSecret,
    setRequestUrl: (next) => {
      requestUrl = checkedRequestUrl(next);
      log(`request URL ${next}`);
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
