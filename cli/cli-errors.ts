/** Bad arguments or input: the `approval` CLI and `npm start` exit with 2 and the message says what to change. */
export class UsageError extends Error {
  override readonly name = 'UsageError';

  /** `command` names the command whose `--help` the message points to. */
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
  }
}

/** A failure at run time (stack not running or not found, an AWS error): the CLI exits with 1. */
export class CliError extends Error {
  override readonly name = 'CliError';
}
