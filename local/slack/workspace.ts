import { randomBytes } from 'node:crypto';
import { directMessageChannelOf, localSlackUserId, MessageClock, newTriggerId, normalizedEmail, randomSlackId } from './ids';

/**
 * What the local Slack workspace holds: its users, the app's direct messages to them (with every
 * replacement), ephemeral messages, the modals the app opened, the trigger ids and response URLs
 * it handed out with interactions, and what the app answered to each interaction.
 */

/** A JSON object as the app sent it (blocks, views): kept as given, read through the helpers below. */
export type JsonObject = Readonly<Record<string, unknown>>;

export interface SlackUser {
  readonly id: string;
  readonly email: string;
  /** The handle, e.g. `jane.doe`. */
  readonly name: string;
  /** e.g. `Jane Doe`. */
  readonly realName: string;
}

export interface MessageVersion {
  /** ISO 8601. */
  readonly at: string;
  readonly text: string;
  readonly blocks: readonly JsonObject[];
}

export interface StoredMessage {
  readonly channel: string;
  /** The recipient: the user whose direct message channel this is. */
  readonly user: string;
  readonly email: string;
  readonly ts: string;
  text: string;
  blocks: readonly JsonObject[];
  /** Each version that replaced the one before (chat.update, `replace_original`), oldest first. */
  readonly replacements: MessageVersion[];
  deleted?: boolean;
}

export interface StoredEphemeral {
  readonly channel: string;
  /** The only user who sees it. */
  readonly user: string;
  readonly email: string;
  readonly ts: string;
  readonly at: string;
  readonly text: string;
  readonly blocks: readonly JsonObject[];
}

export interface StoredModal {
  readonly id: string;
  readonly user: string;
  readonly email: string;
  readonly triggerId: string;
  readonly openedAt: string;
  readonly view: JsonObject;
  state: 'open' | 'submitted';
  /** The errors the app answered a submission with (`response_action: errors`), by block id. */
  errors?: Readonly<Record<string, string>>;
}

export type InteractionType = 'block_actions' | 'view_submission';

export interface InteractionRecord {
  readonly type: InteractionType;
  /** The HTTP status the app answered with; 0 when it could not be reached or did not answer. */
  readonly status: number;
  readonly at: string;
}

/**
 * "trigger_ids expire in three seconds", "may only be used once"
 * (https://api.slack.com/docs/triggers, "Things to know about triggers").
 */
export const TRIGGER_LIFETIME_MS = 3_000;

/**
 * "You can use response_url to publish up to 5 times within 30 minutes"
 * (https://docs.slack.dev/interactivity/handling-user-interaction/, "Message responses";
 * https://api.slack.com/interactivity/handling#message_responses).
 */
export const RESPONSE_URL_USES = 5;
export const RESPONSE_URL_LIFETIME_MS = 30 * 60_000;

/** The errors views.open names for a trigger id (https://docs.slack.dev/reference/methods/views.open, Errors). */
export type TriggerError = 'invalid_trigger_id' | 'expired_trigger_id' | 'exchanged_trigger_id';

interface Trigger {
  readonly user: SlackUser;
  readonly issuedAt: number;
  exchanged: boolean;
}

interface ResponseUrl {
  readonly user: SlackUser;
  readonly channel: string;
  /** The message the interaction came from, if it came from one. */
  readonly messageTs: string | undefined;
  readonly issuedAt: number;
  uses: number;
}

/**
 * Slack's reference names no error for a used-up or expired response_url; these are this
 * stand-in's names for the two cases, answered with HTTP 404.
 */
export type ResponseUrlError = 'expired_url' | 'used_url';

/** `jane.doe@example.com` → `Jane Doe`. */
function realNameOf(handle: string): string {
  const words = handle.split(/[._+-]+/).filter((word) => word !== '');
  return words.map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join(' ') || handle;
}

export class LocalSlackWorkspace {
  private readonly users = new Map<string, SlackUser>();
  readonly messages: StoredMessage[] = [];
  readonly ephemerals: StoredEphemeral[] = [];
  readonly modals: StoredModal[] = [];
  readonly interactions: InteractionRecord[] = [];
  private readonly triggers = new Map<string, Trigger>();
  private readonly responseUrls = new Map<string, ResponseUrl>();
  private readonly clock = new MessageClock();

