/**
 * The reminder rules, read by the email (what it tells the approver) and by the CLI (what
 * `approval status` and `wait` show). Attempt 1 is the first email, attempt N + 1 is reminder N,
 * and each attempt's links work for one reminder interval from when the worker took its task (the
 * activity's TimeoutSeconds); when the last one, reminder `reminderCount`, runs out, the request
 * expires.
 */

export interface ReminderTiming {
  /** 1 for the first email, 2 for the first reminder, and so on. */
  readonly attempt: number;
  readonly reminderCount: number;
  readonly reminderIntervalSeconds: number;
}

/** 0 for the first email, then 1, 2, ... */
function reminderNumber(attempt: number): number {
  return attempt - 1;
}

/**
 * "reminder 2 of 3" for attempt 3, undefined for the first email (which is no reminder). Without
 * `reminderCount` (an old history that does not say it), only "reminder 2".
 */
export function reminderLabel(attempt: number, reminderCount: number | undefined): string | undefined {
  const reminder = reminderNumber(attempt);
  if (reminder < 1) return undefined;
  return reminderCount === undefined ? `reminder ${reminder}` : `reminder ${reminder} of ${reminderCount}`;
}

/** True for the last attempt: when its links run out, the request expires instead of reminding again. */
export function isLastAttempt(attempt: number, reminderCount: number): boolean {
  return attempt > reminderCount;
}

/** Until when this attempt's links work: one interval after its task was taken. */
export function linksValidUntil(takenAt: Date, timing: Pick<ReminderTiming, 'reminderIntervalSeconds'>): Date {
  return new Date(takenAt.getTime() + timing.reminderIntervalSeconds * 1_000);
}

/**
 * When the request expires if nobody answers: this attempt's interval, then one per reminder still
 * to come (each taken as soon as the last ran out). Never before this attempt's links run out.
 */
export function expiresAt(takenAt: Date, timing: ReminderTiming): Date {
  const attemptsLeft = Math.max(1, timing.reminderCount + 2 - timing.attempt);
  return new Date(takenAt.getTime() + attemptsLeft * timing.reminderIntervalSeconds * 1_000);
}
