import { expect } from '@jest/globals';
import '../../local/step-functions/polyfills';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { ExecutionError, StateMachine, type RunOptions, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { ApprovalError } from '../../functions/commons/approval-errors';
import { checkRequest } from '../../functions/approval-worker/check-request';
import { validateApprovalTask } from '../../functions/commons/approval-request';
import { type ApprovalConfig, executionTimeoutSeconds, readApprovalConfig } from '../../infra/approval-config';
import { approvalDefinitionSubstitutions } from '../../infra/constructs/approval-workflow';
import {
  APPROVAL_ASL_FILE,
  type AslDefinition,
  type AslState,
  loadApprovalDefinition,
  renderDefinition,
  templatePlaceholders,
} from '../../statemachine/render-definition';

// asl-validator ships no type declarations: describe the little this file uses.
interface AslValidationResult {
  readonly isValid: boolean;
  readonly errorsText: (separator?: string) => string;
}
type AslValidator = (definition: unknown, options?: { checkArn?: boolean; checkPaths?: boolean }) => AslValidationResult;
const aslValidator = createRequire(__filename)('asl-validator') as AslValidator;

type LocalHandler = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>[string];
type JsonValue = Parameters<LocalHandler>[0];
type Execution = ReturnType<StateMachine['run']>;
type EventLog = Execution['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

const ACTIVITY_ARN = 'arn:aws:states:us-east-1:123456789012:activity:approval';
const WORKER_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:approval-worker';
const EXECUTION_NAME = 'exec-1';

/** Short timings so reminders and expiry run in seconds. */
const FAST: Partial<ApprovalConfig> = { reminderIntervalSeconds: 1, reminderCount: 2, deliveryRetryAttempts: 2 };

function configWith(overrides: Partial<ApprovalConfig> = {}): ApprovalConfig {
  return { ...readApprovalConfig(() => undefined), ...overrides };
}

function definitionFor(overrides: Partial<ApprovalConfig> = {}): AslDefinition {
  return loadApprovalDefinition(approvalDefinitionSubstitutions(configWith(overrides), ACTIVITY_ARN, WORKER_ARN));
}

/** What the worker receives from GetActivityTask: the ManualApproval state's Parameters. */
interface TaskInput {
  readonly request: Record<string, unknown>;
  readonly approver: string;
  readonly attempt: number;
  readonly reminderCount: number;
  readonly reminderIntervalSeconds: number;
  readonly executionName: string;
}

/** Plays the activity worker and the manager: returns the decision record, or throws the error SendTaskFailure would carry. */
type Worker = (task: TaskInput, call: number) => JsonValue | Promise<JsonValue>;

type Outcome =
  | { readonly status: 'SUCCEEDED'; readonly output: JsonValue }
  | { readonly status: 'FAILED'; readonly error: string; readonly cause: unknown };

interface Run {
  readonly outcome: Outcome;
  /** Every task input the worker received, in order. */
  readonly tasks: readonly TaskInput[];
  /** Every Lambda invoke the WakeWorker state made, in order. */
  readonly wakes: readonly JsonValue[];
  /** Every request the CheckRequest state handed the worker function. */
  readonly checks: readonly JsonValue[];
  /** Every SendTaskSuccess / SendTaskFailure a TellParent... state made to a waiting parent, with its state's name. */
  readonly answers: readonly { readonly state: string; readonly parameters: Record<string, JsonValue> }[];
  readonly events: readonly EventLog[];
  readonly elapsedMs: number;
}

/**
 * A task failure as aws-local-stepfunctions maps it: the thrown error's `name` becomes Error and
 * its `message` becomes Cause (like SendTaskFailure's `error` and `cause`).
 */
function taskFailure(error: string, cause: string): Error {
  const failure = new Error(cause);
  failure.name = error;
  return failure;
}

/** A manager who never clicks: the task stays open until its TimeoutSeconds. Holds no timer. */
function noAnswer(): Promise<never> {
  return new Promise<never>(() => undefined);
}

const REQUEST = {
  managerEmailAddress: 'manager@example.com',
  employeeName: 'Jane Doe',
  costCentre: 'CC-42',
  details: { amount: 1200, currency: 'EUR' },
};

const DECISION = { decision: 'approved', decidedAt: '2026-01-02T03:04:05.000Z', decidedBy: 'manager@example.com' };

/** Executions started and not yet settled, aborted after each test so nothing keeps running. */
const unsettled = new Set<Execution>();

afterEach(() => {
  for (const execution of unsettled) execution.abort();
  unsettled.clear();
});

/**
 * The executions' clocks (task timeouts, waits, retries) run on jest's fake timers, which
 * runApproval moves on while an execution runs: a reminder interval of one second costs no second
 * of real time, and the elapsed time a test reads is the time the state machine waited.
 */
beforeEach(() => {
  jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] });
});

afterEach(() => {
  jest.useRealTimers();
});

/** Moves the fake clock on, a timer at a time, until the promise settles. */
async function settleOnFakeClock<T>(promise: Promise<T>): Promise<T> {
  let settled = false;
  const markSettled = (): void => {
    settled = true;
  };
  promise.then(markSettled, markSettled);
  // Let the work between timers (promise chains, handlers) run before each step of the clock.
  const yieldToWork = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  while (!settled) {
    await yieldToWork();
    if (!settled) await jest.advanceTimersToNextTimerAsync();
  }
  return promise;
}

