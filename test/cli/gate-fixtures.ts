import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient, type DescribeExecutionCommandOutput, type HistoryEvent, type HistoryEventType } from '@aws-sdk/client-sfn';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { Readable } from 'node:stream';
import { defaultDependencies, runApprovalCli } from '../../cli/approval';
import type { WaitDependencies } from '../../cli/wait-for-outcome';
import { STACK_OUTPUTS } from '../../infra/stack-outputs';

/**
 * Fixtures of the CLI's approval-gate tests (several approvers, `status` per approver, `wait` and
 * `start --wait`): a runner with a fake clock and terminal, and execution histories shaped as
 * Step Functions writes them (ActivityStarted points back to its ActivityScheduled, the closing event to its ActivityStarted).
 */

export const ACCOUNT = '123456789012';
export const STATE_MACHINE_ARN = `arn:aws:states:eu-west-1:${ACCOUNT}:stateMachine:HumanApproval`;
export const ACTIVITY_ARN = `arn:aws:states:eu-west-1:${ACCOUNT}:activity:HumanApproval-ManualApproval`;
export const executionArn = (name: string) => `arn:aws:states:eu-west-1:${ACCOUNT}:execution:HumanApproval:${name}`;
export const STARTED = new Date('2026-11-21T10:00:00.000Z');
export const at = (seconds: number) => new Date(STARTED.getTime() + seconds * 1_000);

export const ANA = 'ana@example.com';
export const BEN = 'ben@example.com';
export const DAY = 86_400;

export type ExecutionDescription = Omit<DescribeExecutionCommandOutput, '$metadata'>;

export function record(decision: 'approved' | 'rejected', decidedAt: string, extra: Record<string, string> = {}) {
  return {
    decision,
    decidedAt,
    sourceIp: '203.0.113.9',
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0',
    requestId: `req-${decision}-${decidedAt.slice(12, 20).replaceAll(':', '')}`,
    ...extra,
  };
}

export interface GeneralInput {
  readonly approvers: readonly string[];
  readonly policy: 'any' | 'all';
  readonly subject: string;
  readonly details: Readonly<Record<string, string>>;
  readonly requester: string;
}

export function generalInput(policy: 'any' | 'all', approvers: readonly string[] = [ANA, BEN]): GeneralInput {
  return { approvers, policy, subject: 'Deploy release 42', details: { Release: '42' }, requester: 'dev@example.com' };
}

/** What CheckRequest returns for `input`, and what every task carries. */
function normalized(input: GeneralInput) {
  return { approvers: input.approvers, policy: input.policy, subject: input.subject, details: input.details, requester: input.requester };
}

export function running(name: string, input: object): ExecutionDescription {
  return {
    executionArn: executionArn(name),
    name,
    stateMachineArn: STATE_MACHINE_ARN,
    status: 'RUNNING',
    startDate: STARTED,
    input: JSON.stringify(input),
  };
}

export function succeeded(name: string, input: object, approval: object): ExecutionDescription {
  return { ...running(name, input), status: 'SUCCEEDED', stopDate: at(300), output: JSON.stringify({ ...input, approval }) };
}

export function failed(name: string, input: object, error: string, cause: string): ExecutionDescription {
  return { ...running(name, input), status: 'FAILED', stopDate: at(300), error, cause };
}

export interface TaskSettings {
  readonly reminderCount: number;
  readonly reminderIntervalSeconds: number;
}

/**
 * An execution history as Step Functions writes it: ids in order, each activity event tied to its
 * task through previousEventId (Started -> Scheduled, an ending -> Started), the Map iterations of
 * the approvers interleaved.
 */
export class History {
  readonly events: HistoryEvent[] = [];
  private readonly task: TaskSettings;

  constructor(
    private readonly input: GeneralInput,
    task: Partial<TaskSettings> = {},
  ) {
    this.task = { reminderCount: 2, reminderIntervalSeconds: DAY, ...task };
    const started = this.add('ExecutionStarted', 0, 0, {
      executionStartedEventDetails: { input: JSON.stringify(input), roleArn: `arn:aws:iam::${ACCOUNT}:role/approval` },
    });
    const entered = this.add('TaskStateEntered', started, 0, { stateEnteredEventDetails: { name: 'CheckRequest', input: '{}' } });
    const check = this.add('LambdaFunctionSucceeded', entered, 0, {
      lambdaFunctionSucceededEventDetails: { output: JSON.stringify({ Payload: { valid: true, request: normalized(input) } }) },
    });
    this.add('MapStateEntered', check, 0, { stateEnteredEventDetails: { name: 'AskApprovers', input: '{}' } });
    input.approvers.forEach((_approver, index) =>
      this.add('MapIterationStarted', check, 0, { mapIterationStartedEventDetails: { name: 'AskApprovers', index } }),
    );
  }

  private add(type: HistoryEventType, previousEventId: number, seconds: number, details: Partial<HistoryEvent> = {}): number {
    const id = this.events.length + 1;
    this.events.push({ id, previousEventId, type, timestamp: at(seconds), ...details });
    return id;
  }

