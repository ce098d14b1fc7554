import {
  type CharacterRules,
  characterCount,
  characterProblems,
  describeType,
  headerTextProblems,
  nothingShownProblems,
  quote,
  textProblems,
} from './text-checks';
import { MAX_CAUSE_LENGTH } from '../../statemachine/step-functions-limits';

/** "any": the first decision of any approver decides. "all": every approver must approve; the first reject decides. */
export type ApprovalPolicy = 'any' | 'all';

/** How approvers are reached: an email with links, or a Slack direct message with buttons. */
export type ApprovalChannel = 'email' | 'slack';

/**
 * One shape for both forms: what CheckRequest returns and every task carries. `employeeName` is
 * there only for the seed form, whose email stays the seed's own.
 */
export interface NormalizedApprovalRequest {
  readonly approvers: readonly string[];
  readonly policy: ApprovalPolicy;
  readonly subject: string;
  readonly details: Readonly<Record<string, string>>;
  readonly requester?: string;
  readonly employeeName?: string;
  /** Every channel each approver is asked through, each once; `['email']` unless the request says otherwise. */
  readonly via: readonly ApprovalChannel[];
}

/**
 * What the worker reads from GetActivityTask, one task per approver: the state machine's
 * `Parameters` of the ManualApproval state put this together (see statemachine/approval.asl.json).
 */
export interface ApprovalTask {
  readonly request: NormalizedApprovalRequest;
  /** Who this task's email goes to: one of `request.approvers`. */
  readonly approver: string;
  /** 1 for the first email, 2 for the first reminder, and so on. */
  readonly attempt: number;
  readonly reminderCount: number;
  readonly reminderIntervalSeconds: number;
  readonly executionName: string;
}

/**
 * A field of the request: `['subject']`, `['approvers', 1]`, `['details', 'Release']`. A task's
 * request fields are relative to its request.
 */
export type FieldPath = readonly [field: string] | readonly [field: string, item: string | number];

/**
 * How a problem names a field, and any other field it refers to: by default as the cause does
 * (`approvers[1]`, `details.Release`, `details["a key"]`); `approval start` names its flags.
 */
export type FieldNamer = (path: FieldPath) => string;

export interface RequestProblem {
  /** The field the problem is about; `[]` for the input as a whole. */
  readonly path: FieldPath | readonly [];
  /** The whole problem, its fields named by the FieldNamer in use: `approvers[1] "x" is not an email address`. */
  readonly message: string;
}

export type ApprovalRequestValidation =
  | { readonly valid: true; readonly request: NormalizedApprovalRequest }
  | { readonly valid: false; readonly problems: readonly RequestProblem[] };

/** What the worker's `checkRequest` action returns to the state machine's CheckRequest state. */
export type ApprovalRequestCheck =
  { readonly valid: true; readonly request: NormalizedApprovalRequest } | { readonly valid: false; readonly cause: string };

export type ApprovalTaskValidation =
  { readonly valid: true; readonly task: ApprovalTask } | { readonly valid: false; readonly problems: readonly RequestProblem[] };

export const MAX_EMPLOYEE_NAME_LENGTH = 200;
export const MAX_EMAIL_ADDRESS_LENGTH = 254;
export const MAX_APPROVERS = 10;
export const MAX_SUBJECT_LENGTH = 200;
export const MAX_DETAILS = 20;
export const MAX_DETAIL_KEY_LENGTH = 100;
export const MAX_DETAIL_VALUE_LENGTH = 1_000;
export const DEFAULT_POLICY: ApprovalPolicy = 'any';
const POLICIES: readonly string[] = ['any', 'all'] satisfies ApprovalPolicy[];
export const APPROVAL_CHANNELS: readonly ApprovalChannel[] = ['email', 'slack'];
export const DEFAULT_VIA: readonly ApprovalChannel[] = ['email'];

/** The subject the seed form stands for. */
export function seedSubject(employeeName: string): string {
  return `Approval needed for ${employeeName}`;
}

// A plain addr-spec: no display name, no comments, no whitespace, a dotted domain of DNS labels.
// Anything SES could read as a second recipient or a header (commas, angle brackets, CR/LF) fails.
const EMAIL_ADDRESS =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
// A details key shown as `details.Key` in a cause; any other key is quoted: `details["a key"]`.
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** A details key as a problem shows it: as it is when plain (`Release`), else quoted (`"a key"`). */
export function shownDetailKey(key: string): string {
  return PLAIN_KEY.test(key) ? key : quote(key);
}

