import type { DoctorClientFactories } from '../doctor/clients';
import type { CliOutput } from '../output';
import type { TargetDependencies } from '../targets';

export interface CommandDependencies extends TargetDependencies, DoctorClientFactories {
  readonly output: CliOutput;
}

/** A subcommand: it prints its result and throws UsageError / CliError on failure. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  run(args: readonly string[], deps: CommandDependencies): Promise<void>;
}