/** Plays Lambda for the WakeWorker state: records the wake-up, or fails it. */
type Wake = (payload: JsonValue, call: number) => JsonValue;
const acceptWake: Wake = () => ({ StatusCode: 202, Payload: '' });

/**
 * Plays Lambda for the CheckRequest state: answers as the integration does (undefined: the worker
 * function's real check), or throws the error Step Functions would report.
 */
type Check = (call: number) => JsonValue | undefined;

async function runApproval(
  worker: Worker,
  options: {
    input?: JsonValue;
    config?: Partial<ApprovalConfig>;
    wake?: Wake;
    check?: Check;
    /** Plays Step Functions for the answers to a waiting parent: the API's empty response, or throws its refusal. */
    answer?: (call: number) => JsonValue;
  } = {},
): Promise<Run> {
  const input = options.input === undefined ? REQUEST : options.input;
  const definition = definitionFor({ ...FAST, ...options.config });
  // A JSON copy, not structuredClone: under jest that makes objects of another realm, whose nested
  // "x.$" fields aws-local-stepfunctions does not resolve (it checks for this realm's Object.prototype).
  const stateMachine = new StateMachine(JSON.parse(JSON.stringify(definition)) as StateMachineDefinition);
  const tasks: TaskInput[] = [];
  const wakes: JsonValue[] = [];
  const wake = options.wake ?? acceptWake;
  const wakeHandler: LocalHandler = (invokeInput) => {
    wakes.push(structuredClone(invokeInput));
    return wake(invokeInput, wakes.length);
  };
  const checks: JsonValue[] = [];
  // The worker function's real checkRequest action, as the lambda:invoke integration returns it.
  const checkHandler: LocalHandler = (invokeInput) => {
    checks.push(structuredClone(invokeInput));
    const answer = options.check?.(checks.length);
    if (answer !== undefined) return answer;
    const { Payload } = invokeInput as { Payload: { action: string; request: unknown } };
    return { StatusCode: 200, Payload: checkRequest(Payload.request) as unknown as JsonValue };
  };
  const answers: { state: string; parameters: Record<string, JsonValue> }[] = [];
  const tellStates = Object.keys(definition.States).filter((name) => name.startsWith('TellParent'));
  const answerHandlers = Object.fromEntries(
    tellStates.map((state): [string, LocalHandler] => [
      state,
      (parameters) => {
        answers.push({ state, parameters: structuredClone(parameters) as Record<string, JsonValue> });
        return options.answer?.(answers.length) ?? {};
      },
    ]),
  );
  const handler: LocalHandler = (taskInput) => {
    const task = structuredClone(taskInput) as unknown as TaskInput;
    tasks.push(task);
    return worker(task, tasks.length);
  };

  const started = performance.now();
  const execution = stateMachine.run(input, {
    overrides: {
      taskResourceLocalHandlers: { CheckRequest: checkHandler, ManualApproval: handler, WakeWorker: wakeHandler, ...answerHandlers },
      waitTimeOverrides: { WaitBeforeRedelivery: 0 },
      // The retries' timing is checked against the definition below, not waited for.
      retryIntervalOverrides: { CheckRequest: 0, ...Object.fromEntries(tellStates.map((state) => [state, 0])) },
    },
    context: {
      Execution: {
        Name: EXECUTION_NAME,
        Id: `arn:aws:states:us-east-1:123456789012:execution:approval:${EXECUTION_NAME}`,
        StartTime: new Date().toISOString(),
        Input: input,
      },
    },
  });
  unsettled.add(execution);
  let output: JsonValue | undefined;
  let thrown: unknown;
  try {
    output = await settleOnFakeClock(execution.result);
  } catch (error) {
    thrown = error;
  } finally {
    unsettled.delete(execution);
  }
  const elapsedMs = performance.now() - started;

  // The execution has ended, so the log is closed and this drains what was queued.
  const events: EventLog[] = [];
  for await (const event of execution.eventLogs) events.push(event);

  if (thrown === undefined)
    return { outcome: { status: 'SUCCEEDED', output: output ?? null }, tasks, wakes, checks, answers, events, elapsedMs };
  if (!(thrown instanceof ExecutionError)) throw thrown as Error;
  const failed = events.find((event) => event.type === 'ExecutionFailed');
  if (failed?.type !== 'ExecutionFailed') throw new Error(`The execution failed without an ExecutionFailed event: ${String(thrown)}`);
  // The same error also hangs off the ExecutionError; both must agree.
  const { name, message } = thrown.cause as Error;
  expect({ error: name, cause: message }).toEqual({ error: failed.Error, cause: failed.Cause });
  return { outcome: { status: 'FAILED', error: failed.Error, cause: failed.Cause }, tasks, wakes, checks, answers, events, elapsedMs };
}

function attempts(run: Run): number[] {
  return run.tasks.map((task) => task.attempt);
}

/** Delivery retries: each one waits in WaitBeforeRedelivery. */
function retries(run: Run): number {
  return run.events.filter((event) => event.type === 'StateEntered' && event.state.name === 'WaitBeforeRedelivery').length;
}

