import {
  CreateStateMachineCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  InvalidArn,
  InvalidDefinition,
  InvalidExecutionInput,
  ListExecutionsCommand,
  StartExecutionCommand,
  StateMachineAlreadyExists,
  StateMachineDoesNotExist,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { ROLE_ARN, WORKER, useLocalStepFunctions } from '../support/use-local-step-functions';

const local = useLocalStepFunctions();
const { uniqueName, workflow, start, takeTask, describeExecution, waitForStatus, history, succeed, post } = local;

describe('DescribeExecution, ListExecutions and GetExecutionHistory', () => {
  it('describe an approve flow', async () => {
    const { activityArn, stateMachineArn } = await workflow({
      startAt: 'Prepare',
      task: { TimeoutSeconds: 60, ResultPath: '$.decision', Next: 'Approved' },
      states: { Prepare: { Type: 'Pass', Result: 1, ResultPath: '$.attempt', Next: 'Work' }, Approved: { Type: 'Succeed' } },
    });
    const approved = await start(stateMachineArn, { request: 'first' }, 'approved-request');
    const task = await takeTask(activityArn);
    await succeed(task.token, { decision: 'approved' });
    await waitForStatus(approved, 'SUCCEEDED');
    const pending = await start(stateMachineArn, { request: 'second' }, 'pending-request');

    // DescribeExecution API reference: the execution's ARN, name, status, input, output, startDate and stopDate.
    const description = await describeExecution(approved);
    expect(description).toMatchObject({
      executionArn: approved,
      stateMachineArn,
      name: 'approved-request',
      status: 'SUCCEEDED',
      input: JSON.stringify({ request: 'first' }),
      output: JSON.stringify({ request: 'first', attempt: 1, decision: { decision: 'approved' } }),
    });
    expect(description.startDate).toBeInstanceOf(Date);
    expect(description.stopDate?.getTime()).toBeGreaterThanOrEqual(description.startDate?.getTime() ?? Infinity);
    expect(task.input).toEqual({ request: 'first', attempt: 1 });

    const list = async (statusFilter?: 'RUNNING' | 'SUCCEEDED'): Promise<string[]> =>
      ((await local.sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter }))).executions ?? []).map(
        (execution) => execution.name ?? '',
      );
    // ListExecutions API reference: results are sorted by time, the most recent execution first; statusFilter; nextToken pages.
    expect(await list()).toEqual(['pending-request', 'approved-request']);
    expect(await list('SUCCEEDED')).toEqual(['approved-request']);
    expect(await list('RUNNING')).toEqual(['pending-request']);
    const firstPage = await local.sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 1 }));
    const secondPage = await local.sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 1, nextToken: firstPage.nextToken }));
    expect([...(firstPage.executions ?? []), ...(secondPage.executions ?? [])].map((execution) => execution.name)).toEqual([
      'pending-request',
      'approved-request',
    ]);
    expect(secondPage.nextToken).toBeUndefined();

    // HistoryEvent data type (API reference): id, previousEventId, timestamp and per-type details. Assumption (not found in the AWS docs): the exact event list.
    const events = await history(approved);
    expect(events.map((event) => event.type)).toEqual([
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      'TaskStateEntered',
      'ActivityScheduled',
      'ActivityStarted',
      'ActivitySucceeded',
      'TaskStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events.map((event) => event.id)).toEqual(events.map((_event, index) => index + 1));
    // The first state follows from nothing (previousEventId 0), as in the histories recorded on AWS (test/conformance/).
    expect(events.map((event) => event.previousEventId)).toEqual(events.map((_event, index) => (index === 1 ? 0 : index)));
    expect(events.every((event) => event.timestamp instanceof Date)).toBe(true);
    const byType = (type: string): HistoryEvent | undefined => events.find((event) => event.type === type);
    expect(byType('ExecutionStarted')?.executionStartedEventDetails).toMatchObject({
      input: JSON.stringify({ request: 'first' }),
      roleArn: ROLE_ARN,
    });
    expect(byType('TaskStateEntered')?.stateEnteredEventDetails).toMatchObject({
      name: 'Work',
      input: JSON.stringify({ request: 'first', attempt: 1 }),
    });
    expect(byType('ActivityScheduled')?.activityScheduledEventDetails).toMatchObject({ resource: activityArn, timeoutInSeconds: 60 });
    expect(byType('ActivityStarted')?.activityStartedEventDetails).toEqual({ workerName: WORKER });
    expect(byType('ActivitySucceeded')?.activitySucceededEventDetails).toMatchObject({ output: JSON.stringify({ decision: 'approved' }) });
    expect(byType('ExecutionSucceeded')?.executionSucceededEventDetails).toMatchObject({ output: description.output });

    // GetExecutionHistory API reference: ascending by timestamp, reverseOrder for the latest first, maxResults and nextToken pages.
    const reversed = await local.sfn.send(new GetExecutionHistoryCommand({ executionArn: approved, reverseOrder: true }));
    expect(reversed.events?.map((event) => event.id)).toEqual(events.map((event) => event.id).reverse());
    const pages: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await local.sfn.send(new GetExecutionHistoryCommand({ executionArn: approved, maxResults: 4, nextToken }));
      pages.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
    expect(pages).toEqual(events);

    await local.sfn.send(new StopExecutionCommand({ executionArn: pending }));
  });
});

