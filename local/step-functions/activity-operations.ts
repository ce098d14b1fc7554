import type {
  CreateActivityInput,
  CreateActivityOutput,
  DeleteActivityInput,
  DeleteActivityOutput,
  DescribeActivityInput,
  DescribeActivityOutput,
  GetActivityTaskInput,
  GetActivityTaskOutput,
  ListActivitiesInput,
  ListActivitiesOutput,
  SendTaskFailureInput,
  SendTaskFailureOutput,
  SendTaskHeartbeatInput,
  SendTaskHeartbeatOutput,
  SendTaskSuccessInput,
  SendTaskSuccessOutput,
} from '@aws-sdk/client-sfn';
import { Activity, type HeldPoll } from './activity';
import { ActivityTask } from './activity-task';
import { activityArn, type ArnScope, parseArn } from './arns';
import type { TokenTask } from './callback-task';
import { StepFunctionsApiError } from './errors';
import type { ActivityTaskRequest, ExecutionRun } from './execution';
import { StatesRuntimeError } from './interpreter';
import { MAX_CAUSE_LENGTH } from '../../statemachine/step-functions-limits';
import { MAX_ARN_LENGTH, MAX_ERROR_LENGTH, MAX_NEXT_TOKEN_LENGTH, MAX_PAYLOAD_BYTES } from './limits';
import { MAX_PAGE_SIZE, paginate } from './pagination';
import { optionalInteger, optionalString, parseJson, requiredString, resourceName } from './request-fields';
import { stateErrorCause } from './state-error-cause';
import { isWellFormedTaskToken, MAX_TASK_TOKEN_LENGTH } from './task-token';

export interface ActivityOperationsOptions {
  readonly scope: ArnScope;
  /** How long GetActivityTask holds a request when no task waits. */
  readonly activityPollHoldMs: number;
  readonly log: (line: string) => void;
  /** True once the engine is closing: from then on a poll answers at once with no task. */
  readonly isClosing: () => boolean;
}

export interface GetActivityTaskOptions {
  /** Abort when the caller has gone: a held poll then ends without taking a task. */
  readonly signal?: AbortSignal;
}

/**
 * The activities of the endpoint, the tasks scheduled on them and the operations workers use:
 * CreateActivity, DescribeActivity, ListActivities, DeleteActivity, GetActivityTask (a real long
 * poll) and SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat by task token.
 */
export class ActivityOperations {
  private readonly activities = new Map<string, Activity>();
  /** Activity tasks and the callback tasks of `.waitForTaskToken` states: SendTask* answers either by its token. */
  private readonly tasksByToken = new Map<string, TokenTask>();

  constructor(private readonly options: ActivityOperationsOptions) {}

  createActivity(input: CreateActivityInput): CreateActivityOutput {
    const name = resourceName(input, 'name');
    const arn = activityArn(this.options.scope, name);
    let activity = this.activities.get(arn);
    if (activity === undefined) {
      activity = new Activity(arn, name, new Date());
      this.activities.set(arn, activity);
      this.options.log(`activity ${name} created`);
    }
    return { activityArn: arn, creationDate: activity.creationDate };
  }

  describeActivity(input: DescribeActivityInput): DescribeActivityOutput {
    const activity = this.activity(requiredString(input, 'activityArn', { max: MAX_ARN_LENGTH }));
    return { activityArn: activity.arn, name: activity.name, creationDate: activity.creationDate };
  }

  listActivities(input: ListActivitiesInput): ListActivitiesOutput {
    const page = paginate(
      [...this.activities.values()],
      'activities',
      optionalInteger(input, 'maxResults', 0, MAX_PAGE_SIZE),
      optionalString(input, 'nextToken', { min: 1, max: MAX_NEXT_TOKEN_LENGTH }),
    );
    return {
      activities: page.items.map((activity) => ({ activityArn: activity.arn, name: activity.name, creationDate: activity.creationDate })),
      ...(page.nextToken === undefined ? {} : { nextToken: page.nextToken }),
    };
  }

  deleteActivity(input: DeleteActivityInput): DeleteActivityOutput {
    const arn = requiredString(input, 'activityArn', { max: MAX_ARN_LENGTH });
    parseArn(arn, 'activity');
    const activity = this.activities.get(arn);
    if (activity !== undefined) {
      this.activities.delete(arn);
      activity.endHeldPolls();
      this.options.log(`activity ${activity.name} deleted`);
    }
    return {};
  }

