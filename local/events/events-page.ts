import type { StoredEvent } from './server';

/** Text safe inside HTML: every field of an event is the sender's. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/**
 * Long base64 runs, the shape of a Step Functions task token (several hundred characters): a token
 * is a bearer credential, and a child execution's input, for one, can carry it.
 */
const TOKEN_LIKE = /[A-Za-z0-9+/]{200,}={0,2}/g;
const hideTokens = (text: string): string => text.replace(TOKEN_LIKE, '[hidden: looks like a task token]');

const shown = (text: string): string => escapeHtml(hideTokens(text));

const RESULT_COLOURS: Readonly<Record<StoredEvent['matched'][number]['result'], string>> = {
  pending: '#8a6d00',
  delivered: '#1a7f37',
  failed: '#cf222e',
};

function eventItem(stored: StoredEvent): string {
  const { event } = stored;
  const deliveries =
    stored.matched.length === 0
      ? '<p style="margin: 4px 0">No rule matched.</p>'
      : `<ul style="margin: 4px 0">\n${stored.matched
          .map(
            (delivery) =>
              `<li>rule <code>${shown(delivery.rule)}</code> → target <code>${shown(delivery.target)}</code>: ` +
              `<strong style="color: ${RESULT_COLOURS[delivery.result]}">${delivery.result}</strong>` +
              `${delivery.error === undefined ? '' : ` (${shown(delivery.error)})`}</li>`,
          )
          .join('\n')}\n</ul>`;
  const resources =
    event.resources.length === 0 ? '' : `<br>resources: ${event.resources.map((arn) => `<code>${shown(arn)}</code>`).join(', ')}`;
  return `<li style="margin-bottom: 16px">
<strong>${shown(event.source)}</strong>: ${shown(event['detail-type'])} <small>on bus <code>${shown(stored.eventBusName)}</code> at ${shown(event.time)}, id <code>${shown(event.id)}</code></small>${resources}
${deliveries}
<pre style="background: #f6f8fa; padding: 8px; overflow-x: auto; white-space: pre-wrap">${shown(JSON.stringify(event.detail, null, 2) ?? 'null')}</pre>
</li>`;
}

/** The local EventBridge's page: every event it received, newest first, with what each delivery did. */
export function eventsPage(events: readonly StoredEvent[]): string {
  const items = [...events].reverse().map(eventItem);
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Local EventBridge</title></head>
<body style="font-family: system-ui, sans-serif; margin: 24px">
<h1 style="font-size: 18px">Local EventBridge</h1>
<p>The events the local stack's buses received, newest first, and the rules and targets each one reached. Raw data: <a href="/store">GET /store</a></p>
${items.length === 0 ? '<p>No event yet.</p>' : `<ul style="list-style: none; padding: 0">\n${items.join('\n')}\n</ul>`}
</body>
</html>
`;
}
