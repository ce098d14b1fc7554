import {
  CreateActivityCommand,
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  type DescribeExecutionOutput,
  GetActivityTaskCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { type LocalStepFunctions, startLocalStepFunctions } from '../../local/step-functions/server';

/** Short, so an empty poll costs a second instead of a minute. */
export const POLL_HOLD_MS = 1_000;
export const ROLE_ARN = 'arn:aws:iam::123456789012:role/local-step-functions';
export const WORKER = 'conformance-worker';

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface Workflow {
  readonly activityArn: string;
  readonly stateMachineArn: string;
}

export interface WorkflowOptions {
  /** Fields added to the state Work; a Next replaces its End. */
  readonly task?: Record<string, unknown>;
  /** States added next to Work. */
  readonly states?: Record<string, unknown>;
  /** The execution's own timeout. */
  readonly timeoutSeconds?: number;
  /** @default 'Work' */
  readonly startAt?: string;
}

export interface TakenTask {
  readonly token: string;
  readonly input: unknown;
}

/** The local Step Functions endpoint of a test file, with the calls its tests make; valid inside tests and hooks. */
export interface LocalStepFunctionsUnderTest {
  readonly endpoint: LocalStepFunctions;
  /** An SDK client for the endpoint that never retries: a retried call would hide what the endpoint answered the first time. */
  readonly sfn: SFNClient;
  /** Every line the endpoint logged so far. */
  readonly logLines: readonly string[];
  readonly uniqueName: (prefix: string) => string;
  /** An activity and a machine whose state Work waits on it. */
  readonly workflow: (options?: WorkflowOptions) => Promise<Workflow>;
  readonly start: (stateMachineArn: string, input?: unknown, name?: string) => Promise<string>;
  /** Polls like a worker until a task comes (each poll held up to POLL_HOLD_MS). */
  readonly takeTask: (activityArn: string, polls?: number) => Promise<TakenTask>;
  readonly describeExecution: (executionArn: string) => Promise<DescribeExecutionOutput>;
  readonly waitForStatus: (executionArn: string, status: string, timeoutMs?: number) => Promise<DescribeExecutionOutput>;
  readonly history: (executionArn: string) => Promise<HistoryEvent[]>;
  readonly historyTypes: (executionArn: string) => Promise<string[]>;
  readonly succeed: (token: string, output: unknown) => Promise<unknown>;
  /** Posts a raw request, to check the protocol beneath the SDK. */
  readonly post: (target: string | undefined, body: string) => Promise<{ status: number; body: Record<string, unknown> }>;
}

/**
 * Starts the local Step Functions endpoint (on a free port, polls held {@link POLL_HOLD_MS}) before the
 * tests of the enclosing describe block (or file) and closes it after them. Its methods may be
 * destructured at describe level; `endpoint` and `sfn` are read inside tests.
 */
export function useLocalStepFunctions(): LocalStepFunctionsUnderTest {
  let endpoint: LocalStepFunctions | undefined;
  let client: SFNClient | undefined;
  const logLines: string[] = [];
  let names = 0;

  beforeAll(async () => {
    endpoint = await startLocalStepFunctions({ port: 0, activityPollHoldMs: POLL_HOLD_MS, log: (line) => logLines.push(line) });
    client = new SFNClient({
      endpoint: endpoint.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
  });

  afterAll(async () => {
    client?.destroy();
    await endpoint?.close();
  });

  const running = (): { endpoint: LocalStepFunctions; sfn: SFNClient } => {
    if (!endpoint || !client)
      throw new Error('The local Step Functions endpoint runs between beforeAll and afterAll only: use it inside a test or a hook.');
    return { endpoint, sfn: client };
  };
  const sfn = (): SFNClient => running().sfn;

  const uniqueName = (prefix: string): string => {
    names += 1;
    return `${prefix}-${names}`;
  };

  const workflow = async (options: WorkflowOptions = {}): Promise<Workflow> => {
    const { activityArn } = await sfn().send(new CreateActivityCommand({ name: uniqueName('activity') }));
    if (activityArn === undefined) throw new Error('CreateActivity returned no ARN');
    const task = options.task ?? {};
    const definition = {
      StartAt: options.startAt ?? 'Work',
      ...(options.timeoutSeconds === undefined ? {} : { TimeoutSeconds: options.timeoutSeconds }),
      States: { Work: { Type: 'Task', Resource: activityArn, ...('Next' in task ? {} : { End: true }), ...task }, ...options.states },
    };
    const { stateMachineArn } = await sfn().send(
      new CreateStateMachineCommand({ name: uniqueName('machine'), definition: JSON.stringify(definition), roleArn: ROLE_ARN }),
    );
    if (stateMachineArn === undefined) throw new Error('CreateStateMachine returned no ARN');
    return { activityArn, stateMachineArn };
  };

  const start = async (stateMachineArn: string, input: unknown = { request: 'r-1' }, name?: string): Promise<string> => {
    const { executionArn } = await sfn().send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input), name }));
    if (executionArn === undefined) throw new Error('StartExecution returned no ARN');
    return executionArn;
  };

  const takeTask = async (activityArn: string, polls = 5): Promise<TakenTask> => {
    for (let poll = 0; poll < polls; poll++) {
      const { taskToken, input } = await sfn().send(new GetActivityTaskCommand({ activityArn, workerName: WORKER }));
      if (taskToken !== undefined) return { token: taskToken, input: JSON.parse(input ?? 'null') };
    }
    throw new Error(`No task on ${activityArn} after ${polls} polls`);
  };

  const describeExecution = (executionArn: string): Promise<DescribeExecutionOutput> =>
    sfn().send(new DescribeExecutionCommand({ executionArn }));

  const waitForStatus = async (executionArn: string, status: string, timeoutMs = 5_000): Promise<DescribeExecutionOutput> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const execution = await describeExecution(executionArn);
      if (execution.status === status) return execution;
      if (Date.now() > deadline) throw new Error(`Execution is ${execution.status}, not ${status}, after ${timeoutMs} ms`);
      await sleep(20);
    }
  };

  const history = async (executionArn: string): Promise<HistoryEvent[]> => {
    const { events } = await sfn().send(new GetExecutionHistoryCommand({ executionArn }));
    return events ?? [];
  };

  const historyTypes = async (executionArn: string): Promise<string[]> => (await history(executionArn)).map((event) => event.type ?? '');

  const succeed = (token: string, output: unknown): Promise<unknown> =>
    sfn().send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) }));

  const post = async (target: string | undefined, body: string): Promise<{ status: number; body: Record<string, unknown> }> => {
    const response = await fetch(`${running().endpoint.url}/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.0', ...(target === undefined ? {} : { 'X-Amz-Target': target }) },
      body,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  return {
    get endpoint() {
      return running().endpoint;
    },
    get sfn() {
      return running().sfn;
    },
    logLines,
    uniqueName,
    workflow,
    start,
    takeTask,
    describeExecution,
    waitForStatus,
    history,
    historyTypes,
    succeed,
    post,
  };
}
