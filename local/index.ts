/**
 * The local emulator's public entry: what the `approval` CLI, the benchmark and the tests use. It
 * serves a synthesized cloud assembly (a `cdk.out` folder) and needs nothing else of the project.
 */
import type * as LocalEventsModule from './events/server';
import type { LocalEvents, LocalEventsOptions } from './events/server';
import type * as LocalDynamoDbModule from './dynamodb/server';
import type { LocalDynamoDb, LocalDynamoDbOptions } from './dynamodb/server';
import type * as LocalStackModule from './stack/local-stack';
import type { LocalStack, LocalStackOptions } from './stack/local-stack';

export type {
  LocalComponent,
  LocalLatency,
  LocalSlackLike,
  LocalSlackStartOptions,
  LocalStack,
  LocalStackOptions,
  StartLocalSlack,
} from './stack/local-stack';

/**
 * The servers, loaded when first needed, so that a process that needs only the ports and errors
 * below (every other command of the CLI) starts without them.
 */
function localStackModule(): typeof LocalStackModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded when first used, see above
  return require('./stack/local-stack') as typeof LocalStackModule;
}

/**
 * Loads the servers now rather than at the first startLocalStack. A command that will start a
 * stack calls it first: run from the TypeScript sources, a module loaded after Ctrl-C reached the
 * process group would find the group's TypeScript compiler (an esbuild process) gone.
 */
export function loadLocalStack(): void {
  localStackModule();
}

/** Brings up the whole flow of the assembly's stack on this machine; see local/stack/local-stack.ts. */
export function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  return localStackModule().startLocalStack(options);
}

/**
 * Starts the local EventBridge (PutEvents, rules and their targets, the events page); see
 * local/events/server.ts. Its server is loaded on the first call, like the stack's.
 */
export function startLocalEvents(options: LocalEventsOptions): Promise<LocalEvents> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded when first used, see localStackModule
  return (require('./events/server') as typeof LocalEventsModule).startLocalEvents(options);
}
export type { LocalEvent, LocalEvents, LocalEventsOptions, LocalRule, LocalRuleTarget, StoredEvent } from './events/server';
export { compileEventPattern, InvalidEventPatternError } from './events/event-pattern';
export { executionStatusChangeEvent } from './events/step-functions-events';

/** DynamoDB on loopback, with tables the caller creates; see local/dynamodb/server.ts. Loaded when first used, like the stack. */
export function startLocalDynamoDb(options: LocalDynamoDbOptions): Promise<LocalDynamoDb> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded when first used, see localStackModule
  return (require('./dynamodb/server') as typeof LocalDynamoDbModule).startLocalDynamoDb(options);
}

export type {
  AttributeValueJson,
  KeyAttributeType,
  LocalDynamoDb,
  LocalDynamoDbOptions,
  LocalTableKeySchema,
  StoredTable,
} from './dynamodb/server';
export { LocalTableError } from './dynamodb/errors';
export { LocalStackError } from './stack/errors';
export {
  DEFAULT_LOCAL_SLACK_SIGNING_SECRET,
  LOCAL_SLACK_BOT_TOKEN,
  LOCAL_SLACK_SIGNING_SECRET_ENV,
  LOCAL_SLACK_TEAM_ID,
} from './slack/defaults';
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
export { printable } from './printable';