  /**
   * A Task state of an execution reached its activity: the task goes to the longest-held poll, or
   * waits for the next one. Throws StatesRuntimeError when the activity does not exist.
   */
  scheduleTask(execution: ExecutionRun, request: ActivityTaskRequest): ActivityTask {
    const activity = this.activities.get(request.activityArn);
    if (activity === undefined) {
      // The cause AWS gives (recorded by LocalStack, test_activity_task_on_deleted).
      const entered = execution.history.lastEnteredEventId(request.stateName);
      throw new StatesRuntimeError(
        stateErrorCause({ name: request.stateName, enteredEventId: entered }, `The activity ${request.activityArn} does not exist.`),
      );
    }
    const task = ActivityTask.schedule({
      ...request,
      executionName: execution.name,
      history: execution.history,
      log: this.options.log,
      onClosed: (closed) => {
        activity.withdraw(closed);
        execution.taskClosed(closed);
      },
    });
    this.tasksByToken.set(task.token, task);
    execution.taskOpened(task);
    activity.offer(task);
    return task;
  }

  /** A `.waitForTaskToken` Task state's task, from now on answerable with SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat. */
  registerCallbackTask(task: TokenTask): void {
    this.tasksByToken.set(task.token, task);
  }

  /**
   * A long poll: answers at once when a task waits, otherwise holds until a task is scheduled
   * (handing it over at that moment) or the poll hold passes, then answers `{}`.
   * A poll whose signal aborted is never handed a task.
   */
  getActivityTask(input: GetActivityTaskInput, options: GetActivityTaskOptions = {}): Promise<GetActivityTaskOutput> {
    const activity = this.activity(requiredString(input, 'activityArn', { max: MAX_ARN_LENGTH }));
    const workerName = optionalString(input, 'workerName', { min: 1, max: 80 });
    const { signal } = options;
    if (this.options.isClosing() || signal?.aborted) return Promise.resolve({});
    const waiting = activity.take();
    if (waiting !== undefined) {
      waiting.start(workerName);
      return Promise.resolve({ taskToken: waiting.token, input: waiting.inputText });
    }
    return new Promise<GetActivityTaskOutput>((resolve) => {
      const answer = (output: GetActivityTaskOutput): void => {
        clearTimeout(holdTimer);
        signal?.removeEventListener('abort', onAbort);
        resolve(output);
      };
      const poll: HeldPoll = {
        deliver: (task) => {
          if (signal?.aborted) {
            answer({});
            return false;
          }
          task.start(workerName);
          answer({ taskToken: task.token, input: task.inputText });
          return true;
        },
        end: () => answer({}),
      };
      const onAbort = (): void => {
        activity.release(poll);
        answer({});
      };
      const holdTimer = setTimeout(() => {
        activity.release(poll);
        answer({});
      }, this.options.activityPollHoldMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      activity.hold(poll);
    });
  }

  sendTaskSuccess(input: SendTaskSuccessInput): SendTaskSuccessOutput {
    const token = requiredString(input, 'taskToken', { max: MAX_TASK_TOKEN_LENGTH, secret: true });
    const output = requiredString(input, 'output', { min: 0, max: MAX_PAYLOAD_BYTES, bytes: true });
    const task = this.openTask(token);
    const parsed = parseJson(output);
    if (!parsed.ok) throw new StepFunctionsApiError('InvalidOutput', `Invalid Output: the output is not valid JSON (${parsed.reason}).`);
    task.succeed(parsed.value, output);
    return {};
  }

  sendTaskFailure(input: SendTaskFailureInput): SendTaskFailureOutput {
    const token = requiredString(input, 'taskToken', { max: MAX_TASK_TOKEN_LENGTH, secret: true });
    const error = optionalString(input, 'error', { max: MAX_ERROR_LENGTH });
    const cause = optionalString(input, 'cause', { max: MAX_CAUSE_LENGTH });
    this.openTask(token).fail(error, cause);
    return {};
  }

  sendTaskHeartbeat(input: SendTaskHeartbeatInput): SendTaskHeartbeatOutput {
    const token = requiredString(input, 'taskToken', { max: MAX_TASK_TOKEN_LENGTH, secret: true });
    this.openTask(token).heartbeat();
    return {};
  }

  /** Answers every held poll of every activity with no task. */
  endHeldPolls(): void {
    for (const activity of this.activities.values()) activity.endHeldPolls();
  }

  private activity(arn: string): Activity {
    parseArn(arn, 'activity');
    const activity = this.activities.get(arn);
    if (activity === undefined) throw new StepFunctionsApiError('ActivityDoesNotExist', `Activity Does Not Exist: '${arn}'`);
    return activity;
  }

  /** The open task of a token, or the refusal the service gives for that token. Messages never repeat the token. */
  private openTask(token: string): TokenTask {
    const task = isWellFormedTaskToken(token) ? this.tasksByToken.get(token) : undefined;
    if (task === undefined) throw new StepFunctionsApiError('InvalidToken', 'Invalid Token: this endpoint never issued that task token.');
    if (task.status === 'TIMED_OUT') throw new StepFunctionsApiError('TaskTimedOut', 'Task Timed Out: the task of this token timed out.');
    if (!task.isOpen) throw new StepFunctionsApiError('TaskDoesNotExist', 'Task Does Not Exist: the task of this token is closed.');
    return task;
  }
}
