/**
 * A JSON text's value, or undefined when there is no text or it is not JSON: for text from outside
 * (a task's input, a button's value, a stored item, an event), where bad JSON is one more way of
 * being unusable rather than an error. The parser's message is never kept: it can quote the text.
 */
export function parseJsonText(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
