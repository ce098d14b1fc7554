import { ACTIVITY_ARN } from './arns';
import { StepFunctionsApiError } from './errors';
import { INTERPRETER_MAX_TASK_TIMEOUT_SECONDS, Interpreter, type InterpreterDefinition } from './interpreter';
import type { NestedMachine } from './run-scope';

/** How a Task state is timed when this endpoint, not the interpreter, runs its clocks. */
export interface ActivityStateClocks {
  readonly timeoutSeconds?: number;
  readonly timeoutSecondsPath?: string;
  readonly heartbeatSeconds?: number;
  readonly heartbeatSecondsPath?: string;
}

/** The patterns of the Step Functions StartExecution integration, from the Resource's suffix. */
export type StartExecutionPattern = 'request-response' | 'sync' | 'sync:2' | 'waitForTaskToken';

/** The Step Functions API actions served as AWS SDK integrations (`arn:aws:states:::aws-sdk:sfn:<action>`). */
export type SfnSdkAction = 'sendTaskSuccess' | 'sendTaskFailure';

/** What a Task state's Resource calls, as far as this endpoint serves it. */
export type TaskIntegration =
  | { readonly kind: 'activity'; readonly clocks: ActivityStateClocks }
  | { readonly kind: 'lambda:invoke' }
  | { readonly kind: 'states:startExecution'; readonly pattern: StartExecutionPattern; readonly clocks: ActivityStateClocks }
  | { readonly kind: 'aws-sdk:sfn'; readonly action: SfnSdkAction }
  | { readonly kind: 'unsupported' };

export interface TaskStateResource {
  readonly resource: string;
  readonly integration: TaskIntegration;
}

/** A definition ready to run: the interpreter, and what this endpoint does around it. */
export interface PreparedDefinition {
  readonly interpreter: Interpreter;
  /** The top-level TimeoutSeconds, timed here because the interpreter's timer overflows after ~24.8 days. */
  readonly executionTimeoutSeconds?: number;
  /** Every Task state by name (names are unique across the whole machine, branches included). */
  readonly taskStates: ReadonlyMap<string, TaskStateResource>;
  /** The Map ItemProcessors and Parallel branches of the interpreter's copy, by object identity. */
  readonly nestedMachines: ReadonlyMap<object, NestedMachine>;
}

/** The optimized Lambda integration (RequestResponse or Event); `.waitForTaskToken` is not served. */
const LAMBDA_INVOKE = /^arn:aws[a-z-]*:states:::lambda:invoke$/;
/** The optimized Step Functions integration: StartExecution, `.sync`, `.sync:2` and `.waitForTaskToken`. */
const START_EXECUTION = /^arn:aws[a-z-]*:states:::states:startExecution(?:(\.sync(:2)?)|(\.waitForTaskToken))?$/;
/** The AWS SDK integration of Step Functions itself, for the callbacks a child execution answers its parent with. */
const SFN_SDK = /^arn:aws[a-z-]*:states:::aws-sdk:sfn:(sendTaskSuccess|sendTaskFailure)$/;

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(message: string): StepFunctionsApiError {
  return new StepFunctionsApiError('InvalidDefinition', `Invalid State Machine Definition: ${message}`);
}

/** Every States object of the machine, Parallel branches and Map processors included. */
function stateMaps(machine: JsonObject): JsonObject[] {
  if (!isObject(machine.States)) return [];
  const nested = Object.values(machine.States).flatMap((state) => {
    if (!isObject(state)) return [];
    const machines = [...(Array.isArray(state.Branches) ? (state.Branches as unknown[]) : []), state.ItemProcessor, state.Iterator];
    return machines.filter(isObject).flatMap(stateMaps);
  });
  return [machine.States, ...nested];
}

/**
 * AWS matches `States.Timeout` for heartbeat timeouts too; the interpreter compares names exactly,
 * so every rule naming States.Timeout also names States.HeartbeatTimeout in its copy.
 */
function widenTimeoutRules(state: JsonObject): void {
  for (const field of ['Retry', 'Catch']) {
    const rules = state[field];
    if (!Array.isArray(rules)) continue;
    for (const rule of rules) {
      if (!isObject(rule) || !Array.isArray(rule.ErrorEquals)) continue;
      const names: unknown[] = rule.ErrorEquals;
      if (names.includes('States.Timeout') && !names.includes('States.HeartbeatTimeout'))
        rule.ErrorEquals = [...names, 'States.HeartbeatTimeout'];
    }
  }
}

function optionalNumber(state: JsonObject, field: string): number | undefined {
  const value = state[field];
  return typeof value === 'number' ? value : undefined;
}

function optionalString(state: JsonObject, field: string): string | undefined {
  const value = state[field];
  return typeof value === 'string' ? value : undefined;
}

/** The Map ItemProcessors (or Iterators) and Parallel branches of the machine, at every depth. */
function collectNestedMachines(machine: JsonObject, found: Map<object, NestedMachine>): void {
  if (!isObject(machine.States)) return;
  for (const [stateName, state] of Object.entries(machine.States)) {
    if (!isObject(state)) continue;
    const processor = isObject(state.ItemProcessor) ? state.ItemProcessor : isObject(state.Iterator) ? state.Iterator : undefined;
    if (state.Type === 'Map' && processor !== undefined) {
      found.set(processor, { kind: 'Map', stateName });
      collectNestedMachines(processor, found);
    }
    if (state.Type === 'Parallel' && Array.isArray(state.Branches)) {
      (state.Branches as unknown[]).forEach((branch, index) => {
        if (!isObject(branch)) return;
        found.set(branch, { kind: 'Parallel', stateName, branch: index });
        collectNestedMachines(branch, found);
      });
    }
  }
}

