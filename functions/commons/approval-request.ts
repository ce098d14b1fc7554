/** What a person starts an execution with. Extra fields are allowed and carried through untouched. */
export interface ApprovalRequest {
  readonly managerEmailAddress: string;
  readonly employeeName: string;
}

/**
 * What the worker reads from GetActivityTask: the state machine's `Parameters` of the
 * ManualApproval state put this together (see statemachine/approval.asl.json).
 */
export interface ApprovalTask {
  readonly request: ApprovalRequest;
  /** 1 for the first email, 2 for the first reminder, and so on. */
  readonly attempt: number;
  readonly reminderCount: number;
  readonly reminderIntervalSeconds: number;
  readonly executionName: string;
}

export type ApprovalTaskValidation =
  { readonly valid: true; readonly task: ApprovalTask } | { readonly valid: false; readonly problems: readonly string[] };

export const MAX_EMPLOYEE_NAME_LENGTH = 200;
export const MAX_EMAIL_ADDRESS_LENGTH = 254;

// A plain addr-spec: no display name, no comments, no whitespace, a dotted domain of DNS labels.
// Anything SES could read as a second recipient or a header (commas, angle brackets, CR/LF) fails.
const EMAIL_ADDRESS =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
// C0 and C1 control characters, line and paragraph separators: nothing a name needs, and what
// breaks a subject line or a log line.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** True when `value` is a single plain email address SES can send to. */
export function isEmailAddress(value: string): boolean {
  return value.length <= MAX_EMAIL_ADDRESS_LENGTH && EMAIL_ADDRESS.test(value) && !value.includes('..');
}

/** A short, safe rendering of a bad value for an error cause: never the whole of a huge input. */
function quote(value: string): string {
  const shown = value.length > 64 ? `${value.slice(0, 64)}...` : value;
  return JSON.stringify(shown);
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function requestProblems(request: unknown): string[] {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    return [`the execution input must be a JSON object with managerEmailAddress and employeeName, not ${describeType(request)}`];
  }
  const { managerEmailAddress, employeeName } = request as Record<string, unknown>;
  const problems: string[] = [];

  if (managerEmailAddress === undefined) {
    problems.push('managerEmailAddress is missing');
  } else if (typeof managerEmailAddress !== 'string') {
    problems.push(`managerEmailAddress must be a string, not ${describeType(managerEmailAddress)}`);
  } else if (managerEmailAddress.length > MAX_EMAIL_ADDRESS_LENGTH) {
    problems.push(
      `managerEmailAddress is ${managerEmailAddress.length} characters long; an email address has at most ${MAX_EMAIL_ADDRESS_LENGTH}`,
    );
  } else if (!isEmailAddress(managerEmailAddress)) {
    problems.push(`managerEmailAddress ${quote(managerEmailAddress)} is not an email address`);
  }

  if (employeeName === undefined) {
    problems.push('employeeName is missing');
  } else if (typeof employeeName !== 'string') {
    problems.push(`employeeName must be a string, not ${describeType(employeeName)}`);
  } else if (employeeName.trim() === '') {
    problems.push('employeeName is empty');
  } else if (employeeName.length > MAX_EMPLOYEE_NAME_LENGTH) {
    problems.push(`employeeName is ${employeeName.length} characters long; the limit is ${MAX_EMPLOYEE_NAME_LENGTH}`);
  } else if (CONTROL_CHARACTERS.test(employeeName)) {
    problems.push('employeeName contains control characters such as line breaks');
  }
  return problems;
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

/**
 * Checks the task input the state machine built. Problems with the person's request are listed
 * one by one, so the `InvalidRequest` cause tells them everything to fix at once.
 */
export function validateApprovalTask(input: unknown): ApprovalTaskValidation {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { valid: false, problems: [`the task input must be a JSON object, not ${describeType(input)}`] };
  }
  const { request, attempt, reminderCount, reminderIntervalSeconds, executionName } = input as Record<string, unknown>;
  const problems = requestProblems(request);
  if (!isPositiveInteger(attempt)) problems.push('the task input has no valid attempt number');
  if (!(typeof reminderCount === 'number' && Number.isInteger(reminderCount) && reminderCount >= 0)) {
    problems.push('the task input has no valid reminderCount');
  }
  if (!isPositiveInteger(reminderIntervalSeconds)) problems.push('the task input has no valid reminderIntervalSeconds');
  if (typeof executionName !== 'string' || executionName === '') problems.push('the task input has no executionName');

  if (problems.length > 0) return { valid: false, problems };
  return {
    valid: true,
    task: {
      request: request as ApprovalRequest,
      attempt: attempt as number,
      reminderCount: reminderCount as number,
      reminderIntervalSeconds: reminderIntervalSeconds as number,
      executionName: executionName as string,
    },
  };
}
