import { textInputsOf } from './user-actions';
import type { JsonObject, LocalSlackWorkspace, SlackUser, StoredEphemeral, StoredMessage, StoredModal } from './workspace';

/**
 * The local Slack's page: pick whom to act as, then see that member's direct messages from the app
 * (latest version of each), the ephemeral messages only they see and the modals the app opened for
 * them, and click and submit as they would. Every value from the app is written as escaped text:
 * messages carry whatever the approval request said. Button values (task tokens) never reach the
 * page: a click names the message and the action id, and the server looks the button up.
 */

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function objectOf(value: unknown): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

function arrayOf(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The name a mention `<@U…>` shows: the member's address here, where members are known by it. */
type MentionName = (userId: string) => string | undefined;

/** Who reads the page, and how mentions of members read for them. */
interface Reader {
  readonly user: SlackUser;
  readonly nameOf: MentionName;
}

/**
 * A text object's text as a reader sees it: mrkdwn links `<https://…|label>` show their label,
 * dates `<!date^…|fallback>` their fallback, mentions `<@U…>` the member's address (their id when
 * unknown), `<#C…|name>` `#name` and `<!here>` `@here`; the app escapes `&`, `<` and `>` in the rest
 * (Formatting text, https://docs.slack.dev/messaging/formatting-message-text). Anything else
 * between angle brackets stays as it is, to be escaped.
 */
function plainText(value: unknown, nameOf: MentionName): string {
  const textObject = objectOf(value);
  const text = typeof textObject?.text === 'string' ? textObject.text : typeof value === 'string' ? value : '';
  if (textObject?.type !== 'mrkdwn') return text;
  return text
    .replace(/<((?:https?|mailto):[^|<>\s]+)\|([^<>]+)>/g, '$2')
    .replace(/<((?:https?|mailto):[^|<>\s]+)>/g, '$1')
    .replace(/<!date\^[^|<>]*\|([^<>]*)>/g, '$1')
    .replace(/<@([\w-]+)(?:\|([^<>]+))?>/g, (_match, id: string, label: string | undefined) => `@${label ?? nameOf(id) ?? id}`)
    .replace(/<#([\w-]+)(?:\|([^<>]+))?>/g, (_match, id: string, label: string | undefined) => `#${label ?? id}`)
    .replace(/<!subteam\^([\w-]+)(?:\|([^<>]+))?>/g, (_match, id: string, label: string | undefined) => label ?? `@${id}`)
    .replace(/<!(here|channel|everyone)(?:\|[^<>]*)?>/g, '@$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** A field the app set to text, as text; anything else as nothing. */
function textOf(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** A text object as HTML: escaped text, and mrkdwn's `*bold*` in bold. */
function textHtml(value: unknown, nameOf: MentionName, className = 'text'): string {
  const escaped = escapeHtml(plainText(value, nameOf));
  const html = objectOf(value)?.type === 'mrkdwn' ? escaped.replace(/\*([^*\n]+)\*/g, '<strong>$1</strong>') : escaped;
  return `<div class="${className}">${html}</div>`;
}

function hidden(name: string, value: string): string {
  return `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`;
}

function buttonHtml(element: JsonObject, reader: Reader, message: StoredMessage | undefined): string {
  const style = element.style === 'primary' || element.style === 'danger' ? ` ${element.style}` : '';
  const label = escapeHtml(plainText(element.text, reader.nameOf) || 'Button');
  const actionId = typeof element.action_id === 'string' ? element.action_id : '';
  if (message === undefined || actionId === '') return `<button class="button${style}" disabled>${label}</button>`;
  return `<form method="post" action="/page/click" class="inline">${hidden('as', reader.user.email)}${hidden('ts', message.ts)}${hidden('action_id', actionId)}<button class="button${style}">${label}</button></form>`;
}

/** One block, readable: section text and fields, headers, context lines, dividers, buttons. */
function blockHtml(block: JsonObject, reader: Reader, message: StoredMessage | undefined): string {
  switch (block.type) {
    case 'header':
      return `<h3>${escapeHtml(plainText(block.text, reader.nameOf))}</h3>`;
    case 'divider':
      return '<hr>';
    case 'section': {
      const fields = arrayOf(block.fields)
        .map((field) => textHtml(field, reader.nameOf, 'field'))
        .join('');
      const accessory = objectOf(block.accessory);
      return `<div class="section">${block.text === undefined ? '' : textHtml(block.text, reader.nameOf)}${fields === '' ? '' : `<div class="fields">${fields}</div>`}${
        accessory?.type === 'button' ? buttonHtml(accessory, reader, message) : ''
      }</div>`;
    }
    case 'context':
      return `<div class="context">${arrayOf(block.elements)
        .map((element) => {
          const item = objectOf(element);
          return escapeHtml(item?.type === 'image' ? textOf(item.alt_text) : plainText(item, reader.nameOf));
        })
        .join(' · ')}</div>`;
    case 'actions':
      return `<div class="actions">${arrayOf(block.elements)
        .map((element) => {
          const item = objectOf(element);
          return item?.type === 'button'
            ? buttonHtml(item, reader, message)
            : `<span class="unsupported">(${escapeHtml(textOf(item?.type) || 'element')})</span>`;
        })
        .join('')}</div>`;
    case 'image':
      return `<div class="context">[image: ${escapeHtml(textOf(block.alt_text))}]</div>`;
    case 'input':
      return `<div class="context">${escapeHtml(plainText(block.label, reader.nameOf))}</div>`;
    default:
      return `<div class="unsupported">(${escapeHtml(textOf(block.type) || 'unknown')} block)</div>`;
  }
}

/**
 * A message without blocks shows its text, which Slack formats as mrkdwn by default
 * ("Formatting message text", https://docs.slack.dev/messaging/formatting-message-text/).
 */
function contentHtml(text: string, blocks: readonly JsonObject[], reader: Reader, message: StoredMessage | undefined): string {
  if (blocks.length === 0) return textHtml({ type: 'mrkdwn', text }, reader.nameOf);
  return blocks.map((block) => blockHtml(block, reader, message)).join('');
}

function messageHtml(message: StoredMessage, reader: Reader): string {
  const edited = message.replacements.length > 0 ? ` · edited ${message.replacements.length}×` : '';
  const body =
    message.deleted === true
      ? '<div class="context">This message was deleted.</div>'
      : contentHtml(message.text, message.blocks, reader, message);
  const to = message.user === reader.user.id ? '' : ` · to ${escapeHtml(message.email)}`;
  return `<article class="message" data-ts="${escapeHtml(message.ts)}"><div class="meta">Approval app${to} · ${escapeHtml(message.ts)}${edited}</div>${body}</article>`;
}

function ephemeralHtml(ephemeral: StoredEphemeral, reader: Reader): string {
  return `<article class="message ephemeral"><div class="meta">Only visible to you · ${escapeHtml(ephemeral.ts)}</div>${contentHtml(
    ephemeral.text,
    ephemeral.blocks,
    reader,
    undefined,
  )}</article>`;
}

function modalHtml(modal: StoredModal, reader: Reader): string {
  const view = modal.view;
  const inputs = textInputsOf(view);
  const inputHtml = inputs
    .map(({ blockId, actionId, block, element }) => {
      const name = escapeHtml(`input:${blockId}/${actionId}`);
      const error = modal.errors?.[blockId];
      const field = element.multiline === true ? `<textarea name="${name}" rows="3"></textarea>` : `<input type="text" name="${name}">`;
      const hint = block.hint === undefined ? '' : `<div class="context">${escapeHtml(plainText(block.hint, reader.nameOf))}</div>`;
      return `<label>${escapeHtml(plainText(block.label, reader.nameOf))}${field}</label>${hint}${error === undefined ? '' : `<div class="error">${escapeHtml(error)}</div>`}`;
    })
    .join('');
  const others = arrayOf(view.blocks)
    .map(objectOf)
    .filter((block): block is JsonObject => block !== undefined && block.type !== 'input')
    .map((block) => blockHtml(block, reader, undefined))
    .join('');
  const submit = escapeHtml(plainText(view.submit, reader.nameOf) || 'Submit');
  return `<section class="modal" data-view-id="${escapeHtml(modal.id)}"><h2>${escapeHtml(plainText(view.title, reader.nameOf) || 'Modal')}</h2>${others}<form method="post" action="/page/submit">${hidden(
    'as',
    reader.user.email,
  )}${hidden('view_id', modal.id)}${inputHtml}<button class="button primary">${submit}</button></form></section>`;
}

export interface SlackPageState {
  readonly workspace: LocalSlackWorkspace;
  readonly actingAs: SlackUser | undefined;
  readonly requestUrl: string | undefined;
  /** The HTTP status the app answered the last click or submission with, to show once. */
  readonly lastStatus?: string;
  /** A sentence about the last click that could not be played. */
  readonly problem?: string;
  /** A nonce for the page's one script (Content-Security-Policy). */
  readonly nonce: string;
}

const STYLE = `
  body { font-family: system-ui, -apple-system, Segoe UI, Roboto, sans-serif; margin: 0; background: #f8f8f8; color: #1d1c1d; }
  header { background: #3f0e40; color: white; padding: 12px 24px; }
  header h1 { font-size: 18px; margin: 0 0 8px; }
  header a { color: #e8d5e8; margin-right: 8px; font-size: 13px; }
  header form { display: inline; }
  main { max-width: 860px; margin: 0 auto; padding: 16px; }
  .notice { background: #fff4d6; padding: 8px 12px; border-radius: 6px; margin-bottom: 12px; font-size: 14px; }
  .message, .modal { background: white; border-radius: 8px; box-shadow: 0 1px 3px rgba(0,0,0,.15); padding: 12px 16px; margin-bottom: 12px; }
  .ephemeral { border-left: 4px solid #1264a3; }
  .modal { border: 2px solid #3f0e40; }
  .meta { font-size: 12px; color: #616061; margin-bottom: 6px; }
  .text, .field { white-space: pre-wrap; word-break: break-word; margin: 4px 0; }
  .fields { display: grid; grid-template-columns: 1fr 1fr; gap: 4px 16px; }
  .context { font-size: 12px; color: #616061; margin: 4px 0; white-space: pre-wrap; }
  .actions { margin-top: 8px; }
  .inline { display: inline; }
  .button { border: 1px solid #bbb; background: white; border-radius: 4px; padding: 6px 14px; margin-right: 8px; font-weight: 600; cursor: pointer; }
  .button.primary { background: #007a5a; color: white; border-color: #007a5a; }
  .button.danger { background: #e01e5a; color: white; border-color: #e01e5a; }
  .unsupported { font-size: 12px; color: #999; }
  .error { color: #e01e5a; font-size: 13px; }
  label { display: block; margin: 8px 0; font-weight: 600; }
  textarea, input[type=text] { display: block; width: 100%; box-sizing: border-box; margin-top: 4px; font: inherit; font-weight: 400; }
  .empty { color: #616061; text-align: center; padding: 24px; }
`;

/**
 * Reloads every two seconds, so that new messages and modals appear, unless the user is typing
 * into a field or has just clicked or submitted: a reload then would cancel that form's post.
 */
const SCRIPT = `
  let submitting = false;
  document.addEventListener('submit', () => { submitting = true; });
  setInterval(() => {
    const typing = [...document.querySelectorAll('textarea, main input[type=text]')].some((field) => field.value !== '') ||
      ['TEXTAREA', 'INPUT'].includes(document.activeElement && document.activeElement.tagName);
    if (!typing && !submitting) location.reload();
  }, 2000);
`;

export function renderSlackPage(state: SlackPageState): string {
  const { workspace, actingAs: user } = state;
  const users = workspace
    .knownUsers()
    .map((known) => `<a href="/?as=${encodeURIComponent(known.email)}">${escapeHtml(known.email)}</a>`)
    .join('');
  const switcher = `<form method="get" action="/"><label style="display:inline;font-weight:400">Acting as <input type="email" name="as" value="${escapeHtml(
    user?.email ?? '',
  )}" placeholder="you@example.com" required></label> <button>Switch</button></form>`;
  const notices = [
    state.requestUrl === undefined ? "No request URL is set for the app's interactivity: clicks cannot reach the app yet." : undefined,
    state.problem,
    state.lastStatus === undefined
      ? undefined
      : state.lastStatus === '0'
        ? 'The app did not answer at its request URL.'
        : `The app answered ${state.lastStatus}.`,
  ]
    .filter((notice): notice is string => notice !== undefined)
    .map((notice) => `<div class="notice">${escapeHtml(notice)}</div>`)
    .join('');
  let content: string;
  if (user === undefined) {
    content = '<p class="empty">Choose whom to act as: the address the approval request named.</p>';
  } else {
    const reader: Reader = { user, nameOf: (userId) => workspace.userById(userId)?.email };
    const modals = workspace.modals
      .filter((modal) => modal.user === user.id && modal.state === 'open')
      .map((modal) => modalHtml(modal, reader));
    // Newest first; ephemeral and ordinary messages take their ts from one clock (same length: text order is time order).
    const conversation = [
      ...workspace.messages
        .filter((message) => message.user === user.id)
        .map((message) => ({ ts: message.ts, html: messageHtml(message, reader) })),
      ...workspace.ephemerals
        .filter((ephemeral) => ephemeral.user === user.id)
        .map((ephemeral) => ({ ts: ephemeral.ts, html: ephemeralHtml(ephemeral, reader) })),
    ].sort((a, b) => (a.ts < b.ts ? 1 : -1));
    const items = [...modals, ...conversation.map((item) => item.html)];
    const others = workspace.messages
      .filter((message) => message.user !== user.id)
      .sort((a, b) => (a.ts < b.ts ? 1 : -1))
      .map((message) => messageHtml(message, reader));
    content =
      (items.length > 0 ? items.join('') : `<p class="empty">No direct message to ${escapeHtml(user.email)} yet.</p>`) +
      (others.length === 0
        ? ''
        : `<h2>Direct messages to others</h2><p class="empty">In Slack you would see these only if they reached you (shared, forwarded, or as an admin). A click here is sent to the app as ${escapeHtml(
            user.email,
          )}'s.</p>${others.join('')}`);
  }
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>Local Slack: human approval</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>Local Slack</h1>
  ${switcher}
  <div>${users}</div>
</header>
<main>
${notices}
${content}
<p class="empty"><a href="/store">GET /store</a></p>
</main>
<script nonce="${escapeHtml(state.nonce)}">${SCRIPT}</script>
</body>
</html>
`;
}
