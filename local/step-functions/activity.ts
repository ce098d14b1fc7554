import type { ActivityTask } from './activity-task';

/** A GetActivityTask request held open until a task comes or its hold ends. */
export interface HeldPoll {
  /** Hands the task to the poll's worker; false when that worker has gone, so the task goes to the next one. */
  deliver(task: ActivityTask): boolean;
  /** Answers the poll with no task. */
  end(): void;
}

/** An activity: the tasks waiting for a worker, first scheduled first taken, and the polls waiting for a task. */
export class Activity {
  private readonly waitingTasks: ActivityTask[] = [];
  private readonly heldPolls: HeldPoll[] = [];

  constructor(
    readonly arn: string,
    readonly name: string,
    readonly creationDate: Date,
  ) {}

  /** A new task goes to the longest-held poll whose worker is still there, or waits in line. */
  offer(task: ActivityTask): void {
    for (let poll = this.heldPolls.shift(); poll !== undefined; poll = this.heldPolls.shift()) {
      if (poll.deliver(task)) return;
    }
    this.waitingTasks.push(task);
  }

  /** The oldest task still waiting for a worker. */
  take(): ActivityTask | undefined {
    for (let task = this.waitingTasks.shift(); task !== undefined; task = this.waitingTasks.shift()) {
      if (task.status === 'SCHEDULED') return task;
    }
    return undefined;
  }

  /** A task closed before any worker took it (its execution stopped): nobody gets it. */
  withdraw(task: ActivityTask): void {
    const index = this.waitingTasks.indexOf(task);
    if (index >= 0) this.waitingTasks.splice(index, 1);
  }

  hold(poll: HeldPoll): void {
    this.heldPolls.push(poll);
  }

  release(poll: HeldPoll): void {
    const index = this.heldPolls.indexOf(poll);
    if (index >= 0) this.heldPolls.splice(index, 1);
  }

  /** Answers every held poll with no task (the activity was deleted or the endpoint is closing). */
  endHeldPolls(): void {
    for (const poll of this.heldPolls.splice(0)) poll.end();
  }
}
