import type { ItemJson } from './attribute-values';
import type { LocalTableKeySchema } from './table';

/** What the page and `GET /store` show of a table. */
export interface StoredTable {
  readonly name: string;
  readonly keys: LocalTableKeySchema;
  /** In key order. */
  readonly items: readonly ItemJson[];
}

/** Text safe inside HTML: table names and every item value are the caller's. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function keyLine(keys: LocalTableKeySchema): string {
  const partition = `partition key <code>${escapeHtml(keys.partitionKey)}</code> (${keys.partitionKeyType ?? 'S'})`;
  if (keys.sortKey === undefined) return partition;
  return `${partition}, sort key <code>${escapeHtml(keys.sortKey)}</code> (${keys.sortKeyType ?? 'S'})`;
}

function tableSection(table: StoredTable): string {
  const items = table.items.map(
    (item) => `<li><pre style="margin: 4px 0; white-space: pre-wrap">${escapeHtml(JSON.stringify(item))}</pre></li>`,
  );
  return `<h2 style="font-size: 16px">${escapeHtml(table.name)}</h2>
<p>${keyLine(table.keys)}; ${table.items.length} item${table.items.length === 1 ? '' : 's'}</p>
${items.length === 0 ? '<p>No item.</p>' : `<ol>\n${items.join('\n')}\n</ol>`}`;
}

/** The local DynamoDB's page: each table and its items, in DynamoDB's attribute-value JSON. */
export function tablesPage(tables: readonly StoredTable[]): string {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Local DynamoDB</title></head>
<body style="font-family: system-ui, sans-serif; margin: 24px">
<h1 style="font-size: 18px">Local DynamoDB</h1>
<p>The tables of the local stack and their items, in key order. Raw data: <a href="/store">GET /store</a></p>
${tables.length === 0 ? '<p>No table.</p>' : tables.map(tableSection).join('\n')}
</body>
</html>
`;
}