function taskClocks(state: JsonObject): ActivityStateClocks {
  return {
    timeoutSeconds: optionalNumber(state, 'TimeoutSeconds'),
    timeoutSecondsPath: optionalString(state, 'TimeoutSecondsPath'),
    heartbeatSeconds: optionalNumber(state, 'HeartbeatSeconds'),
    heartbeatSecondsPath: optionalString(state, 'HeartbeatSecondsPath'),
  };
}

/** The endpoint runs this Task's clocks: the interpreter's copy waits (almost) forever. */
function endpointTimed(state: JsonObject): void {
  delete state.TimeoutSecondsPath;
  delete state.HeartbeatSeconds;
  delete state.HeartbeatSecondsPath;
  state.TimeoutSeconds = INTERPRETER_MAX_TASK_TIMEOUT_SECONDS;
}

function integrationOf(state: JsonObject, resource: string): TaskIntegration {
  if (ACTIVITY_ARN.test(resource)) return { kind: 'activity', clocks: taskClocks(state) };
  if (LAMBDA_INVOKE.test(resource)) return { kind: 'lambda:invoke' };
  const startExecution = START_EXECUTION.exec(resource);
  if (startExecution !== null) {
    const pattern: StartExecutionPattern =
      startExecution[3] !== undefined
        ? 'waitForTaskToken'
        : startExecution[2] !== undefined
          ? 'sync:2'
          : startExecution[1] !== undefined
            ? 'sync'
            : 'request-response';
    return { kind: 'states:startExecution', pattern, clocks: taskClocks(state) };
  }
  const sdk = SFN_SDK.exec(resource);
  if (sdk !== null) return { kind: 'aws-sdk:sfn', action: sdk[1] as SfnSdkAction };
  return { kind: 'unsupported' };
}

/**
 * A deep copy made with this realm's JSON, not structuredClone: the interpreter treats an object
 * as a nested payload template only if its prototype is this realm's Object.prototype, and a
 * global structuredClone may come from another realm (jest's node environment hands in the outer
 * one), which would leave every nested `"key.$"` of Parameters unevaluated.
 */
function jsonCopy(value: JsonObject): JsonObject {
  return JSON.parse(JSON.stringify(value)) as JsonObject;
}

function usesJsonata(machine: JsonObject): boolean {
  if (machine.QueryLanguage === 'JSONata') return true;
  return stateMaps(machine).some((states) => Object.values(states).some((state) => isObject(state) && state.QueryLanguage === 'JSONata'));
}

/**
 * Checks a definition as CreateStateMachine does (JSON, then the interpreter's ASL validation) and
 * builds the interpreter's copy: activity and StartExecution Task states lose their timeout and
 * heartbeat fields (an activity's clocks start when a worker takes the task, which only this
 * endpoint knows; a `.sync` timeout must also stop the child execution), the top-level
 * TimeoutSeconds goes, and timeout rules also match heartbeat timeouts.
 */
export function prepareDefinition(definition: string): PreparedDefinition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(definition);
  } catch (error) {
    throw invalid(`the definition is not valid JSON: ${(error as Error).message}`);
  }
  if (!isObject(parsed)) throw invalid('the definition must be a JSON object with StartAt and States.');
  if (usesJsonata(parsed)) throw invalid('JSONata is not supported by this local endpoint (aws-local-stepfunctions runs JSONPath only).');
  try {
    // The validator writes defaults into what it checks: give it its own copy.
    new Interpreter(jsonCopy(parsed) as unknown as InterpreterDefinition);
  } catch (error) {
    throw invalid((error as Error).message);
  }

  const copy = jsonCopy(parsed);
  const executionTimeoutSeconds = optionalNumber(copy, 'TimeoutSeconds');
  delete copy.TimeoutSeconds;
  const taskStates = new Map<string, TaskStateResource>();
  for (const states of stateMaps(copy)) {
    for (const [name, state] of Object.entries(states)) {
      if (!isObject(state)) continue;
      widenTimeoutRules(state);
      if (state.Type !== 'Task' || typeof state.Resource !== 'string') continue;
      const integration = integrationOf(state, state.Resource);
      taskStates.set(name, { resource: state.Resource, integration });
      if (integration.kind === 'activity' || integration.kind === 'states:startExecution') {
        endpointTimed(state);
      } else if (state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) {
        // The interpreter times a Task without TimeoutSeconds out after 60 s; the service does not.
        state.TimeoutSeconds = INTERPRETER_MAX_TASK_TIMEOUT_SECONDS;
      }
    }
  }
  const nestedMachines = new Map<object, NestedMachine>();
  collectNestedMachines(copy, nestedMachines);
  const interpreter = new Interpreter(copy as unknown as InterpreterDefinition, { validationOptions: { noValidate: true } });
  return { interpreter, ...(executionTimeoutSeconds === undefined ? {} : { executionTimeoutSeconds }), taskStates, nestedMachines };
}