const MANAGER = REQUEST.managerEmailAddress;

/** The request as CheckRequest normalizes the seed form: one approver, policy any, the seed's subject, by email. */
const SEED_NORMALIZED = {
  approvers: [MANAGER],
  policy: 'any',
  subject: 'Approval needed for Jane Doe',
  details: {},
  employeeName: REQUEST.employeeName,
  via: ['email'],
};

/** What an approved seed request adds to the execution input. */
function seedApproval(record: Record<string, unknown> = DECISION) {
  return { policy: 'any', approvers: [MANAGER], decision: { ...record, approver: MANAGER } };
}

/** Every state of the definition, branches and map iterators included. */
function allStates(states: Readonly<Record<string, AslState>>): [string, AslState][] {
  return Object.entries(states).flatMap(([name, state]): [string, AslState][] => {
    const nested = [state.Branches, [state.ItemProcessor], [state.Iterator]]
      .flat()
      .filter(
        (machine): machine is { States: Record<string, AslState> } =>
          typeof machine === 'object' && machine !== null && 'States' in machine,
      );
    return [[name, state], ...nested.flatMap((machine) => allStates(machine.States))];
  });
}

function errorEquals(rules: unknown): string[] {
  return Array.isArray(rules) ? rules.flatMap((rule: { ErrorEquals?: string[] }) => rule.ErrorEquals ?? []) : [];
}

describe('renderDefinition', () => {
  it('fills every placeholder, quoted or not', () => {
    expect(renderDefinition('{"a": "${A}", "b": ${B}, "c": ${B}}', { A: 'x', B: '2' })).toBe('{"a": "x", "b": 2, "c": 2}');
  });

  it('names placeholders left without a value', () => {
    expect(() => renderDefinition('{"a": "${A}", "b": ${B}, "c": ${C}}', { A: 'x' })).toThrow(
      'Cannot render the state machine definition: placeholders without a value: ${B}, ${C}.',
    );
  });

  it('names substitutions the template does not use', () => {
    expect(() => renderDefinition('{"a": "${A}"}', { A: 'x', Extra: '1', Other: '2' })).toThrow(
      'Cannot render the state machine definition: substitutions the template does not use: Extra, Other.',
    );
  });

  it('reports both problems at once', () => {
    expect(() => renderDefinition('{"a": ${Typo}}', { Right: '1' })).toThrow(
      'placeholders without a value: ${Typo}; substitutions the template does not use: Right.',
    );
  });
});

describe('approval.asl.json', () => {
  it('has exactly the placeholders the stack substitutes', () => {
    const placeholders = templatePlaceholders(readFileSync(APPROVAL_ASL_FILE, 'utf8'));
    const substituted = Object.keys(approvalDefinitionSubstitutions(configWith(), ACTIVITY_ARN, WORKER_ARN));
    expect([...placeholders].sort()).toEqual([...substituted].sort());
  });

  it.each([
    ['the default settings', {}],
    ['short test timings', FAST],
    ['no reminders and no delivery retries', { reminderCount: 0, deliveryRetryAttempts: 0 }],
  ])('passes asl-validator once rendered with %s', (_label, overrides: Partial<ApprovalConfig>) => {
    // The validator writes QueryLanguage into the states: give it a copy.
    // asl-validator checks the Amazon States Language specification, which Step Functions runs.
    const result = aslValidator(structuredClone(definitionFor(overrides)), { checkArn: true, checkPaths: true });
    expect({ isValid: result.isValid, errors: result.errorsText('\n') }).toEqual({ isValid: true, errors: '' });
  });

  it('reacts only to ApprovalError names and handles every one of them', () => {
    const known: string[] = Object.values(ApprovalError);
    const reactedTo = new Set<string>();
    for (const [, state] of allStates(definitionFor().States)) {
      for (const name of [...errorEquals(state.Retry), ...errorEquals(state.Catch)]) reactedTo.add(name);
      if (state.Type === 'Fail' && typeof state.Error === 'string') reactedTo.add(state.Error);
    }
    // "Handling errors in Step Functions workflows": production code should handle Lambda.ServiceException and Lambda.SdkClientException.
    // Lambda.* are the service integration's own errors, retried on the wake-up call.
    const own = [...reactedTo].filter((name) => !name.startsWith('States.') && !name.startsWith('Lambda.'));
    expect(own.filter((name) => !known.includes(name))).toEqual([]);
    expect([...own].sort()).toEqual(
      expect.arrayContaining(['EmailDeliveryFailed', 'EmailDeliveryRefused', 'Expired', 'InvalidRequest', 'Rejected']),
    );
    expect([...own].sort()).toEqual([...known].sort());
  });

  it('retries a throttled request check for the time the README and the definition state', () => {
    const state = definitionFor().States.CheckRequest;
    const [throttled] = (state?.Retry ?? []) as Array<{
      Comment: string;
      IntervalSeconds: number;
      BackoffRate: number;
      MaxDelaySeconds: number;
      JitterStrategy: string;
      MaxAttempts: number;
    }>;
    if (!throttled) throw new Error('CheckRequest has no Retry');
    // "Handling errors in Step Functions workflows": retry n waits IntervalSeconds x BackoffRate^(n-1), at most
    // MaxDelaySeconds; JitterStrategy FULL waits a random time between 0 and that.
    const waits = Array.from({ length: throttled.MaxAttempts }, (_, n) =>
      Math.min(throttled.IntervalSeconds * throttled.BackoffRate ** n, throttled.MaxDelaySeconds),
    );
    const longest = waits.reduce((sum, wait) => sum + wait, 0);
    const average = throttled.JitterStrategy === 'FULL' ? longest / 2 : longest;
    const readme = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    const row = readme.split('\n').find((line) => line.startsWith('| `workerReservedConcurrency` |')) ?? '';

    expect({ longest, average }).toEqual({ longest: 603, average: 301.5 });
    expect(throttled.Comment).toContain('about five minutes on average, at most about ten');
    expect(throttled.Comment).toContain(`at most ${longest} s in all and ${average} s on average`);
    expect(row).toContain('about five minutes on average (at most about ten)');
  });

  it('has an execution timeout longer than every reminder interval together', () => {
    for (const overrides of [{}, FAST, { reminderIntervalSeconds: 30 * 86_400, reminderCount: 10 }]) {
      const config = configWith(overrides);
      const { TimeoutSeconds } = definitionFor(overrides);
      // "Using timeouts to avoid stuck Step Functions workflow executions": the machine's TimeoutSeconds bounds the whole execution.
      expect(TimeoutSeconds).toBe(executionTimeoutSeconds(config));
      expect(TimeoutSeconds).toBeGreaterThan((config.reminderCount + 1) * config.reminderIntervalSeconds);
    }
  });
});

