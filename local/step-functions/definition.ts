import { ACTIVITY_ARN } from './arns';
import { StepFunctionsApiError } from './errors';
import { INTERPRETER_MAX_TASK_TIMEOUT_SECONDS, Interpreter, type InterpreterDefinition } from './interpreter';

/** How a Task state on an activity is timed; this endpoint runs these clocks, not the interpreter. */
export interface ActivityStateClocks {
  readonly timeoutSeconds?: number;
  readonly timeoutSecondsPath?: string;
  readonly heartbeatSeconds?: number;
  readonly heartbeatSecondsPath?: string;
}

export interface TaskStateResource {
  readonly resource: string;
  /** Present when the resource is an activity ARN. */
  readonly activity?: ActivityStateClocks;
}

/** A definition ready to run: the interpreter, and what this endpoint does around it. */
export interface PreparedDefinition {
  readonly interpreter: Interpreter;
  /** The top-level TimeoutSeconds, timed here because the interpreter's timer overflows after ~24.8 days. */
  readonly executionTimeoutSeconds?: number;
  /** Every Task state by name (names are unique across the whole machine, branches included). */
  readonly taskStates: ReadonlyMap<string, TaskStateResource>;
}

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

function usesJsonata(machine: JsonObject): boolean {
  if (machine.QueryLanguage === 'JSONata') return true;
  return stateMaps(machine).some((states) => Object.values(states).some((state) => isObject(state) && state.QueryLanguage === 'JSONata'));
}

/**
 * Checks a definition as CreateStateMachine does (JSON, then the interpreter's ASL validation) and
 * builds the interpreter's copy: activity Task states lose their timeout and heartbeat fields (the
 * clocks start when a worker takes the task, which only this endpoint knows), the top-level
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
    new Interpreter(structuredClone(parsed) as unknown as InterpreterDefinition);
  } catch (error) {
    throw invalid((error as Error).message);
  }

  const copy = structuredClone(parsed);
  const executionTimeoutSeconds = optionalNumber(copy, 'TimeoutSeconds');
  delete copy.TimeoutSeconds;
  const taskStates = new Map<string, TaskStateResource>();
  for (const states of stateMaps(copy)) {
    for (const [name, state] of Object.entries(states)) {
      if (!isObject(state)) continue;
      widenTimeoutRules(state);
      if (state.Type !== 'Task' || typeof state.Resource !== 'string') continue;
      if (!ACTIVITY_ARN.test(state.Resource)) {
        taskStates.set(name, { resource: state.Resource });
        continue;
      }
      const activity: ActivityStateClocks = {
        timeoutSeconds: optionalNumber(state, 'TimeoutSeconds'),
        timeoutSecondsPath: optionalString(state, 'TimeoutSecondsPath'),
        heartbeatSeconds: optionalNumber(state, 'HeartbeatSeconds'),
        heartbeatSecondsPath: optionalString(state, 'HeartbeatSecondsPath'),
      };
      taskStates.set(name, { resource: state.Resource, activity });
      delete state.TimeoutSecondsPath;
      delete state.HeartbeatSeconds;
      delete state.HeartbeatSecondsPath;
      state.TimeoutSeconds = INTERPRETER_MAX_TASK_TIMEOUT_SECONDS;
    }
  }
  const interpreter = new Interpreter(copy as unknown as InterpreterDefinition, { validationOptions: { noValidate: true } });
  return { interpreter, ...(executionTimeoutSeconds === undefined ? {} : { executionTimeoutSeconds }), taskStates };
}
