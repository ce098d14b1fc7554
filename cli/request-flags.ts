import {
  type ApprovalChannel,
  causeFieldName,
  type FieldNamer,
  isEmailAddress,
  shownDetailKey,
  validateApprovalRequest,
} from '../functions/commons/approval-request';
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
  readonly via?: readonly string[];
}

/** The execution input to start, or every problem found in the flags. */
export type RequestFromFlags =
  | {
      readonly valid: true;
      readonly input: Readonly<Record<string, unknown>>;
      readonly approvers: readonly string[];
      /** How the approvers are reached, the default applied. */
      readonly via: readonly ApprovalChannel[];
    }
  | { readonly valid: false; readonly problems: readonly string[] };

const SEED_FLAGS = ['manager-email', 'employee-name'] as const;
const GENERAL_FLAGS = ['approver', 'policy', 'subject', 'detail', 'requester', 'via'] as const;

/**
 * The state machine's check names fields of the execution input; a person typed options, so the
 * check names each field by the option that sets it: `approvers[1] "x" repeats approvers[0]` is
 * `--approver #2 "x" repeats --approver #1` here.
 */
const flagName: FieldNamer = ([field, item]) => {
  switch (field) {
    case 'approvers':
      return typeof item === 'number' ? `--approver #${item + 1}` : '--approver';
    case 'details':
      return item === undefined ? '--detail' : `--detail ${shownDetailKey(String(item))}`;
    case 'via':
      return typeof item === 'number' ? `--via #${item + 1}` : '--via';
    case 'managerEmailAddress':
      return '--manager-email';
    case 'employeeName':
      return '--employee-name';
    case 'subject':
    case 'policy':
    case 'requester':
      return `--${field}`;
    default:
      return causeFieldName(item === undefined ? [field] : [field, item]);
  }
};

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
    ...(flags.via === undefined ? {} : { via: flags.via }),
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
  const validation = validateApprovalRequest(input, flagName);
  if (!validation.valid) problems.push(...validation.problems.map((problem) => problem.message));
  if ((flags.approver ?? []).some((approver) => !isEmailAddress(approver) && /[,;\s]/.test(approver.trim()))) {
    problems.push('Give each approver an --approver of their own: --approver ana@example.com --approver ben@example.com');
  }
  if ((flags.via ?? []).some((channel) => /[,;\s]/.test(channel.trim()))) {
    problems.push('Give each channel a --via of its own: --via slack --via email');
  }
  if (!validation.valid || problems.length > 0) return { valid: false, problems };
  return { valid: true, input, approvers: validation.request.approvers, via: validation.request.via };
}