describe('approval state machine run locally', () => {
  it('approves: passes the decision record through, naming the approver, and keeps the input untouched', async () => {
    const run = await runApproval(() => DECISION);

    expect(run.outcome).toEqual({ status: 'SUCCEEDED', output: { ...REQUEST, approval: seedApproval() } });
    expect(run.tasks).toHaveLength(1);
    const [task] = run.tasks;
    expect(task).toEqual({
      request: SEED_NORMALIZED,
      approver: MANAGER,
      attempt: 1,
      reminderCount: FAST.reminderCount,
      reminderIntervalSeconds: FAST.reminderIntervalSeconds,
      executionName: EXECUTION_NAME,
    });
    // The worker's own check accepts what the state machine hands it.
    expect(validateApprovalTask(task)).toEqual({ valid: true, task });
    // The check saw the whole execution input, extra fields included.
    expect(run.checks).toEqual([{ FunctionName: WORKER_ARN, Payload: { action: 'checkRequest', request: REQUEST } }]);
  });

  it('rejects: fails with Rejected and the decision record, naming the approver, as the cause', async () => {
    const record = { ...DECISION, decision: 'rejected', comment: 'Over budget' };
    const run = await runApproval(() => {
      throw taskFailure(ApprovalError.Rejected, JSON.stringify(record));
    });

    // "Handling errors in Step Functions workflows": an uncaught error fails the execution with that error and cause.
    expect(run.outcome).toMatchObject({ status: 'FAILED', error: 'Rejected' });
    expect(JSON.parse((run.outcome as { cause: string }).cause)).toEqual({ ...record, approver: MANAGER });
    expect(attempts(run)).toEqual([1]);
  });

  it('sends every reminder, then expires', async () => {
    const run = await runApproval(() => noAnswer());

    expect(run.outcome).toEqual({
      status: 'FAILED',
      error: 'Expired',
      cause: 'Nobody approved or rejected the request before the last reminder ran out.',
    });
    expect(attempts(run)).toEqual([1, 2, 3]);
    expect(run.tasks.every((task) => task.executionName === EXECUTION_NAME && task.reminderCount === 2)).toBe(true);
    // "Troubleshooting activities": an attempt's TimeoutSeconds starts when the worker takes the task, here at once.
    // Three attempts of one second each.
    expect(run.elapsedMs).toBeGreaterThanOrEqual(2_500);
    expect(run.elapsedMs).toBeLessThan(10_000);
  }, 15_000);

  it('expires after the first email when there are no reminders', async () => {
    const run = await runApproval(() => noAnswer(), { config: { reminderCount: 0 } });

    expect(run.outcome).toMatchObject({ status: 'FAILED', error: 'Expired' });
    expect(attempts(run)).toEqual([1]);
  });

  it('approves after a reminder', async () => {
    const run = await runApproval((_task, call) => (call === 1 ? noAnswer() : DECISION));

    expect(run.outcome).toEqual({ status: 'SUCCEEDED', output: { ...REQUEST, approval: seedApproval() } });
    expect(attempts(run)).toEqual([1, 2]);
    // The reminder carries the normalized request, not the first attempt's bookkeeping.
    expect(run.tasks[1]?.request).toEqual(SEED_NORMALIZED);
  });

  it('fails at once on an invalid request, before any task and without retrying', async () => {
    const withoutManager: Partial<typeof REQUEST> = { ...REQUEST };
    delete withoutManager.managerEmailAddress;
    const run = await runApproval(() => DECISION, { input: withoutManager });

    expect(run.outcome).toEqual({
      status: 'FAILED',
      error: 'InvalidRequest',
      cause: 'Invalid approval request: managerEmailAddress is missing.',
    });
    expect(run.tasks).toHaveLength(0);
    expect(run.wakes).toHaveLength(0);
  });

  it('retries a request check whose function crashed, and goes on when it answers', async () => {
    const run = await runApproval(() => DECISION, {
      check: (call) => {
        if (call <= 2)
          throw taskFailure('Lambda.Unknown', 'The cause could not be determined because Lambda did not return an error type.');
        return undefined;
      },
    });

    expect(run.checks).toHaveLength(3);
    expect(run.outcome).toEqual({ status: 'SUCCEEDED', output: { ...REQUEST, approval: seedApproval() } });
  });

  it.each([
    ['crashed (Lambda.Unknown)', 'Lambda.Unknown', 3],
    ['exited (Runtime.ExitError)', 'Runtime.ExitError', 3],
    ['threw (Error)', 'Error', 3],
    ['was throttled every time (Lambda.TooManyRequestsException)', 'Lambda.TooManyRequestsException', 16],
  ])('ends with RequestCheckFailed, before any email, when the check function %s on every try', async (_label, error, tries) => {
    const run = await runApproval(() => DECISION, {
      check: () => {
        throw taskFailure(error, 'RequestId: 0b1c2d3e Error: Runtime exited with error: signal: killed');
      },
    });

    expect(run.checks).toHaveLength(tries);
    expect(run.tasks).toHaveLength(0);
    expect(run.wakes).toHaveLength(0);
    expect(run.outcome).toEqual({
      status: 'FAILED',
      error: ApprovalError.RequestCheckFailed,
      cause: `The worker function could not check the request (${error}), not even after retrying. Nothing was sent. The execution history and the worker log group say why; start the request again once the worker works.`,
    });
  });

  it("ends with RequestCheckFailed also when the input's reserved key approval is not an object", async () => {
    const run = await runApproval(() => DECISION, {
      input: { ...(REQUEST as Record<string, JsonValue>), approval: 'not an object' },
      check: () => {
        throw taskFailure('Lambda.Unknown', 'The function crashed.');
      },
    });

    expect(run.tasks).toHaveLength(0);
    expect(run.outcome).toMatchObject({ status: 'FAILED', error: ApprovalError.RequestCheckFailed });
  });

  it('fails with InvalidRequest when the worker finds a task input unusable', async () => {
    const run = await runApproval(() => {
      throw taskFailure(ApprovalError.InvalidRequest, 'Invalid approval request: the task input has no approver.');
    });

    expect(run.outcome).toEqual({
      status: 'FAILED',
      error: 'InvalidRequest',
      cause: 'Invalid approval request: the task input has no approver.',
    });
    expect(run.tasks).toHaveLength(1);
    expect(retries(run)).toBe(0);
  });

  it.each([
    ['a string', 'text'],
    ['a number', 5],
    ['null', null],
    ['an array', [1, 2]],
    ['an empty array', []],
    ['an object with no field of either form', { name: 'Jim' }],
  ])('fails at once with InvalidRequest, before any task, when the input is %s', async (_label, input) => {
    const run = await runApproval(() => DECISION, { input: input as JsonValue });

    expect(run.outcome).toEqual({
      status: 'FAILED',
      error: 'InvalidRequest',
      cause:
        'Invalid approval request: the execution input must be a JSON object with approvers and subject, or with managerEmailAddress and employeeName.',
    });
    expect(run.tasks).toHaveLength(0);
    expect(run.checks).toHaveLength(0);
  });

  it('retries a failed delivery and then succeeds', async () => {
    const run = await runApproval((_task, call) => {
      if (call <= 2) throw taskFailure(ApprovalError.EmailDeliveryFailed, `Maximum sending rate exceeded (call ${call})`);
      return DECISION;
    });

    expect(run.outcome).toEqual({
      status: 'SUCCEEDED',
      output: { ...REQUEST, approval: seedApproval() },
    });
    expect(run.tasks).toHaveLength(3);
    // A delivery retry is the same attempt, not a reminder, and it wakes the worker again.
    expect(attempts(run)).toEqual([1, 1, 1]);
    expect(retries(run)).toBe(2);
    expect(run.wakes).toHaveLength(3);
    // Each retry waits twice as long as the one before.
    const waits = run.events
      .filter((event) => event.type === 'StateEntered' && event.state.name === 'WaitBeforeRedelivery')
      .map(
        (event) =>
          (event as unknown as { state: { input: { approval: { redeliveryDelaySeconds: number } } } }).state.input.approval
            .redeliveryDelaySeconds,
      );
    expect(waits).toEqual([60, 120]);
  });

  it('gives up after every delivery retry failed, keeping the error and cause', async () => {
    const run = await runApproval((_task, call) => {
      throw taskFailure(ApprovalError.EmailDeliveryFailed, `Maximum sending rate exceeded (call ${call})`);
    });

    expect(run.outcome).toEqual({ status: 'FAILED', error: 'EmailDeliveryFailed', cause: 'Maximum sending rate exceeded (call 3)' });
    expect(run.tasks).toHaveLength(3);
    expect(retries(run)).toBe(2);
  });

  it('does not retry a delivery when deliveryRetryAttempts is 0', async () => {
    const run = await runApproval(
      () => {
        throw taskFailure(ApprovalError.EmailDeliveryFailed, 'Maximum sending rate exceeded');
      },
      { config: { deliveryRetryAttempts: 0 } },
    );

    expect(run.outcome).toEqual({ status: 'FAILED', error: 'EmailDeliveryFailed', cause: 'Maximum sending rate exceeded' });
    expect(run.tasks).toHaveLength(1);
  });

  it('wakes the worker before the first email and before every reminder', async () => {
    const run = await runApproval(() => noAnswer());

    expect(run.outcome).toMatchObject({ status: 'FAILED', error: 'Expired' });
    expect(attempts(run)).toEqual([1, 2, 3]);
    // Assumption (not found in the AWS docs): the lambda:invoke integration passes these Parameters to Invoke as given (InvocationType Event: no wait).
    expect(run.wakes).toEqual(
      [1, 2, 3].map(() => ({ FunctionName: WORKER_ARN, InvocationType: 'Event', Payload: { reason: 'activityScheduled' } })),
    );
  });

  it('still waits for the worker when waking it fails: the schedule picks the task up', async () => {
    const run = await runApproval(() => DECISION, {
      wake: () => {
        throw taskFailure('Lambda.ServiceException', 'Lambda is having a bad day');
      },
    });

    expect(run.outcome).toMatchObject({ status: 'SUCCEEDED' });
    // The first call and its two retries.
    expect(run.wakes).toHaveLength(3);
    expect(run.tasks).toHaveLength(1);
  });

  it('doubles the wait between redeliveries, up to an hour', async () => {
    const run = await runApproval(
      (_task, call) => {
        if (call <= 5) throw taskFailure(ApprovalError.EmailDeliveryFailed, 'SES unavailable');
        return DECISION;
      },
      { config: { deliveryRetryIntervalSeconds: 1000, deliveryRetryAttempts: 5 } },
    );
    const waits = run.events
      .filter((event) => event.type === 'StateEntered' && event.state.name === 'WaitBeforeRedelivery')
      .map(
        (event) =>
          (event as unknown as { state: { input: { approval: { redeliveryDelaySeconds: number } } } }).state.input.approval
            .redeliveryDelaySeconds,
      );

    expect(run.outcome).toMatchObject({ status: 'SUCCEEDED' });
    expect(waits).toEqual([1000, 2000, 3600, 3600, 3600]);
  });

  it('fails at once when the email is refused', async () => {
    const cause = 'MessageRejected: Email address is not verified.';
    const run = await runApproval(() => {
      throw taskFailure(ApprovalError.EmailDeliveryRefused, cause);
    });

    expect(run.outcome).toEqual({ status: 'FAILED', error: 'EmailDeliveryRefused', cause });
    expect(run.tasks).toHaveLength(1);
    expect(retries(run)).toBe(0);
  });
});

