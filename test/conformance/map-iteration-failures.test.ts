import { CreateActivityCommand, CreateStateMachineCommand, GetActivityTaskCommand, SendTaskFailureCommand } from '@aws-sdk/client-sfn';
import { ROLE_ARN, useLocalStepFunctions } from '../support/use-local-step-functions';
import { type RecordedEvent, type RecordedHistory, recordedShape, recording } from './recordings';

/**
 * A Map state whose iteration fails, on our local endpoint, against the histories AWS recorded:
 * what the Map's Catch receives, what the execution fails with, and the events of the failed
 * iteration, of the siblings it stopped and of the Map itself (the approval's "first decision
 * wins" rests on this).
 *
 * previousEventId is not compared inside Map states: the service links those events by cause
 * (an iteration's first state to its MapIterationStarted, MapStateFailed to the failing state's
 * event), which the local endpoint does not follow; every other field of every event is compared.
 */

const local = useLocalStepFunctions();
const { uniqueName, start, waitForStatus, history } = local;

const RECORDINGS = 'map-iteration-failures.json';

async function createMachine(definition: unknown): Promise<string> {
  const { stateMachineArn } = await local.sfn.send(
    new CreateStateMachineCommand({ name: uniqueName('map'), definition: JSON.stringify(definition), roleArn: ROLE_ARN }),
  );
  if (stateMachineArn === undefined) throw new Error('CreateStateMachine returned no ARN');
  return stateMachineArn;
}

type ComparedEvent = Record<string, unknown> & { readonly type: string; readonly id: number };

function withoutPreviousIds(events: readonly RecordedEvent[]): ComparedEvent[] {
  return events.map(({ previousEventId: _previous, ...event }) => event);
}

async function ourEvents(executionArn: string, placeholders: Record<string, string> = {}): Promise<ComparedEvent[]> {
  return withoutPreviousIds(recordedShape(await history(executionArn), { [ROLE_ARN]: 'snf_role_arn', ...placeholders }));
}

/** A Pass state that puts the items in place, then the Map state under test, as in the recorded scenarios. */
function machineWithItems(items: unknown[], map: Record<string, unknown>, after: Record<string, unknown> = {}): unknown {
  return {
    StartAt: 'StartState',
    States: {
      StartState: { Type: 'Pass', Result: { arr: items }, Next: 'MapState' },
      MapState: { Type: 'Map', ItemsPath: '$.arr', ...map },
      ...after,
    },
  };
}