  constructor(private readonly now: () => number = Date.now) {}

  /** The workspace's member with this address, remembered from now on (the page lists them). */
  userForEmail(email: string): SlackUser {
    const address = normalizedEmail(email);
    const id = localSlackUserId(address);
    const known = this.users.get(id);
    if (known !== undefined) return known;
    const handle = address.split('@')[0] ?? address;
    const user: SlackUser = { id, email: address, name: handle, realName: realNameOf(handle) };
    this.users.set(id, user);
    return user;
  }

  userById(id: string): SlackUser | undefined {
    return this.users.get(id);
  }

  knownUsers(): readonly SlackUser[] {
    return [...this.users.values()];
  }

  /** The user whose direct message channel this is, for a user id or a `D…` channel id. */
  recipientOf(channel: string): SlackUser | undefined {
    if (channel.startsWith('U')) return this.users.get(channel);
    if (channel.startsWith('D')) return this.users.get(`U${channel.slice(1)}`);
    return undefined;
  }

  post(user: SlackUser, text: string, blocks: readonly JsonObject[]): StoredMessage {
    const message: StoredMessage = {
      channel: directMessageChannelOf(user.id),
      user: user.id,
      email: user.email,
      ts: this.clock.next(this.now()),
      text,
      blocks,
      replacements: [],
    };
    this.messages.push(message);
    return message;
  }

  message(ts: string, channel?: string): StoredMessage | undefined {
    return this.messages.find((message) => message.ts === ts && (channel === undefined || message.channel === channel));
  }

  replace(message: StoredMessage, text: string, blocks: readonly JsonObject[]): void {
    message.text = text;
    message.blocks = blocks;
    message.replacements.push({ at: new Date(this.now()).toISOString(), text, blocks });
  }

  postEphemeral(user: SlackUser, channel: string, text: string, blocks: readonly JsonObject[]): StoredEphemeral {
    const ephemeral: StoredEphemeral = {
      channel,
      user: user.id,
      email: user.email,
      ts: this.clock.next(this.now()),
      at: new Date(this.now()).toISOString(),
      text,
      blocks,
    };
    this.ephemerals.push(ephemeral);
    return ephemeral;
  }

  issueTrigger(user: SlackUser): string {
    const id = newTriggerId(this.now());
    this.triggers.set(id, { user, issuedAt: this.now(), exchanged: false });
    return id;
  }

  /** Spends a trigger id on a view, or names what is wrong with it. */
  exchangeTrigger(id: string): SlackUser | TriggerError {
    const trigger = this.triggers.get(id);
    if (trigger === undefined) return 'invalid_trigger_id';
    if (trigger.exchanged) return 'exchanged_trigger_id';
    if (this.now() - trigger.issuedAt > TRIGGER_LIFETIME_MS) return 'expired_trigger_id';
    trigger.exchanged = true;
    return trigger.user;
  }

  openModal(user: SlackUser, triggerId: string, view: JsonObject): StoredModal {
    const modal: StoredModal = {
      id: randomSlackId('V'),
      user: user.id,
      email: user.email,
      triggerId,
      openedAt: new Date(this.now()).toISOString(),
      view,
      state: 'open',
    };
    this.modals.push(modal);
    return modal;
  }

  /** The secret part of a response URL; the server puts it under `/response/`. */
  issueResponseUrl(user: SlackUser, channel: string, messageTs: string | undefined): string {
    const key = randomBytes(24).toString('hex');
    this.responseUrls.set(key, { user, channel, messageTs, issuedAt: this.now(), uses: 0 });
    return key;
  }

  /** Counts one use of a response URL, or names why it cannot be used. */
  useResponseUrl(key: string): ResponseUrl | ResponseUrlError {
    const responseUrl = this.responseUrls.get(key);
    if (responseUrl === undefined || this.now() - responseUrl.issuedAt > RESPONSE_URL_LIFETIME_MS) return 'expired_url';
    if (responseUrl.uses >= RESPONSE_URL_USES) return 'used_url';
    responseUrl.uses += 1;
    return responseUrl;
  }

  record(type: InteractionType, status: number): void {
    this.interactions.push({ type, status, at: new Date(this.now()).toISOString() });
  }
}
