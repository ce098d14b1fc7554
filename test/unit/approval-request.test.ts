import { expect } from '@jest/globals';
import { isEmailAddress, MAX_EMPLOYEE_NAME_LENGTH, validateApprovalTask } from '../../functions/commons/approval-request';

const task = (request: unknown, extra: Record<string, unknown> = {}) => ({
  request,
  attempt: 1,
  reminderCount: 2,
  reminderIntervalSeconds: 3600,
  executionName: 'exec-1',
  ...extra,
});

const problemsOf = (input: unknown): readonly string[] => {
  const result = validateApprovalTask(input);
  if (result.valid) throw new Error('expected the input to be invalid');
  return result.problems;
};

describe('validateApprovalTask', () => {
  it('accepts a good request and keeps extra fields', () => {
    const result = validateApprovalTask(task({ managerEmailAddress: 'boss@example.com', employeeName: 'Jim', costCentre: 42 }));

    expect(result).toEqual({
      valid: true,
      task: expect.objectContaining({
        request: { managerEmailAddress: 'boss@example.com', employeeName: 'Jim', costCentre: 42 },
        attempt: 1,
        executionName: 'exec-1',
      }),
    });
  });

  it('lists every problem of a request at once', () => {
    expect(problemsOf(task({}))).toEqual(['managerEmailAddress is missing', 'employeeName is missing']);
  });

  it.each([
    [{ managerEmailAddress: 'not-an-address', employeeName: 'Jim' }, 'managerEmailAddress "not-an-address" is not an email address'],
    [{ managerEmailAddress: 'a@b.com, evil@x.com', employeeName: 'Jim' }, 'is not an email address'],
    [{ managerEmailAddress: 'boss@example.com\r\nBcc: evil@x.com', employeeName: 'Jim' }, 'is not an email address'],
    [{ managerEmailAddress: 42, employeeName: 'Jim' }, 'managerEmailAddress must be a string, not a number'],
    [{ managerEmailAddress: 'boss@example.com', employeeName: '   ' }, 'employeeName is empty'],
    [{ managerEmailAddress: 'boss@example.com', employeeName: ['Jim'] }, 'employeeName must be a string, not an array'],
    [
      { managerEmailAddress: 'boss@example.com', employeeName: 'Jim\r\nBcc: evil@x.com' },
      'employeeName contains control characters such as line breaks',
    ],
    [
      { managerEmailAddress: 'boss@example.com', employeeName: 'x'.repeat(250_000) },
      `employeeName is 250000 characters long; the limit is ${MAX_EMPLOYEE_NAME_LENGTH}`,
    ],
  ])('rejects %# with a cause that says what is wrong', (request, expected) => {
    const problems = problemsOf(task(request));

    expect(problems.join('; ')).toContain(expected);
    // A cause never repeats a huge input.
    expect(problems.join('; ').length).toBeLessThan(300);
  });

  it.each([null, 'a string', [1, 2], 7])('rejects an execution input that is not an object (%p)', (request) => {
    expect(problemsOf(task(request))[0]).toMatch(/^the execution input must be a JSON object/);
  });

  it('rejects a task input the state machine did not build', () => {
    expect(problemsOf({ request: { managerEmailAddress: 'boss@example.com', employeeName: 'Jim' } })).toEqual([
      'the task input has no valid attempt number',
      'the task input has no valid reminderCount',
      'the task input has no valid reminderIntervalSeconds',
      'the task input has no executionName',
    ]);
    expect(problemsOf('nope')).toEqual(['the task input must be a JSON object, not a string']);
  });
});

describe('isEmailAddress', () => {
  it.each(['jane.doe@example.com', 'a+tag@sub.example.co.uk', "o'brien@example.org"])('accepts %s', (address) => {
    expect(isEmailAddress(address)).toBe(true);
  });

  it.each([
    '',
    'plain',
    '@example.com',
    'a@',
    'a@localhost',
    'a@@b.com',
    'a..b@example.com',
    'Jane <jane@example.com>',
    'a b@example.com',
    `${'a'.repeat(65)}@example.com`,
  ])('rejects %p', (address) => {
    expect(isEmailAddress(address)).toBe(false);
  });
});
