import { CreateStateMachineCommand } from '@aws-sdk/client-sfn';
import { ROLE_ARN, useLocalStepFunctions } from '../support/use-local-step-functions';
import { type Recording, recording } from './recordings';

/**
 * The JSON intrinsics the approval record is built with (States.JsonMerge, States.JsonToString,
 * States.StringToJson, nested) on our local endpoint, against the outputs AWS gave for the same
 * inputs. The recordings carry quotes (in strings, and escaped inside an intrinsic's string
 * literal); none carries a backslash inside a value given to JsonToString.
 */

const local = useLocalStepFunctions();
const { uniqueName, start, waitForStatus } = local;

const RECORDINGS = 'json-intrinsics.json';

interface RecordedCases extends Recording {
  readonly cases: readonly { readonly input: unknown; readonly output: unknown }[];
}

/** `{ FunctionInput: '' }` or only spaces: the two recorded inputs the local interpreter answers differently. */
function isBlankStringInput(input: unknown): boolean {
  const value = (input as { FunctionInput?: unknown }).FunctionInput;
  return typeof value === 'string' && value.trim() === '';
}

/** A machine whose one Pass state puts the expression's value under FunctionResult. */
async function machineComputing(expression: string): Promise<string> {
  const definition = {
    StartAt: 'Compute',
    States: { Compute: { Type: 'Pass', Parameters: { 'FunctionResult.$': expression }, End: true } },
  };
  const { stateMachineArn } = await local.sfn.send(
    new CreateStateMachineCommand({ name: uniqueName('intrinsic'), definition: JSON.stringify(definition), roleArn: ROLE_ARN }),
  );
  if (stateMachineArn === undefined) throw new Error('CreateStateMachine returned no ARN');
  return stateMachineArn;
}

async function outputOf(stateMachineArn: string, input: unknown): Promise<unknown> {
  const executionArn = await start(stateMachineArn, input);
  const described = await waitForStatus(executionArn, 'SUCCEEDED');
  return JSON.parse(described.output ?? 'null');
}

describe('JSON intrinsics, as recorded on AWS', () => {
  it.each([
    ['States.JsonToString($.FunctionInput)', 'test_json_to_string'],
    ['States.StringToJson($.FunctionInput)', 'test_string_to_json'],
    ['States.JsonMerge($.FunctionInput.fst, $.FunctionInput.snd, false)', 'test_json_merge'],
  ])('%s gives what AWS gave for every recorded input (%s)', async (expression, test) => {
    const recorded = recording<RecordedCases>(RECORDINGS, test);
    const cases = recorded.cases.filter(({ input }) => !isBlankStringInput(input));
    const stateMachineArn = await machineComputing(expression);

    const outputs: unknown[] = [];
    for (const { input } of cases) outputs.push(await outputOf(stateMachineArn, input));

    expect(outputs).toEqual(cases.map(({ output }) => output));
  });

  it('States.StringToJson of an empty or blank string: AWS gives null, the local interpreter fails (a known difference)', async () => {
    const recorded = recording<RecordedCases>(RECORDINGS, 'test_string_to_json');
    const blank = recorded.cases.filter(({ input }) => isBlankStringInput(input));
    const stateMachineArn = await machineComputing('States.StringToJson($.FunctionInput)');

    expect(blank.map(({ output }) => output)).toEqual([{ FunctionResult: null }, { FunctionResult: null }]);
    for (const { input } of blank) {
      const executionArn = await start(stateMachineArn, input);
      // The intrinsic lives in aws-local-stepfunctions (patches/); no execution of ours gives it a blank string.
      await expect(waitForStatus(executionArn, 'FAILED')).resolves.toMatchObject({ error: 'SyntaxError' });
    }
  });

  it('merges an object parsed from a literal with escaped quotes, the later object winning (test_json_merge_escaped_argument)', async () => {
    const recorded = recording<RecordedCases>(RECORDINGS, 'test_json_merge_escaped_argument');
    const [only] = recorded.cases;
    if (only === undefined) throw new Error('the recording has no case');
    // Nested intrinsics over the execution input, the shape the approval record's merge takes. The
    // recorded definition escapes the literal's quotes for JSON (\"), so the expression itself holds plain quotes.
    const definition = {
      StartAt: 'Merge',
      States: {
        Merge: {
          Type: 'Pass',
          Parameters: {
            'merged.$': `States.JsonMerge(States.StringToJson('{"constant_in_literal": "false"}'), $$.Execution.Input.input_field, false)`,
          },
          OutputPath: '$.merged',
          End: true,
        },
      },
    };
    const { stateMachineArn } = await local.sfn.send(
      new CreateStateMachineCommand({ name: uniqueName('merge'), definition: JSON.stringify(definition), roleArn: ROLE_ARN }),
    );
    if (stateMachineArn === undefined) throw new Error('CreateStateMachine returned no ARN');

    expect(await outputOf(stateMachineArn, only.input)).toEqual(only.output);
  });
});
