import type { SFNClient } from '@aws-sdk/client-sfn';
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../local/index';
import { testAssembly } from './assemblies';
import { sfnClientFor } from './local-flow';

export interface UseLocalStackOptions {
  /** CDK context on top of cdk.json, e.g. `{ linkMode: 'confirm' }`: the assembly served is synthesized with it (once per run). */
  readonly context?: Readonly<Record<string, unknown>>;
  /** How long GetActivityTask holds a poll. @default 60000, as the service does */
  readonly activityPollHoldMs?: number;
  /** Also receives every log line, e.g. to collect the lines of several stacks in one place. */
  readonly log?: LocalStackOptions['log'];
  /** Runs after the tests and before the stack closes, e.g. to read what the stack stored. */
  readonly beforeClose?: (stack: LocalStack) => Promise<void> | void;
}

/** The stack of a test file (or of a describe block), valid inside its tests and hooks. */
export interface LocalStackUnderTest {
  readonly stack: LocalStack;
  /** A Step Functions client for the stack's endpoint. */
  readonly sfn: SFNClient;
  /** Every line the stack logged so far, as `[component] line`. */
  readonly logs: readonly string[];
}

function whileRunning<T>(value: T | undefined, field: string): T {
  if (value === undefined) {
    throw new Error(
      `The local stack's ${field} exists between beforeAll and afterAll only: read it inside a test or a hook, not while describe() collects the tests.`,
    );
  }
  return value;
}

/**
 * Starts a local stack on free ports before the tests of the enclosing describe block (or file) and
 * closes it after them. Call it at describe level; read the fields inside tests:
 *
 * ```ts
 * const local = useLocalStack({ context: { linkMode: 'confirm' } });
 * it('...', async () => { await startApproval(local.sfn, local.stack, input); });
 * ```
 */
export function useLocalStack(options: UseLocalStackOptions = {}): LocalStackUnderTest {
  let stack: LocalStack | undefined;
  let sfn: SFNClient | undefined;
  const logs: string[] = [];

  beforeAll(async () => {
    stack = await startLocalStack({
      assemblyDir: testAssembly(options.context),
      ports: { api: 0, ses: 0, stepFunctions: 0 },
      activityPollHoldMs: options.activityPollHoldMs,
      log: (component, line) => {
        logs.push(`[${component}] ${line}`);
        options.log?.(component, line);
      },
    });
    sfn = sfnClientFor(stack);
  });

  afterAll(async () => {
    sfn?.destroy();
    if (!stack) return;
    try {
      await options.beforeClose?.(stack);
    } finally {
      await stack.close();
    }
  });

  return {
    get stack() {
      return whileRunning(stack, 'stack');
    },
    get sfn() {
      return whileRunning(sfn, 'sfn');
    },
    logs,
  };
}
