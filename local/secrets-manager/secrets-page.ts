import type { StoredSecretSummary } from './server';

/** Text safe inside HTML: secret names are the caller's. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** The local Secrets Manager's page: the names of its secrets and how often each was read, never a value. */
export function secretsPage(secrets: readonly StoredSecretSummary[]): string {
  const rows = secrets.map(
    (secret) => `<li><code>${escapeHtml(secret.name)}</code>: read ${secret.reads} time${secret.reads === 1 ? '' : 's'}</li>`,
  );
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Local Secrets Manager</title></head>
<body style="font-family: system-ui, sans-serif; margin: 24px">
<h1 style="font-size: 18px">Local Secrets Manager</h1>
<p>The secrets the local stack seeded for its functions. Values are not shown. Raw data: <a href="/store">GET /store</a></p>
${rows.length === 0 ? '<p>No secret.</p>' : `<ul>\n${rows.join('\n')}\n</ul>`}
</body>
</html>
`;
}
