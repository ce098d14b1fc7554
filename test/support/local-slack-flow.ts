import { waitUntil } from './wait-until';
import { createHmac } from 'node:crypto';
import { decodeSlackButtonValue, SLACK_ACTIONS_BLOCK_ID, type SlackButtonValue } from '../../functions/commons/slack-contract';
import type { LocalStack } from '../../local/stack/local-stack';

/**
 * The local Slack stand-in as a test drives it: what its `GET /store` lists, its `POST /act`, the
 * buttons of a stored message, and requests signed as Slack signs them.
 */

/** One Block Kit block as stored: JSON as the app posted it. */
export type StoredSlackBlock = Readonly<Record<string, unknown>>;

export interface StoredSlackMessage {
  readonly channel: string;
  /** The recipient's user id. */
  readonly user: string;
  /** The recipient's address, lower case. */
  readonly email: string;
  readonly ts: string;
  readonly text: string;
  readonly blocks: readonly StoredSlackBlock[];
  /** Each version that replaced the one before, oldest first. */
  readonly replacements: ReadonlyArray<{ readonly at: string; readonly text: string; readonly blocks: readonly StoredSlackBlock[] }>;
  readonly deleted?: boolean;
}

export interface StoredSlackEphemeral {
  readonly channel: string;
  /** The only user who sees it. */
  readonly user: string;
  readonly email: string;
  readonly text: string;
}

export interface StoredSlackModal {
  readonly id: string;
  readonly email: string;
  readonly state: 'open' | 'submitted';
  readonly callbackId: string;
}

export interface LocalSlackStore {
  readonly messages: readonly StoredSlackMessage[];
  readonly ephemerals: readonly StoredSlackEphemeral[];
  readonly modals: readonly StoredSlackModal[];
  readonly interactions: ReadonlyArray<{ readonly type: string; readonly status: number }>;
}

/** The stack was served without a Slack stand-in (its template reads no Slack secret). */
export class NoLocalSlackError extends Error {
  override readonly name = 'NoLocalSlackError';
  constructor() {
    super('This local stack serves no Slack stand-in: serve an assembly whose functions read a Slack secret.');
  }
}

function slackUrlOf(stack: LocalStack): string {
  if (stack.slackUrl === undefined) throw new NoLocalSlackError();
  return stack.slackUrl;
}

export async function slackStore(stack: LocalStack): Promise<LocalSlackStore> {
  const response = await fetch(`${slackUrlOf(stack)}/store`);
  if (!response.ok) throw new Error(`GET /store of the local Slack answered ${response.status}`);
  return (await response.json()) as LocalSlackStore;
}

/** The direct messages to `email`, oldest first. */
export async function slackMessagesTo(stack: LocalStack, email: string): Promise<StoredSlackMessage[]> {
  return (await slackStore(stack)).messages.filter((message) => message.email === email.toLowerCase());
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `count` direct messages to `email` are in the store; returns them oldest first. */
export async function waitForSlackMessages(stack: LocalStack, email: string, count = 1, timeoutMs = 20_000): Promise<StoredSlackMessage[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const messages = await slackMessagesTo(stack, email);
    if (messages.length >= count) return messages;
    if (Date.now() > deadline)
      throw new Error(`Expected ${count} Slack message(s) to ${email} within ${timeoutMs} ms, got ${messages.length}`);
    await sleep(50);
  }
}

/** The message with this ts, as the store holds it now. */
export async function slackMessage(stack: LocalStack, ts: string): Promise<StoredSlackMessage> {
  const message = (await slackStore(stack)).messages.find((candidate) => candidate.ts === ts);
  if (message === undefined) throw new Error(`The local Slack holds no message with ts ${ts}`);
  return message;
}

/**
 * Waits until the message with this ts no longer offers the decision's buttons (a click, a
 * reminder or the request's end replaced it); returns it as the store holds it then.
 */
export async function waitForClosedSlackMessage(stack: LocalStack, ts: string, timeoutMs = 15_000): Promise<StoredSlackMessage> {
  return waitUntil(
    `the Slack message ${ts} to lose its buttons`,
    async () => {
      const message = await slackMessage(stack, ts);
      return hasDecisionButtons(message) ? undefined : message;
    },
    timeoutMs,
    50,
  );
}

export interface SlackAct {
  readonly ts: string;
  readonly action: 'approve' | 'reject';
  /** The member who clicks, by address. */
  readonly as: string;
  /** For a reject: the reason typed into the modal, which the stand-in then submits. */
  readonly reason?: string;
}

/** `POST /act`: a member clicks a button of a message (and submits the reject modal with a reason). */
export async function actInSlack(stack: LocalStack, act: SlackAct): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${slackUrlOf(stack)}/act`, { method: 'POST', body: JSON.stringify(act) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export interface StoredSlackButton {
  readonly actionId: string;
  readonly label: string;
  readonly blockId: string;
  /** The value as stored: a bearer credential, for building requests, never for a message. */
  readonly rawValue: string;
  readonly value: SlackButtonValue | undefined;
}

/** The buttons of a message's actions blocks, their values decoded as the Slack actions function decodes them. */
export function slackButtons(blocks: readonly StoredSlackBlock[]): StoredSlackButton[] {
  return blocks
    .filter((block) => block.type === 'actions')
    .flatMap((block) =>
      (block.elements as ReadonlyArray<Record<string, unknown>>).map((element) => ({
        actionId: String(element.action_id),
        label: String((element.text as { text?: unknown } | undefined)?.text),
        blockId: typeof block.block_id === 'string' ? block.block_id : '',
        rawValue: String(element.value),
        value: decodeSlackButtonValue(element.value),
      })),
    );
}

/** Whether the message still offers the decision's buttons. */
export function hasDecisionButtons(message: StoredSlackMessage): boolean {
  return message.blocks.some((block) => block.type === 'actions' || block.block_id === SLACK_ACTIONS_BLOCK_ID);
}

/**
 * The headers of a request signed as Slack signs it: `v0=` and the hex HMAC-SHA256 of
 * `v0:<timestamp>:<body>` with the signing secret ("Verifying requests from Slack",
 * https://docs.slack.dev/authentication/verifying-requests-from-slack).
 */
export function slackSignedHeaders(signingSecret: string, timestampSeconds: number, body: string): Record<string, string> {
  const timestamp = String(timestampSeconds);
  const signature = createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex');
  return {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': timestamp,
    'x-slack-signature': `v0=${signature}`,
  };
}