  /** ManualApproval entered and its task scheduled for `approver`; returns the ActivityScheduled id. */
  scheduled(approver: string, attempt: number, seconds: number): number {
    const entered = this.add('TaskStateEntered', this.events.length, seconds, {
      stateEnteredEventDetails: { name: 'ManualApproval', input: '{}' },
    });
    const taskInput = { request: normalized(this.input), approver, attempt, ...this.task, executionName: 'release-42' };
    return this.add('ActivityScheduled', entered, seconds, {
      activityScheduledEventDetails: {
        resource: ACTIVITY_ARN,
        input: JSON.stringify(taskInput),
        inputDetails: { truncated: false },
        timeoutInSeconds: this.task.reminderIntervalSeconds,
      },
    });
  }

  /** The worker took the task: the email goes out. Returns the ActivityStarted id. */
  started(scheduledId: number, seconds: number): number {
    return this.add('ActivityStarted', scheduledId, seconds, { activityStartedEventDetails: { workerName: 'approval-worker' } });
  }

  /** Approve: the API's SendTaskSuccess with the record (without approver: the state machine adds it). */
  approved(startedId: number, seconds: number, decision: object): number {
    return this.add('ActivitySucceeded', startedId, seconds, {
      activitySucceededEventDetails: { output: JSON.stringify(decision), outputDetails: { truncated: false } },
    });
  }

  /** Reject: SendTaskFailure, error Rejected, the record as cause. Also worker failures. */
  failed(startedId: number, seconds: number, error: string, cause: string): number {
    return this.add('ActivityFailed', startedId, seconds, { activityFailedEventDetails: { error, cause } });
  }

  /** The reminder interval ran out. */
  timedOut(startedId: number, seconds: number): number {
    return this.add('ActivityTimedOut', startedId, seconds, { activityTimedOutEventDetails: { error: 'States.Timeout' } });
  }

  /** A copy of the events so far: one scripted GetExecutionHistory answer. */
  snapshot(): HistoryEvent[] {
    return this.events.map((event) => ({ ...event }));
  }
}

export function deployedStack(cfnMock: AwsClientStub<CloudFormationClient>): void {
  cfnMock.on(DescribeStacksCommand, { StackName: 'HumanApproval' }).resolves({
    Stacks: [
      {
        StackName: 'HumanApproval',
        StackStatus: 'CREATE_COMPLETE',
        CreationTime: STARTED,
        Outputs: [{ OutputKey: STACK_OUTPUTS.stateMachineArn, OutputValue: STATE_MACHINE_ARN }],
      },
    ],
  });
}

export interface RunOptions {
  /** A terminal of this width; without, stdout is not a terminal. */
  readonly ttyColumns?: number;
  /** Ctrl-C during this sleep (1 = the first). */
  readonly interruptAtSleep?: number;
  readonly env?: Record<string, string | undefined>;
  /** What standard input holds; without, it is empty. */
  readonly stdin?: string | Buffer;
}

export interface GateRun {
  readonly code: number;
  /** The lines printed with line breaks. */
  readonly stdout: string;
  readonly stderr: string;
  /** Everything stdout got, in order: lines and the progress line's raw writes. */
  readonly transcript: string;
  /** The pauses between polls, in milliseconds. */
  readonly sleeps: number[];
  /** Whether a Ctrl-C listener was left behind. */
  readonly listening: boolean;
}

/**
 * Runs the CLI with a fake clock: each sleep moves the clock on at once, so a wait of days takes
 * no time and no real timer runs.
 */
export async function runGate(args: string[], options: RunOptions = {}): Promise<GateRun> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const transcript: string[] = [];
  const sleeps: number[] = [];
  let clock = STARTED.getTime();
  let interrupt: (() => void) | undefined;
  const waiting: WaitDependencies = {
    now: () => new Date(clock),
    sleep: async (milliseconds) => {
      sleeps.push(milliseconds);
      clock += milliseconds;
      if (sleeps.length === options.interruptAtSleep) interrupt?.();
      await Promise.resolve();
    },
    onInterrupt: (listener) => {
      interrupt = listener;
      return () => {
        interrupt = undefined;
      };
    },
    stdoutIsTTY: () => options.ttyColumns !== undefined,
    stdoutColumns: () => options.ttyColumns,
    writeStdout: (text) => transcript.push(text),
  };
  const code = await runApprovalCli(args, {
    ...defaultDependencies(),
    output: {
      stdout: (text) => {
        stdout.push(text);
        transcript.push(`${text}\n`);
      },
      stderr: (text) => stderr.push(text),
    },
    waiting,
    stdin: Readable.from([options.stdin ?? '']),
    env: options.env ?? {},
    createSfnClient: (config) => new SFNClient(config),
    createCloudFormationClient: (config) => new CloudFormationClient(config),
    createDynamoDbClient: (config) => new DynamoDBClient(config),
    defaultStackName: 'HumanApproval',
  });
  return {
    code,
    stdout: stdout.join('\n'),
    stderr: stderr.join('\n'),
    transcript: transcript.join(''),
    sleeps,
    listening: interrupt !== undefined,
  };
}
