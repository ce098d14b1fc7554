/**
 * Decodes a raw query string (with or without the leading `?`) the way API Gateway REST APIs do
 * before mapping: percent-decoding as UTF-8, and `+` as a space.
 *
 * A repeated key keeps its last value, which is what `$input.params('name')` gives in REST APIs.
 * A malformed escape (`%zz`, a lone `%`, bytes that are not UTF-8) is kept as raw text instead of
 * failing the whole request.
 */
export function parseQueryString(rawQuery: string): Record<string, string> {
  const query = rawQuery.startsWith('?') ? rawQuery.slice(1) : rawQuery;
  const entries = new Map<string, string>();
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const separator = pair.indexOf('=');
    const name = decodeQueryComponent(separator === -1 ? pair : pair.slice(0, separator));
    const value = separator === -1 ? '' : decodeQueryComponent(pair.slice(separator + 1));
    entries.set(name, value);
  }
  // fromEntries defines properties, so a `__proto__` parameter stays an ordinary key.
  return Object.fromEntries(entries);
}

function decodeQueryComponent(text: string): string {
  const spaced = text.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    // Decode each run of well-formed escapes on its own, keeping the runs that are not UTF-8.
    return spaced.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
  }
}
