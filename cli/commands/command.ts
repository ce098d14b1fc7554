import type { DoctorClientFactories } from '../doctor/clients';
import type { CliOutput } from '../output';
import type { ByteSource } from '../request-file';
import type { TargetDependencies } from '../targets';
import type { WaitDependencies } from '../wait-for-outcome';

export interface CommandDependencies extends TargetDependencies, DoctorClientFactories {
  readonly output: CliOutput;
  /** The clock, Ctrl-C and the terminal, for `wait` and `start --wait`. */
  readonly waiting: WaitDependencies;
  /** What `start --request -` reads. */
  readonly stdin: ByteSource;
}

/**
 * A subcommand: it prints its result and throws UsageError / CliError on failure. It returns an
 * exit code only when success is not simply 0 (`wait`: 3 rejected, 4 expired, ...).
 */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  run(args: readonly string[], deps: CommandDependencies): Promise<number | void>;
}
