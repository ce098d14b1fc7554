import { expect } from '@jest/globals';
import { expiresAt, isLastAttempt, linksValidUntil, reminderLabel } from '../../functions/commons/reminders';

const TAKEN = new Date('2026-11-21T10:00:00Z');
const HOUR = 3_600;

describe('the reminder rules', () => {
  it('names reminders from the second email on, with their count when known', () => {
    expect(reminderLabel(1, 3)).toBeUndefined();
    expect(reminderLabel(2, 3)).toBe('reminder 1 of 3');
    expect(reminderLabel(4, 3)).toBe('reminder 3 of 3');
    expect(reminderLabel(3, undefined)).toBe('reminder 2');
  });

  it('the last attempt is reminder reminderCount, or the first email when there are none', () => {
    expect([1, 2, 3, 4].map((attempt) => isLastAttempt(attempt, 3))).toEqual([false, false, false, true]);
    expect(isLastAttempt(1, 0)).toBe(true);
  });

  it('links work one interval; the request expires when the last reminder runs out', () => {
    const timing = { reminderCount: 2, reminderIntervalSeconds: HOUR };

    expect(linksValidUntil(TAKEN, timing).toISOString()).toBe('2026-11-21T11:00:00.000Z');
    expect(expiresAt(TAKEN, { ...timing, attempt: 1 }).toISOString()).toBe('2026-11-21T13:00:00.000Z');
    expect(expiresAt(TAKEN, { ...timing, attempt: 2 }).toISOString()).toBe('2026-11-21T12:00:00.000Z');
    expect(expiresAt(TAKEN, { ...timing, attempt: 3 }).toISOString()).toBe('2026-11-21T11:00:00.000Z');
  });
});