describe('approval state machine with several approvers', () => {
  const ANA = 'ana@example.com';
  const BEN = 'ben@example.com';
  const RELEASE = {
    approvers: [ANA, BEN],
    subject: 'Deploy release 42 to production',
    details: { Release: '42' },
    requester: 'dev@example.com',
    ticket: 'OPS-7',
  };
  const record = (decision: 'approved' | 'rejected', extra: Record<string, unknown> = {}) => ({ ...DECISION, decision, ...extra });

  it('any: emails every approver with a task of their own; the first approval decides and stops the others', async () => {
    const run = await runApproval((task) => (task.approver === BEN ? record('approved') : noAnswer()), {
      input: { ...RELEASE, policy: 'any' },
    });

    expect(run.outcome).toEqual({
      status: 'SUCCEEDED',
      output: {
        ...RELEASE,
        policy: 'any',
        approval: { policy: 'any', approvers: [ANA, BEN], decision: { ...record('approved'), approver: BEN } },
      },
    });
    expect(run.tasks.map((task) => task.approver).sort()).toEqual([ANA, BEN]);
    expect(run.tasks.every((task) => (task.request as { subject: string }).subject === RELEASE.subject)).toBe(true);
    // Ana's iteration was stopped, not left waiting for her reminders.
    expect(attempts(run)).toEqual([1, 1]);
    expect(run.events.filter((event) => event.type === 'MapIterationFailed')).toHaveLength(1);
  });

  it('any: a rejection decides at once', async () => {
    const run = await runApproval(
      (task) => {
        if (task.approver === ANA)
          throw taskFailure(ApprovalError.Rejected, JSON.stringify(record('rejected', { comment: 'Not this week' })));
        return noAnswer();
      },
      { input: RELEASE },
    );

    expect(run.outcome).toMatchObject({ status: 'FAILED', error: 'Rejected' });
    expect(JSON.parse((run.outcome as { cause: string }).cause)).toEqual({
      ...record('rejected', { comment: 'Not this week' }),
      approver: ANA,
    });
  });

  it('any: expires only when every approver stayed silent through the last reminder', async () => {
    const run = await runApproval(() => noAnswer(), { input: RELEASE });

    expect(run.outcome).toEqual({
      status: 'FAILED',
      error: 'Expired',
      cause: 'Nobody approved or rejected the request before the last reminder ran out.',
    });
    expect(attempts(run).sort()).toEqual([1, 1, 2, 2, 3, 3]);
  }, 15_000);

  it('all: approved when both approve, with every record in the approvers order', async () => {
    const run = await runApproval((task) => record('approved', { decidedAt: task.approver === ANA ? 't2' : 't1' }), {
      input: { ...RELEASE, policy: 'all' },
    });

    expect(run.outcome).toEqual({
      status: 'SUCCEEDED',
      output: {
        ...RELEASE,
        policy: 'all',
        approval: {
          policy: 'all',
          approvers: [ANA, BEN],
          decisions: [
            { ...record('approved', { decidedAt: 't2' }), approver: ANA },
            { ...record('approved', { decidedAt: 't1' }), approver: BEN },
          ],
        },
      },
    });
  });

  it('all: waits for the second approval after the first', async () => {
    let anaApproves: (value: JsonValue) => void = () => undefined;
    const run = runApproval(
      (task) =>
        task.approver === ANA
          ? new Promise<JsonValue>((resolve) => {
              anaApproves = resolve;
            })
          : record('approved'),
      { input: { ...RELEASE, policy: 'all' } },
    );
    let settled = false;
    void run.then(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Ben approved long ago; without Ana the request stays open.
    expect(settled).toBe(false);
    anaApproves(record('approved'));

    expect((await run).outcome).toMatchObject({ status: 'SUCCEEDED' });
    expect(settled).toBe(true);
  });

  it('all: the first rejection decides and stops the other approver', async () => {
    const run = await runApproval(
      (task) => {
        if (task.approver === BEN) throw taskFailure(ApprovalError.Rejected, JSON.stringify(record('rejected')));
        return noAnswer();
      },
      { input: { ...RELEASE, policy: 'all' } },
    );

    expect(run.outcome).toMatchObject({ status: 'FAILED', error: 'Rejected' });
    expect(JSON.parse((run.outcome as { cause: string }).cause)).toEqual({ ...record('rejected'), approver: BEN });
    expect(attempts(run)).toEqual([1, 1]);
  });

  it("all: one approver's silence through the last reminder expires the request", async () => {
    const run = await runApproval((task) => (task.approver === ANA ? record('approved') : noAnswer()), {
      input: { ...RELEASE, policy: 'all' },
    });

    expect(run.outcome).toEqual({
      status: 'FAILED',
      error: 'Expired',
      cause: 'An approver did not approve or reject before the last reminder ran out; every approver must approve.',
    });
  }, 15_000);

  it('names the approver from its own data: an "approver" in the decision output cannot change it', async () => {
    const run = await runApproval(() => record('approved', { approver: 'mallory@example.com' }), {
      input: { ...RELEASE, approvers: [ANA] },
    });

    expect(run.outcome).toMatchObject({ status: 'SUCCEEDED', output: { approval: { decision: { approver: ANA } } } });
  });

  it.each(['any', 'all'])(
    'keeps a record with quotes, backslashes and markup exact through approval and rejection (%s)',
    async (policy) => {
      const hostile = record('approved', { comment: 'a "quoted" \\ back\\slash </script> \\" {}', userAgent: '"}\\\'<x>' });
      const approved = await runApproval(() => hostile, { input: { ...RELEASE, approvers: [ANA], policy } });
      const rejected = await runApproval(
        () => {
          throw taskFailure(ApprovalError.Rejected, JSON.stringify({ ...hostile, decision: 'rejected' }));
        },
        { input: { ...RELEASE, approvers: [ANA], policy } },
      );

      const approval = (approved.outcome as unknown as { output: { approval: { decision?: unknown; decisions?: unknown[] } } }).output
        .approval;
      expect(approval.decision ?? approval.decisions?.[0]).toEqual({ ...hostile, approver: ANA });
      expect(JSON.parse((rejected.outcome as { cause: string }).cause)).toEqual({ ...hostile, decision: 'rejected', approver: ANA });
    },
  );

  it('refuses self-approval before anyone is emailed', async () => {
    const run = await runApproval(() => record('approved'), { input: { ...RELEASE, requester: 'Ben@Example.com' } });

    expect(run.outcome).toMatchObject({ status: 'FAILED', error: 'InvalidRequest' });
    expect((run.outcome as { cause: string }).cause).toMatch(/^Invalid approval request: .*requester/);
    expect(run.tasks).toHaveLength(0);
  });
});

/**
 * A parent that embeds the approval with startExecution.waitForTaskToken puts its task token in
 * the input's reserved key, `approval.parentTaskToken`; whatever way the approval ends, it answers
 * that token once (SendTaskSuccess with its output, or SendTaskFailure with its own error and
 * cause), then ends exactly as it would without a parent.
 */
describe('approval state machine answering a waiting parent', () => {
  // The shape of a real token: base64 with + / =, several hundred characters.
  const PARENT_TOKEN = `AQB4AAAAKgAAAAMAAAAAAAAAAe+/${'Ab3+x/Yz'.repeat(100)}==`;
  const withParent = (input: Record<string, unknown>, token: unknown = PARENT_TOKEN): JsonValue =>
    ({ ...input, approval: { parentTaskToken: token } }) as unknown as JsonValue;
  const RELEASE = { approvers: ['ana@example.com', 'ben@example.com'], subject: 'Deploy release 42', requester: 'dev@example.com' };
  const rejected = () => {
    throw taskFailure(ApprovalError.Rejected, JSON.stringify({ ...DECISION, decision: 'rejected', comment: 'Over budget' }));
  };
  const failsWith = (error: string, cause: string) => () => {
    throw taskFailure(error, cause);
  };
  const withoutManager: Record<string, unknown> = { ...REQUEST };
  delete withoutManager.managerEmailAddress;

  type Scenario = [string, string, Worker, Record<string, unknown>, Parameters<typeof runApproval>[1]];
  const scenarios: Scenario[] = [
    ['approved', 'TellParentApproved', () => DECISION, REQUEST, {}],
    ['rejected', 'TellParentRejected', rejected, REQUEST, {}],
    ['expired: nobody answered (any)', 'TellParentNobodyDecided', () => noAnswer(), REQUEST, { config: { reminderCount: 0 } }],
    [
      'expired: one approver silent (all)',
      'TellParentExpired',
      () => noAnswer(),
      { ...RELEASE, policy: 'all' },
      { config: { reminderCount: 0 } },
    ],
    ['an invalid request', 'TellParentRequestNotValid', () => DECISION, withoutManager, {}],
    ['an input with no request field', 'TellParentInputNotUsable', () => DECISION, { note: 'no request' }, {}],
    [
      'an unusable task input',
      'TellParentInvalidRequest',
      failsWith(ApprovalError.InvalidRequest, 'Invalid approval request: the task input has no approver.'),
      REQUEST,
      {},
    ],
    [
      'an email SES refused',
      'TellParentEmailNotDelivered',
      failsWith(ApprovalError.EmailDeliveryRefused, 'MessageRejected: Email address is not verified.'),
      REQUEST,
      {},
    ],
    [
      'an email that kept failing',
      'TellParentEmailNotDelivered',
      failsWith(ApprovalError.EmailDeliveryFailed, 'Throttling: Maximum sending rate exceeded.'),
      REQUEST,
      { config: { deliveryRetryAttempts: 0 } },
    ],
    [
      'a request check that kept failing',
      'TellParentRequestNotChecked',
      () => DECISION,
      REQUEST,
      {
        check: () => {
          throw taskFailure('Error', 'The function threw.');
        },
      },
    ],
  ];

  it.each(scenarios)(
    '%s: answers the parent once with the outcome, then ends as without a parent',
    async (_label, state, worker, input, options) => {
      const alone = await runApproval(worker, { ...options, input: input as JsonValue });
      const embedded = await runApproval(worker, { ...options, input: withParent(input) });

      expect(alone.answers).toEqual([]);
      expect(embedded.outcome).toEqual(alone.outcome);
      const { outcome } = embedded;
      expect(embedded.answers).toEqual([
        {
          state,
          parameters:
            outcome.status === 'SUCCEEDED'
              ? { TaskToken: PARENT_TOKEN, Output: JSON.stringify(outcome.output) }
              : { TaskToken: PARENT_TOKEN, Error: outcome.error, Cause: outcome.cause as JsonValue },
        },
      ]);
      // The token goes back to its parent and nowhere else: not to the worker (and so not into any email), not into the output.
      expect(JSON.stringify(embedded.tasks)).not.toContain(PARENT_TOKEN);
      expect(JSON.stringify(embedded.outcome)).not.toContain(PARENT_TOKEN);
    },
  );

  it('names the same errors a parent catches as the approval ends with, for every ending', () => {
    const definition = definitionFor();
    const endings = Object.entries(definition.States).filter(([, state]) => state.Type === 'Fail' || state.Type === 'Succeed');
    for (const [name, ending] of endings) {
      const tell = definition.States[`TellParent${name}`] as (AslState & { Parameters: Record<string, unknown> }) | undefined;
      expect({ name, next: tell?.Next }).toEqual({ name, next: name });
      if (ending.Type === 'Fail') {
        expect({ name, error: tell?.Parameters.Error ?? tell?.Parameters['Error.$'] }).toEqual({
          name,
          error: ending.Error ?? ending.ErrorPath,
        });
      }
    }
  });

  it('ends as without a parent when the parent no longer waits (its answer is refused every time)', async () => {
    const alone = await runApproval(rejected);
    const embedded = await runApproval(rejected, {
      input: withParent(REQUEST),
      answer: () => {
        throw taskFailure('Sfn.TaskTimedOutException', 'Task Timed Out (Service: Sfn, Status Code: 400)');
      },
    });

    expect(embedded.outcome).toEqual(alone.outcome);
    // The first answer and its two retries.
    expect(embedded.answers.map((answer) => answer.state)).toEqual(['TellParentRejected', 'TellParentRejected', 'TellParentRejected']);
  });

  it.each([
    ['not a string', 42],
    ['null', null],
  ])('answers no parent when approval.parentTaskToken is %s', async (_label, token) => {
    const alone = await runApproval(() => DECISION);
    const run = await runApproval(() => DECISION, { input: withParent(REQUEST, token) });

    expect(run.answers).toEqual([]);
    expect(run.outcome).toEqual(alone.outcome);
  });
});