describe('a failing Map iteration, as recorded on AWS', () => {
  it("gives the Map's Catch the iteration's Error and Cause, after MapIterationFailed and MapStateFailed (test_map_state_catch)", async () => {
    const recorded = recording<RecordedHistory>(RECORDINGS, 'test_map_state_catch');
    const stateMachineArn = await createMachine(
      machineWithItems(
        [1],
        {
          ItemProcessor: {
            ProcessorConfig: { Mode: 'INLINE' },
            StartAt: 'HandleItemFail',
            States: { HandleItemFail: { Type: 'Fail', Error: 'HandleItemFailError', Cause: 'HandleItemFailCause' } },
          },
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'FinalCaught' }],
          End: true,
        },
        { FinalCaught: { Type: 'Pass', End: true } },
      ),
    );

    const executionArn = await start(stateMachineArn, {});
    const described = await waitForStatus(executionArn, 'SUCCEEDED');

    expect(await ourEvents(executionArn)).toEqual(withoutPreviousIds(recorded.events));
    expect(JSON.parse(described.output ?? 'null')).toEqual({ Error: 'HandleItemFailError', Cause: 'HandleItemFailCause' });
  });

  it("fails the execution with the failed iteration's error and cause, MapStateFailed after its MapIterationFailed (test_map_state_break_condition)", async () => {
    const recorded = recording<RecordedHistory>(RECORDINGS, 'test_map_state_break_condition');
    const stateMachineArn = await createMachine(
      machineWithItems([1, 'Hello', {}, 3.3, 3, 4, 5], {
        MaxConcurrency: 1,
        ItemProcessor: {
          ProcessorConfig: { Mode: 'INLINE' },
          StartAt: 'Equals3',
          States: {
            Equals3: {
              Type: 'Choice',
              Choices: [
                {
                  And: [
                    { Variable: '$', IsNumeric: true },
                    { Variable: '$', NumericEquals: 3 },
                  ],
                  Next: 'Break',
                },
              ],
              Default: 'Pass',
            },
            Pass: { Type: 'Pass', End: true },
            Break: { Type: 'Fail', Error: 'SomeFailure', Cause: "This state machines raises a 'SomeFailure' failure." },
          },
        },
        End: true,
      }),
    );

    const executionArn = await start(stateMachineArn, {});
    const described = await waitForStatus(executionArn, 'FAILED');

    // Known differences with MaxConcurrency 1, left to the interpreter (aws-local-stepfunctions):
    // AWS records each MapIterationSucceeded before the next MapIterationStarted, ours after it; and
    // AWS starts no iteration after the failing one, ours starts the next and aborts it. The
    // approval's Map runs its iterations concurrently, where neither applies.
    const events = await ourEvents(executionArn);
    const ending = (sequence: readonly ComparedEvent[]): unknown[] =>
      sequence
        .filter((event) => ['MapIterationFailed', 'MapStateFailed', 'ExecutionFailed'].includes(event.type))
        .map(({ id: _id, ...event }) => event);
    expect(ending(events)).toEqual(ending(withoutPreviousIds(recorded.events)));
    expect(described).toMatchObject({ error: 'SomeFailure', cause: "This state machines raises a 'SomeFailure' failure." });
  });

  it('aborts the other running iterations, each with the state it was in (test_service_lambda_map_timeout)', async () => {
    // Recorded with four Lambda tasks that all timed out at once: the first to fail gives
    // MapIterationFailed; between it and MapStateFailed come only TaskStateAborted and
    // MapIterationAborted events, each MapIterationAborted right after a TaskStateAborted (the
    // recording has one TaskStateAborted more than aborted iterations, from that race). Ours: four
    // activity tasks, the first failed by its worker while the others wait.
    const recorded = recording<RecordedHistory>('map-iteration-timeouts.json', 'test_service_lambda_map_timeout');
    const recordedTypes = recorded.events.map(({ type }) => type);
    const { activityArn } = await local.sfn.send(new CreateActivityCommand({ name: uniqueName('approval') }));
    if (activityArn === undefined) throw new Error('CreateActivity returned no ARN');
    const stateMachineArn = await createMachine({
      StartAt: 'MapWait',
      States: {
        MapWait: {
          Type: 'Map',
          ItemsPath: '$.Inputs',
          ItemProcessor: {
            ProcessorConfig: { Mode: 'INLINE' },
            StartAt: 'Ask',
            States: { Ask: { Type: 'Task', Resource: activityArn, End: true } },
          },
          End: true,
        },
      },
    });

    const executionArn = await start(stateMachineArn, { Inputs: ['a', 'b', 'c', 'd'] });
    const tokens: string[] = [];
    for (let poll = 0; poll < 20 && tokens.length < 4; poll++) {
      const { taskToken } = await local.sfn.send(new GetActivityTaskCommand({ activityArn }));
      if (taskToken !== undefined) tokens.push(taskToken);
    }
    const [first] = tokens;
    if (first === undefined || tokens.length < 4) throw new Error(`took ${tokens.length} of 4 tasks`);
    await local.sfn.send(new SendTaskFailureCommand({ taskToken: first, error: 'Rejected', cause: 'the first decision' }));
    await waitForStatus(executionArn, 'FAILED');

    const events = await ourEvents(executionArn);
    const types = events.map(({ type }) => type);
    for (const sequence of [recordedTypes, types]) {
      const between = sequence.slice(sequence.indexOf('MapIterationFailed') + 1, sequence.indexOf('MapStateFailed'));
      expect(new Set(between)).toEqual(new Set(['TaskStateAborted', 'MapIterationAborted']));
      between.forEach((type, index) => type === 'MapIterationAborted' && expect(between[index - 1]).toBe('TaskStateAborted'));
      expect(sequence.slice(-2)).toEqual(['MapStateFailed', 'ExecutionFailed']);
    }
    const startedEvents = (sequence: readonly ComparedEvent[]): ComparedEvent[] =>
      sequence.filter((event) => event.type === 'MapStateStarted');
    expect(startedEvents(events)).toEqual(startedEvents(withoutPreviousIds(recorded.events)));
    const aborted = events.filter((event) => event.type === 'MapIterationAborted');
    expect(aborted.map((event) => (event.mapIterationAbortedEventDetails as { index: number }).index).sort()).toEqual([1, 2, 3]);
    expect(events.at(-1)).toMatchObject({
      type: 'ExecutionFailed',
      executionFailedEventDetails: { error: 'Rejected', cause: 'the first decision' },
    });
  });
});