/** The cause's names: `subject`, `approvers[1]`, `details.Release`, `details["a key"]`. */
export const causeFieldName: FieldNamer = ([field, item]) => {
  if (item === undefined) return field;
  if (typeof item === 'number') return `${field}[${item}]`;
  return PLAIN_KEY.test(item) ? `${field}.${item}` : `${field}[${quote(item)}]`;
};

/** Each message as a problem about `path`. */
function at(path: FieldPath | readonly [], messages: readonly string[]): RequestProblem[] {
  return messages.map((message) => ({ path, message }));
}

/** True when `value` is a single plain email address SES can send to. */
export function isEmailAddress(value: string): boolean {
  return value.length <= MAX_EMAIL_ADDRESS_LENGTH && EMAIL_ADDRESS.test(value) && !value.includes('..');
}

const CAUSE_PREFIX = 'Invalid approval request: ';

/**
 * The cause of an InvalidRequest failure, worded the same by CheckRequest and by the worker. When
 * hostile input yields more than a cause can hold, whole problems are kept and the rest counted.
 */
export function invalidRequestCause(found: readonly RequestProblem[]): string {
  const problems = found.map((problem) => problem.message);
  const full = `${CAUSE_PREFIX}${problems.join('; ')}.`;
  if (full.length <= MAX_CAUSE_LENGTH) return full;
  const shown: string[] = [];
  // Room for "; and 999 more problems.".
  let length = CAUSE_PREFIX.length + 32;
  for (const problem of problems) {
    if (length + problem.length + 2 > MAX_CAUSE_LENGTH) break;
    shown.push(problem);
    length += problem.length + 2;
  }
  return `${CAUSE_PREFIX}${[...shown, `and ${problems.length - shown.length} more problems`].join('; ')}.`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Problems of a value that should be one email address, the field at `path`. */
function addressProblems(path: FieldPath, value: unknown, name: FieldNamer): RequestProblem[] {
  const label = name(path);
  if (typeof value !== 'string') return at(path, [`${label} must be a string, not ${describeType(value)}`]);
  if (value.length > MAX_EMAIL_ADDRESS_LENGTH) {
    return at(path, [`${label} is ${value.length} characters long; an email address has at most ${MAX_EMAIL_ADDRESS_LENGTH}`]);
  }
  if (!isEmailAddress(value)) return at(path, [`${label} ${quote(value)} is not an email address`]);
  return [];
}

function managerProblems(managerEmailAddress: unknown, name: FieldNamer): RequestProblem[] {
  const path = ['managerEmailAddress'] as const;
  if (managerEmailAddress === undefined) return at(path, [`${name(path)} is missing`]);
  return addressProblems(path, managerEmailAddress, name);
}

/**
 * The seed's rules, as they were (length in UTF-16 units), plus what every text field refuses; the
 * name is part of the email's subject line, so encoded words are refused as in a subject.
 */
function employeeNameProblems(employeeName: unknown, rules: CharacterRules, name: FieldNamer): RequestProblem[] {
  const path = ['employeeName'] as const;
  const label = name(path);
  if (employeeName === undefined) return at(path, [`${label} is missing`]);
  if (typeof employeeName !== 'string') return at(path, [`${label} must be a string, not ${describeType(employeeName)}`]);
  if (employeeName.trim() === '') return at(path, [`${label} is empty`]);
  const problems: string[] = [];
  if (employeeName.length > MAX_EMPLOYEE_NAME_LENGTH) {
    problems.push(`${label} is ${employeeName.length} characters long; the limit is ${MAX_EMPLOYEE_NAME_LENGTH}`);
  }
  problems.push(...characterProblems(label, employeeName, rules));
  if (rules === 'request') problems.push(...nothingShownProblems(label, employeeName), ...headerTextProblems(label, employeeName));
  return at(path, problems);
}

/**
 * What two addresses are compared by, to count approvers and to spot a requester approving their
 * own request: the address in lower case and, under the `request` rules, without the `+tag` of its
 * local part. Mail to `ana+2@example.com` reaches `ana@example.com` at nearly every provider
 * (subaddressing, RFC 5233), so the two are one person's. Dots are not folded: only Gmail's own
 * addresses ignore them, and elsewhere `j.smith@` and `jsmith@` are different people. The worker's own check of a
 * task (`task` rules) compares in lower case only, as requests were checked before, so a request
 * accepted then still gets its reminders.
 */
export function mailboxKey(address: string, rules: CharacterRules = 'request'): string {
  const lower = address.toLowerCase();
  if (rules === 'task') return lower;
  const at = lower.lastIndexOf('@');
  const plus = lower.indexOf('+');
  return plus > 0 && plus < at ? `${lower.slice(0, plus)}${lower.slice(at)}` : lower;
}

function approversProblems(approvers: unknown, rules: CharacterRules, name: FieldNamer): RequestProblem[] {
  const all = ['approvers'] as const;
  if (approvers === undefined) return at(all, [`${name(all)} is missing`]);
  if (!Array.isArray(approvers)) return at(all, [`${name(all)} must be an array of email addresses, not ${describeType(approvers)}`]);
  if (approvers.length === 0) return at(all, [`${name(all)} is empty; name 1 to ${MAX_APPROVERS} email addresses`]);
  const problems: RequestProblem[] = [];
  if (approvers.length > MAX_APPROVERS) {
    problems.push(...at(all, [`${name(all)} has ${approvers.length} addresses; the limit is ${MAX_APPROVERS}`]));
  }
  // Only the first MAX_APPROVERS are looked at: a huge list would make a cause too big for Step Functions.
  const firstIndexOf = new Map<string, number>();
  approvers.slice(0, MAX_APPROVERS).forEach((approver: unknown, index) => {
    const path = ['approvers', index] as const;
    const problem = addressProblems(path, approver, name);
    if (problem.length > 0 || typeof approver !== 'string') {
      problems.push(...problem);
      return;
    }
    const key = mailboxKey(approver, rules);
    const first = firstIndexOf.get(key);
    if (first === undefined) {
      firstIndexOf.set(key, index);
      return;
    }
    const earlier = String(approvers[first]);
    const repeats = `${name(path)} ${quote(approver)} repeats ${name(['approvers', first])}`;
    problems.push(
      ...at(path, [
        earlier.toLowerCase() === approver.toLowerCase()
          ? repeats
          : `${repeats} ${quote(earlier)}: addresses that differ only in a +tag reach one mailbox`,
      ]),
    );
  });
  return problems;
}

function policyProblems(policy: unknown, name: FieldNamer): RequestProblem[] {
  if (policy === undefined || (typeof policy === 'string' && POLICIES.includes(policy))) return [];
  const path = ['policy'] as const;
  return at(path, [`${name(path)} must be "any" or "all", not ${typeof policy === 'string' ? quote(policy) : describeType(policy)}`]);
}

function isApprovalChannel(value: unknown): value is ApprovalChannel {
  return typeof value === 'string' && (APPROVAL_CHANNELS as readonly string[]).includes(value);
}

const CHANNEL_CHOICES = 'use "email", "slack" or both';

function viaProblems(via: unknown, name: FieldNamer): RequestProblem[] {
  const all = ['via'] as const;
  if (via === undefined) return [];
  if (!Array.isArray(via)) {
    return at(all, [`${name(all)} must be an array of "email" and "slack", e.g. ["slack", "email"], not ${describeType(via)}`]);
  }
  if (via.length === 0) return at(all, [`${name(all)} is empty: ${CHANNEL_CHOICES}, or leave via out for email`]);
  const problems: RequestProblem[] = [];
  const firstIndexOf = new Map<ApprovalChannel, number>();
  // As with approvers: a huge list would make a cause too big; every channel fits in the first few.
  via.slice(0, MAX_APPROVERS).forEach((channel: unknown, index) => {
    const path = ['via', index] as const;
    if (typeof channel !== 'string') {
      problems.push(...at(path, [`${name(path)} must be a string, not ${describeType(channel)}`]));
    } else if (!isApprovalChannel(channel)) {
      problems.push(...at(path, [`${name(path)} ${quote(channel)} is not a way to reach approvers: ${CHANNEL_CHOICES}`]));
    } else {
      const first = firstIndexOf.get(channel);
      if (first === undefined) firstIndexOf.set(channel, index);
      else problems.push(...at(path, [`${name(path)} ${quote(channel)} repeats ${name(['via', first])}: give each channel once`]));
    }
  });
  return problems;
}

/** The seed form keeps its one email: a channel choice beside it would be silently ignored. */
function seedViaProblems(via: unknown, name: FieldNamer): RequestProblem[] {
  if (via === undefined) return [];
  const path = ['via'] as const;
  return at(path, [
    `${name(path)} cannot be used with managerEmailAddress and employeeName, which are always emailed: give approvers and subject to choose a channel`,
  ]);
}

/** `subjectLimit`: a seed request's derived subject is longer than a person may write one. */
function subjectProblems(subject: unknown, subjectLimit: number, rules: CharacterRules, name: FieldNamer): RequestProblem[] {
  const path = ['subject'] as const;
  if (subject === undefined) return at(path, [`${name(path)} is missing`]);
  return at(path, textProblems(name(path), subject, { maxLength: subjectLimit, required: true, inHeader: true }, rules));
}

function detailsProblems(details: unknown, rules: CharacterRules, name: FieldNamer): RequestProblem[] {
  const all = ['details'] as const;
  if (details === undefined) return [];
  if (!isPlainObject(details)) return at(all, [`${name(all)} must be an object of text entries, not ${describeType(details)}`]);
  const entries = Object.entries(details);
  const problems: RequestProblem[] = [];
  if (entries.length > MAX_DETAILS) problems.push(...at(all, [`${name(all)} has ${entries.length} entries; the limit is ${MAX_DETAILS}`]));
  // As with approvers: only as many entries as are allowed are looked at.
  for (const [key, value] of entries.slice(0, MAX_DETAILS)) {
    const path = ['details', key] as const;
    if (key.trim() === '') {
      problems.push(...at(path, [`${name(all)} has an empty or blank key`]));
    } else {
      const keyLabel = `${name(all)} key ${quote(key)}`;
      const keyLength = characterCount(key);
      if (keyLength > MAX_DETAIL_KEY_LENGTH) {
        problems.push(...at(path, [`${keyLabel} is ${keyLength} characters long; the limit is ${MAX_DETAIL_KEY_LENGTH}`]));
      }
      problems.push(...at(path, characterProblems(keyLabel, key, rules)));
      if (rules === 'request') problems.push(...at(path, nothingShownProblems(keyLabel, key)));
    }
    problems.push(...at(path, textProblems(name(path), value, { maxLength: MAX_DETAIL_VALUE_LENGTH, required: false }, rules)));
  }
  return problems;
}

function requesterProblems(requester: unknown, approvers: unknown, rules: CharacterRules, name: FieldNamer): RequestProblem[] {
  if (requester === undefined) return [];
  const path = ['requester'] as const;
  const problems = addressProblems(path, requester, name);
  if (problems.length > 0 || typeof requester !== 'string' || !Array.isArray(approvers)) return problems;
  const key = mailboxKey(requester, rules);
  const index = approvers.findIndex((approver) => typeof approver === 'string' && mailboxKey(approver, rules) === key);
  if (index === -1) return [];
  const approver = String(approvers[index]);
  const as =
    approver.toLowerCase() === requester.toLowerCase()
      ? ''
      : ` as ${name(['approvers', index])} ${quote(approver)} (addresses that differ only in a +tag reach one mailbox)`;
  return at(path, [`${name(path)} ${quote(requester)} is also an approver${as}: nobody may approve their own request`]);
}

/**
 * The general form's fields; with `seedName`, the request is a normalized seed request, whose
 * subject is derived from the name and may be longer than one a person writes.
 */
function generalProblems(fields: Record<string, unknown>, seedName: boolean, rules: CharacterRules, name: FieldNamer): RequestProblem[] {
  const subjectLimit = seedName ? characterCount(seedSubject('')) + MAX_EMPLOYEE_NAME_LENGTH : MAX_SUBJECT_LENGTH;
  return [
    ...approversProblems(fields.approvers, rules, name),
    ...policyProblems(fields.policy, name),
    ...subjectProblems(fields.subject, subjectLimit, rules, name),
    ...detailsProblems(fields.details, rules, name),
    ...requesterProblems(fields.requester, fields.approvers, rules, name),
    ...viaProblems(fields.via, name),
  ];
}

function normalizeGeneral(fields: Record<string, unknown>): NormalizedApprovalRequest {
  const { approvers, policy, subject, details, requester, employeeName, via } = fields;
  return {
    approvers: [...(approvers as string[])],
    policy: (policy as ApprovalPolicy | undefined) ?? DEFAULT_POLICY,
    subject: subject as string,
    // Object.fromEntries defines even a "__proto__" key as a plain entry.
    details: Object.fromEntries(Object.entries((details as Record<string, string> | undefined) ?? {})),
    ...(requester === undefined ? {} : { requester: requester as string }),
    ...(employeeName === undefined ? {} : { employeeName: employeeName as string }),
    // A task of a request checked before requests had `via` carries none: it was emailed.
    via: [...((via as ApprovalChannel[] | undefined) ?? DEFAULT_VIA)],
  };
}

const SEED_FIELDS = ['managerEmailAddress', 'employeeName'] as const;
const NOT_A_REQUEST = 'the execution input must be a JSON object with approvers and subject, or with managerEmailAddress and employeeName';

/** Problems of the fields present, when both forms were given and neither set of rules applies. */
function presentFieldProblems(fields: Record<string, unknown>, rules: CharacterRules, name: FieldNamer): RequestProblem[] {
  const { managerEmailAddress, employeeName, approvers, policy, subject, details, requester, via } = fields;
  return [
    ...(managerEmailAddress === undefined ? [] : managerProblems(managerEmailAddress, name)),
    ...(employeeName === undefined ? [] : employeeNameProblems(employeeName, rules, name)),
    ...approversProblems(approvers, rules, name),
    ...policyProblems(policy, name),
    ...(subject === undefined ? [] : subjectProblems(subject, MAX_SUBJECT_LENGTH, rules, name)),
    ...detailsProblems(details, rules, name),
    ...requesterProblems(requester, approvers, rules, name),
    ...viaProblems(via, name),
  ];
}

const GENERAL_FIELDS = ['approvers', 'subject', 'policy', 'details', 'requester', 'via'] as const;

/**
 * Which form an execution input is in: `seed` whenever it has managerEmailAddress or employeeName
 * (subject, policy, details or requester beside them are extra fields; `via` is refused there), `both` when it also has
 * approvers, `general` for the general fields alone, `neither` otherwise.
 */
export function requestForm(input: Readonly<Record<string, unknown>>): 'seed' | 'general' | 'both' | 'neither' {
  const hasSeedFields = SEED_FIELDS.some((field) => input[field] !== undefined);
  if (hasSeedFields) return input.approvers === undefined ? 'seed' : 'both';
  return GENERAL_FIELDS.some((field) => input[field] !== undefined) ? 'general' : 'neither';
}

/**
 * Checks an execution input in either form and turns it into the one shape the rest of the
 * approval works with. Every problem is listed, so the cause tells a person everything to fix at
 * once; each names its field by `name` (the cause's notation unless another is given).
 */
export function validateApprovalRequest(input: unknown, name: FieldNamer = causeFieldName): ApprovalRequestValidation {
  return validateRequest(input, 'request', name);
}

function validateRequest(input: unknown, rules: CharacterRules, name: FieldNamer = causeFieldName): ApprovalRequestValidation {
  if (!isPlainObject(input)) return { valid: false, problems: at([], [`${NOT_A_REQUEST}, not ${describeType(input)}`]) };
  const form = requestForm(input);

  if (form === 'both') {
    return {
      valid: false,
      problems: [
        ...at([], ['the execution input has both approvers and managerEmailAddress/employeeName: use one form or the other']),
        ...presentFieldProblems(input, rules, name),
      ],
    };
  }
  if (form === 'seed') {
    // The seed form: policy, subject, details or requester beside it are extra fields, carried through as before.
    const problems = [
      ...managerProblems(input.managerEmailAddress, name),
      ...employeeNameProblems(input.employeeName, rules, name),
      ...seedViaProblems(input.via, name),
    ];
    if (problems.length > 0) return { valid: false, problems };
    const managerEmailAddress = input.managerEmailAddress as string;
    const employeeName = input.employeeName as string;
    return {
      valid: true,
      request: {
        approvers: [managerEmailAddress],
        policy: DEFAULT_POLICY,
        subject: seedSubject(employeeName),
        details: {},
        employeeName,
        via: [...DEFAULT_VIA],
      },
    };
  }
  if (form === 'neither') return { valid: false, problems: at([], [NOT_A_REQUEST]) };
  const problems = generalProblems(input, false, rules, name);
  if (problems.length > 0) return { valid: false, problems };
  return { valid: true, request: normalizeGeneral(input) };
}

/** A normalized request, as a task carries it, checked again by the same rules. */
function normalizedRequestProblems(request: unknown): RequestProblem[] {
  if (!isPlainObject(request)) return at([], [`the task's request must be a JSON object, not ${describeType(request)}`]);
  const seedName = request.employeeName !== undefined;
  return [
    ...generalProblems(request, seedName, 'task', causeFieldName),
    ...(seedName ? employeeNameProblems(request.employeeName, 'task', causeFieldName) : []),
  ];
}

function approverProblems(approver: unknown, approvers: unknown): string[] {
  if (approver === undefined) return ['the task input has no approver'];
  if (typeof approver !== 'string') return [`the task's approver must be a string, not ${describeType(approver)}`];
  // A bad approvers list is reported by the request's own checks.
  if (!Array.isArray(approvers)) return [];
  const known = approvers.some((candidate) => typeof candidate === 'string' && candidate.toLowerCase() === approver.toLowerCase());
  return known ? [] : [`the task's approver ${quote(approver)} is not one of the request's approvers`];
}

/**
 * A task of an execution started before requests had approvers: its state machine definition (kept
 * by Step Functions for the whole execution) hands the worker the raw seed request, with no
 * `approver`. Such executions are still open after an update for up to their whole lifetime, and
 * their reminders must go out: the request is normalized here and the manager is the approver.
 */
function fromSeedOnlyTask(input: Record<string, unknown>): ApprovalTaskValidation | undefined {
  const { request, approver } = input;
  if (approver !== undefined || !isPlainObject(request) || request.approvers !== undefined || request.managerEmailAddress === undefined) {
    return undefined;
  }
  const normalized = validateRequest(request, 'task');
  if (!normalized.valid) return normalized;
  return validateApprovalTask({ ...input, request: normalized.request, approver: normalized.request.approvers[0] });
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

/**
 * Checks the task input the state machine built, the request included (defence in depth: the
 * CheckRequest state checked it already). Problems are listed one by one, as for the request.
 */
export function validateApprovalTask(input: unknown): ApprovalTaskValidation {
  if (!isPlainObject(input)) {
    return { valid: false, problems: at([], [`the task input must be a JSON object, not ${describeType(input)}`]) };
  }
  const legacy = fromSeedOnlyTask(input);
  if (legacy !== undefined) return legacy;
  const { request, approver, attempt, reminderCount, reminderIntervalSeconds, executionName } = input;
  // The task's own fields are not the request's: their problems are about the task input as a whole.
  const taskProblems: string[] = [];
  if (isPlainObject(request)) taskProblems.push(...approverProblems(approver, request.approvers));
  if (!isPositiveInteger(attempt)) taskProblems.push('the task input has no valid attempt number');
  if (!(typeof reminderCount === 'number' && Number.isInteger(reminderCount) && reminderCount >= 0)) {
    taskProblems.push('the task input has no valid reminderCount');
  }
  if (!isPositiveInteger(reminderIntervalSeconds)) taskProblems.push('the task input has no valid reminderIntervalSeconds');
  if (typeof executionName !== 'string' || executionName === '') taskProblems.push('the task input has no executionName');
  const problems = [...normalizedRequestProblems(request), ...at([], taskProblems)];

  if (problems.length > 0) return { valid: false, problems };
  return {
    valid: true,
    task: {
      request: normalizeGeneral(request as Record<string, unknown>),
      approver: approver as string,
      attempt: attempt as number,
      reminderCount: reminderCount as number,
      reminderIntervalSeconds: reminderIntervalSeconds as number,
      executionName: executionName as string,
    },
  };
}