describe('refusals', () => {
  it('answers with the error the SDK knows', async () => {
    const { stateMachineArn } = await workflow();
    const unknownMachine = stateMachineArn.replace(/machine-\d+$/, 'no-such-machine');
    // Errors sections of the StartExecution and DescribeExecution API references: StateMachineDoesNotExist, ExecutionDoesNotExist, InvalidArn, InvalidExecutionInput.
    await expect(start(unknownMachine)).rejects.toBeInstanceOf(StateMachineDoesNotExist);
    await expect(describeExecution(`${stateMachineArn.replace(':stateMachine:', ':execution:')}:never-started`)).rejects.toBeInstanceOf(
      ExecutionDoesNotExist,
    );
    await expect(describeExecution('arn:aws:states:us-east-1:123456789012:nonsense')).rejects.toBeInstanceOf(InvalidArn);
    await expect(describeExecution(stateMachineArn)).rejects.toBeInstanceOf(InvalidArn);
    await expect(local.sfn.send(new StartExecutionCommand({ stateMachineArn, input: '{not json' }))).rejects.toBeInstanceOf(
      InvalidExecutionInput,
    );
  });

  it('refuses a second execution of the same name unless it is the same running request', async () => {
    const { stateMachineArn } = await workflow();
    const first = await start(stateMachineArn, { request: 'a' }, 'same-name');

    // StartExecution API reference, name: the same name and input while open succeeds; another input, or a closed execution, is ExecutionAlreadyExists.
    await expect(start(stateMachineArn, { request: 'a' }, 'same-name')).resolves.toBe(first);
    await expect(start(stateMachineArn, { request: 'b' }, 'same-name')).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    await local.sfn.send(new StopExecutionCommand({ executionArn: first }));
    await expect(start(stateMachineArn, { request: 'a' }, 'same-name')).rejects.toBeInstanceOf(ExecutionAlreadyExists);
  });

  it('checks definitions and keeps CreateStateMachine idempotent', async () => {
    const create = (name: string, definition: string): Promise<unknown> =>
      local.sfn.send(new CreateStateMachineCommand({ name, definition, roleArn: ROLE_ARN }));
    const pass = JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Pass', End: true } } });
    const name = uniqueName('machine');

    // CreateStateMachine API reference: InvalidDefinition; idempotent for the same name and definition; StateMachineAlreadyExists for another definition.
    await expect(create(uniqueName('machine'), '{"StartAt": ')).rejects.toBeInstanceOf(InvalidDefinition);
    await expect(
      create(uniqueName('machine'), JSON.stringify({ StartAt: 'Missing', States: { A: { Type: 'Pass', End: true } } })),
    ).rejects.toBeInstanceOf(InvalidDefinition);
    const first = await local.sfn.send(new CreateStateMachineCommand({ name, definition: pass, roleArn: ROLE_ARN }));
    const again = await local.sfn.send(new CreateStateMachineCommand({ name, definition: pass, roleArn: ROLE_ARN }));
    expect(again.stateMachineArn).toBe(first.stateMachineArn);
    await expect(create(name, JSON.stringify({ StartAt: 'B', States: { B: { Type: 'Succeed' } } }))).rejects.toBeInstanceOf(
      StateMachineAlreadyExists,
    );
  });

  it('speaks the JSON 1.0 protocol errors', async () => {
    // Assumption (not found in the AWS docs): the __type and message texts of these JSON 1.0 protocol errors (UnknownOperation, Serialization, Validation).
    const unknown = await post('AWSStepFunctions.MakeCoffee', '{}');
    expect(unknown.status).toBe(400);
    expect(unknown.body.__type).toMatch(/#UnknownOperationException$/);

    const garbled = await post('AWSStepFunctions.DescribeExecution', '{"executionArn": ');
    expect(garbled.status).toBe(400);
    expect(garbled.body.__type).toMatch(/#SerializationException$/);

    const missing = await post('AWSStepFunctions.DescribeExecution', '{}');
    expect(missing).toEqual({
      status: 400,
      body: {
        __type: 'com.amazonaws.swf.service.v2.model#ValidationException',
        message: "1 validation error detected: Value null at 'executionArn' failed to satisfy constraint: Member must not be null",
      },
    });
  });
});
