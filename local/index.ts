/**
 * The local emulator's public entry: what the `approval` CLI, the benchmark and the tests use. It
 * serves a synthesized cloud assembly (a `cdk.out` folder) and needs nothing else of the project.
 */
import type * as LocalStackModule from './stack/local-stack';
import type { LocalStack, LocalStackOptions } from './stack/local-stack';

export type { LocalComponent, LocalLatency, LocalStack, LocalStackOptions } from './stack/local-stack';

/**
 * Brings up the whole flow of the assembly's stack on this machine; see local/stack/local-stack.ts.
 * The servers are loaded on the first call, so that a process that needs only the ports and
 * errors below (every other command of the CLI) starts without them.
 */
export function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded when first used, see above
  const { startLocalStack: start } = require('./stack/local-stack') as typeof LocalStackModule;
  return start(options);
}

export { LocalStackError } from './stack/errors';
export {
  type CloudFormationTemplate,
  onlyResourceOfType,
  readSynthesizedStack,
  type SynthesizedStack,
  UnsupportedIntrinsicError,
} from './stack/synthesized-stack';
export { scheduleRateMs } from './stack/worker-from-template';
export { LOCAL_ACCOUNT, LOCAL_CREDENTIALS, LOCAL_REGION } from './stack/local-account';
export {
  DEFAULT_LOCAL_HOST,
  DEFAULT_LOCAL_PORTS,
  LOCAL_HOST_ENV,
  LOCAL_PORT_ENV,
  LOCAL_PORT_PURPOSE,
  type LocalService,
  localHost,
  localPort,
  LocalPortError,
} from './ports';
export { onStopRequest, type StopOnRequestOptions, type StopRequest, stopProcessOnRequest, stoppedExitCode } from './stop-requests';
export { fetchStoredEmails, type StoredEmail } from './ses/stored-emails';
