/** The local stack cannot start as asked; the message says what to change. */
export class LocalStackError extends Error {
  override readonly name = 'LocalStackError';
}
