import type { JsonObject, LocalSlackWorkspace, ResponseUrlError } from './workspace';

/**
 * What a POST to a response URL does ("Handling user interaction", message responses,
 * https://api.slack.com/interactivity/handling#message_responses): its JSON body is a message;
 * `replace_original: true` replaces the message the interaction came from, `delete_original: true`
 * deletes it, and otherwise it is a new message, visible to the user alone unless `response_type`
 * is `in_channel`. Each URL serves 5 uses within 30 minutes (workspace.ts).
 */

export type MessageResponseOutcome = 'replaced' | 'deleted' | 'ephemeral' | 'posted';

/** A response the URL refuses: the status and the error name of its answer. */
export class MessageResponseError extends Error {
  override readonly name = 'MessageResponseError';

  constructor(
    readonly status: number,
    readonly error: string,
  ) {
    super(error);
  }
}

function blocksOf(body: JsonObject): readonly JsonObject[] {
  const blocks = body.blocks;
  if (blocks === undefined) return [];
  if (!Array.isArray(blocks) || blocks.some((block) => typeof block !== 'object' || block === null || Array.isArray(block))) {
    throw new MessageResponseError(400, 'invalid_blocks');
  }
  return blocks as JsonObject[];
}

export function respondAtResponseUrl(workspace: LocalSlackWorkspace, key: string, body: JsonObject): MessageResponseOutcome {
  const used = workspace.useResponseUrl(key);
  if (typeof used === 'string') throw new MessageResponseError(404, used satisfies ResponseUrlError);
  const original = used.messageTs === undefined ? undefined : workspace.message(used.messageTs, used.channel);

  if (body.delete_original === true) {
    if (original === undefined || original.deleted === true) throw new MessageResponseError(404, 'message_not_found');
    original.deleted = true;
    return 'deleted';
  }
  const text = typeof body.text === 'string' ? body.text : '';
  const blocks = blocksOf(body);
  if (text === '' && blocks.length === 0) throw new MessageResponseError(400, 'no_text');
  if (body.replace_original === true) {
    if (original === undefined || original.deleted === true) throw new MessageResponseError(404, 'message_not_found');
    workspace.replace(original, text, blocks);
    return 'replaced';
  }
  if (body.response_type === 'in_channel') {
    workspace.post(used.user, text, blocks);
    return 'posted';
  }
  workspace.postEphemeral(used.user, used.channel, text, blocks);
  return 'ephemeral';
}
