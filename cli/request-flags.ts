import { isEmailAddress, validateApprovalRequest } from '../functions/commons/approval-request';
import { printable } from './format-values';

/** The flags of `approval start` that make up the request, as parseArgs returns them. */
export interface RequestFlags {
  readonly 'manager-email'?: string;
  readonly 'employee-name'?: string;
  readonly approver?: readonly string[];
  readonly policy?: string;
  readonly subject?: string;
  readonly detail?: readonly string[];
  readonly requester?: string;
}

/** The execution input to start, or every problem found in the flags. */
export type RequestFromFlags =
  | { readonly valid: true; readonly input: Readonly<Record<string, unknown>>; readonly approvers: readonly string[] }
  | { readonly valid: false; readonly problems: readonly string[] };

const SEED_FLAGS = ['manager-email', 'employee-name'] as const;
const GENERAL_FLAGS = ['approver', 'policy', 'subject', 'detail', 'requester'] as const;

/**
 * The state machine's check names fields of the execution input; a person typed options. Applied
 * in order to each problem: `approvers[1] "x" repeats approvers[0]` -> `--approver #2 "x" repeats --approver #1`.
 */
const FLAG_NAMES: ReadonlyArray<readonly [RegExp, (match: string, ...groups: string[]) => string]> = [
  [/\bapprovers\[(\d+)\]/g, (_match, index) => `--approver #${Number(index) + 1}`],
  [/^approvers\b/, () => '--approver'],
  [/^managerEmailAddress\b/, () => '--manager-email'],
  [/^employeeName\b/, () => '--employee-name'],
  [/^(subject|policy|requester)\b/, (field) => `--${field}`],
  [/^details\.([A-Za-z0-9_]+)/, (_match, key) => `--detail ${key}`],
  [/^details\[("(?:[^"\\]|\\.)*")\]/, (_match, key) => `--detail ${key}`],
  [/^details key\b/, () => '--detail key'],
  [/^details\b/, () => '--detail'],
];

function inFlagTerms(problem: string): string {
  return FLAG_NAMES.reduce((text, [pattern, replace]) => text.replace(pattern, replace), problem);
}

/**
 * `--detail KEY=VALUE ...` as the request's `details` object. Only what the flags themselves can get
 * wrong is checked here: the rules of a key and a value are the state machine's.
 */
function detailsFromFlags(flags: readonly string[], problems: string[]): Record<string, string> {
  // A Map, so a key such as __proto__ is a key like any other; Object.fromEntries keeps it so.
  const details = new Map<string, string>();
  for (const detail of flags) {
    const separator = detail.indexOf('=');
    if (separator <= 0) {
      problems.push(`--detail "${printable(detail)}" must be KEY=VALUE, e.g. --detail Release=42`);
      continue;
    }
    const name = detail.slice(0, separator);
    // A JSON object keeps one value per key: a second one would silently replace the first.
    if (details.has(name)) problems.push(`--detail ${printable(name)} is given more than once; give each key once`);
    else details.set(name, detail.slice(separator + 1));
  }
  return Object.fromEntries(details);
}

function generalInput(flags: RequestFlags, problems: string[]): Record<string, unknown> {
  const details = flags.detail === undefined ? undefined : detailsFromFlags(flags.detail, problems);
  // Only what was given: the state machine applies the defaults (policy any, no details).
  return {
    ...(flags.approver === undefined ? {} : { approvers: flags.approver }),
    ...(flags.policy === undefined ? {} : { policy: flags.policy }),
    ...(flags.subject === undefined ? {} : { subject: flags.subject }),
    ...(details === undefined ? {} : { details }),
    ...(flags.requester === undefined ? {} : { requester: flags.requester }),
  };
}

/**
 * The execution input of `approval start`: the seed form (one manager) or the general form, never
 * both. It is checked by the state machine's own rules (validateApprovalRequest, what CheckRequest
 * runs), so the CLI refuses exactly what would fail as InvalidRequest, in the terms of its options.
 */
export function requestFromFlags(flags: RequestFlags): RequestFromFlags {
  const seed = SEED_FLAGS.filter((flag) => flags[flag] !== undefined);
  const general = GENERAL_FLAGS.filter((flag) => flags[flag] !== undefined);
  if (seed.length > 0 && general.length > 0) {
    return {
      valid: false,
      problems: [
        `${[...seed, ...general].map((flag) => `--${flag}`).join(', ')}: use either --manager-email and --employee-name ` +
          '(one manager, about an employee) or --approver and --subject (any request), not both',
      ],
    };
  }
  if (seed.length === 0 && general.length === 0) {
    return {
      valid: false,
      problems: ['Nothing to ask: give --approver ADDRESS and --subject TEXT (or --manager-email and --employee-name)'],
    };
  }

  const problems: string[] = [];
  const input =
    seed.length > 0 ? { managerEmailAddress: flags['manager-email'], employeeName: flags['employee-name'] } : generalInput(flags, problems);
  const validation = validateApprovalRequest(input);
  if (!validation.valid) problems.push(...validation.problems.map(inFlagTerms));
  if ((flags.approver ?? []).some((approver) => !isEmailAddress(approver) && /[,;\s]/.test(approver.trim()))) {
    problems.push('Give each approver an --approver of their own: --approver ana@example.com --approver ben@example.com');
  }
  if (!validation.valid || problems.length > 0) return { valid: false, problems };
  return { valid: true, input, approvers: validation.request.approvers };
}
