/**
 * What the integ probe reports back. It never holds a task token (a bearer credential) nor any
 * part of one, so the integ test can assert on it and CloudFormation can carry it.
 *
 * Keep it short. The assertion's answer to CloudFormation carries the summary twice when it fails
 * (once as the result, once in the mismatch report, escaped twice), and CloudFormation refuses a
 * custom resource answer over 4,096 bytes ("Response object is too long", aws/aws-cdk#28117),
 * which would hide the report exactly when it is needed. Hence one short string per observation.
 */

/** The scenario the probe runs; the integ test invokes it once per scenario. */
export type ProbeScenario = 'clicks' | 'any' | 'all' | 'confirm' | 'clock' | 'delivery';

export const PROBE_SCENARIOS: readonly ProbeScenario[] = ['clicks', 'any', 'all', 'confirm', 'clock', 'delivery'];

export interface ProbeEvent {
  readonly scenario: ProbeScenario;
}

/** The SES mailbox simulator address that accepts every message; no identity verification needed. */
export const SES_SIMULATOR_SUCCESS = 'success@simulator.amazonses.com';

/** Execution input of every probe request. */
export const PROBE_REQUEST = { managerEmailAddress: SES_SIMULATOR_SUCCESS, employeeName: 'Integ Test' } as const;

/**
 * The approvers of the probe's requests for two approvers: two of the mailbox simulator's own
 * addresses that SES delivers to (SES Developer Guide, "Using the mailbox simulator manually":
 * `ooto@` is delivered and answered with an out-of-office reply). Labels (`success+first@`) would
 * not do: the request check counts `ana@` and `ana+2@` as one mailbox, one vote. The probe holds the
 * worker off in these scenarios, so neither address is normally emailed.
 */
export const PROBE_APPROVERS = [SES_SIMULATOR_SUCCESS, 'ooto@simulator.amazonses.com'] as const;

/** Execution input of a probe request for both PROBE_APPROVERS under `policy`. */
export function twoApproverRequest(policy: 'any' | 'all'): object {
  return { approvers: PROBE_APPROVERS, policy, subject: `Integ test: two approvers, policy ${policy}` };
}

/**
 * Text the probe appends to a confirm-mode link as `&subject=...`: the confirmation page shows no
 * request text, so nothing a link's holder adds to it may appear there.
 */
export const FORGED_SUBJECT = 'Probe-forged-subject';

/** The comment the probe sends with its confirm-mode decision: quotes, markup and an ampersand. */
export const PROBE_COMMENT = 'Probe comment: "checked" <ok> & done';

/** The probe's User-Agent on every click; the decision record must carry it. */
export const PROBE_USER_AGENT = 'human-approval-integ-probe';

/** Name the probe gives itself when it takes a task (GetActivityTask workerName). */
export const PROBE_WORKER_NAME = 'human-approval-integ-probe';

/** For an observation the probe could not make because an earlier step failed. */
export const NOT_REACHED = 'not reached';

/** For the click when the probe's poll came back empty: another poller took its task. */
export const NO_TASK = 'no task: another poller took it';

/** A click's answer: `<HTTP status> <page title>`, e.g. `410 This request is no longer open`. */
export type PageSeen = string;

export interface ApproveSeen {
  readonly click: PageSeen;
  /** Execution status after the click. */
  readonly execution: string;
  /** `output.approval.decision`, described (see describeDecisionRecord). */
  readonly record: string;
  /** The same link clicked once more. */
  readonly secondClick: PageSeen;
}

export interface RejectSeen {
  /** The Approve link with the token's last 10 characters changed. */
  readonly alteredLink: PageSeen;
  /** The Reject link with the token's last 10 characters cut off. */
  readonly truncatedLink: PageSeen;
  /** Execution status after both damaged links. */
  readonly afterDamagedLinks: string;
  readonly click: PageSeen;
  /** Execution status and error after the click, e.g. `FAILED Rejected`. */
  readonly execution: string;
  /** `cause` of the failed execution, parsed and described (see describeDecisionRecord). */
  readonly record: string;
}

/** What every scenario that takes the approval tasks itself reports besides what it saw. */
export interface HeldOff {
  /** The probe held every worker slot while it took the tasks itself. */
  readonly workerHeldOff: boolean;
  /** The probe gave the worker slots back. */
  readonly workerRestored: boolean;
  /** Executions the probe had to stop because a step failed (cleanup); 0 on success. */
  readonly stopped: number;
}

export interface ClickSummary extends HeldOff {
  readonly approve: ApproveSeen;
  readonly reject: RejectSeen;
}

/** For the observations of a two-approver request when the probe did not get both tasks. */
export const NO_TASKS = 'no tasks: another poller took one';

/** What the long poll after an `any` decision brought: nothing is what must come. */
export const AFTER_DECISION_POLL = {
  none: 'no task',
  ownTask: 'a task of the decided request',
  otherTask: 'a task of another request',
} as const;

/** Policy `any`, two approvers: the second approver approves. */
export interface AnySummary extends HeldOff {
  /** The second approver's Approve link. */
  readonly click: PageSeen;
  readonly execution: string;
  /** `output.approval.decision`, described; "approver as asked" means the second approver. */
  readonly record: string;
  /** The first approver's Approve link, once the request is decided. */
  readonly otherApproverLink: PageSeen;
  /** A full 60-second GetActivityTask poll on the activity after the decision (AFTER_DECISION_POLL). */
  readonly afterDecisionPoll: string;
}

/** Policy `all`, two approvers: the second approves first, then the first. */
export interface AllSummary extends HeldOff {
  readonly secondApproverClick: PageSeen;
  /** Execution status after one approval of two. */
  readonly afterOneApproval: string;
  readonly firstApproverClick: PageSeen;
  readonly execution: string;
  /**
   * `output.approval.decisions`, each described against the approver at its position in the
   * request: "approver as asked" on each means one record per approver, in the order of approvers.
   */
  readonly records: readonly string[];
}

/** Confirm link mode: GET shows a page, POST decides. */
export interface ConfirmSummary extends HeldOff {
  /** GET of the Approve link with `&subject=<FORGED_SUBJECT>` appended. */
  readonly page: PageSeen;
  /** Whether FORGED_SUBJECT appears anywhere on that page: `absent` or `shown`. */
  readonly forgedSubject: string;
  /** The page's form posts the link's own token: `carries the link's token`, or what is wrong. */
  readonly form: string;
  /** GET of the Approve link with the token's last 10 characters changed. */
  readonly alteredLink: PageSeen;
  /** Execution status after both pages. */
  readonly afterPages: string;
  /** The form posted, as a browser does, with PROBE_COMMENT. */
  readonly click: PageSeen;
  readonly execution: string;
  /** `output.approval.decision`, described; it names whether the comment is the one sent. */
  readonly record: string;
  /** The same link opened again after the decision. */
  readonly reopened: PageSeen;
}

/** When an activity task's TimeoutSeconds clock starts, as the clock scenario sees it. */
export const ACTIVITY_CLOCK = {
  atPickUp: 'starts when a worker takes the task',
  atScheduling: 'starts when the task is scheduled',
} as const;

/** The task's own timeout, about reminderIntervalSeconds after the probe took it. */
export const OWN_TIMEOUT_AFTER_INTERVAL = 'the interval after pick-up';

/** A request's task taken later than its TimeoutSeconds: when does its clock start? */
export interface ClockSummary extends HeldOff {
  /** One of ACTIVITY_CLOCK, or what went wrong (the pick-up was not late enough, no task, ...). */
  readonly activityClock: string;
  /**
   * Once taken, the task timed out OWN_TIMEOUT_AFTER_INTERVAL (within a few seconds), or when it
   * did (`<s> s after pick-up`), or that it did not in time.
   */
  readonly ownTimeout: string;
}

export interface DeliverySummary {
  /** `worker` when the worker function took the task; otherwise who did, or `nobody`. */
  readonly takenBy: string;
  /** The first ActivityFailed (how the worker reports a failed delivery) as `error: cause`, or `none`. */
  readonly failure: string;
  /** Type of the execution's latest history event once the worker's time for the task was up. */
  readonly lastEvent: string;
  /** Execution status at that time. */
  readonly statusAfterWorker: string;
  /** The probe stopped the execution afterwards (cleanup). */
  readonly stopped: boolean;
}

export type ProbeSummary = ClickSummary | AnySummary | AllSummary | ConfirmSummary | ClockSummary | DeliverySummary;

/** Text cut to `limit` characters, so no single observation can blow the 4 KB budget. */
export function clip(text: string, limit = 100): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 3)}...`;
}

/** What a decision record is described against. */
export interface ExpectedRecord {
  /** The approver the record must name. @default PROBE_REQUEST.managerEmailAddress */
  readonly approver?: string;
  /** The comment the probe sent; without it, a comment is an unexpected field. */
  readonly comment?: string;
}

/**
 * A decision record in one line: `approved at 21/Nov/2026:10:00:00 +0000 by the probe, with
 * sourceIp and requestId, approver as asked`. "by the probe" means its userAgent is the probe's
 * own, so the record was built from this very click; missing fields and unexpected ones are named.
 */
export function describeDecisionRecord(record: unknown, expected: ExpectedRecord = {}): string {
  if (record === undefined || record === null) return 'none';
  if (typeof record !== 'object' || Array.isArray(record)) return clip(`not a decision record: ${JSON.stringify(record)}`);
  const { decision, decidedAt, userAgent, sourceIp, requestId, approver, ...fields } = record as Record<string, unknown>;
  const { comment, ...others } = fields;
  const asked = expected.approver ?? PROBE_REQUEST.managerEmailAddress;
  const present = (value: unknown): boolean => typeof value === 'string' && value.trim() !== '';
  const missing = Object.entries({ sourceIp, requestId })
    .filter(([, value]) => !present(value))
    .map(([field]) => field);
  const extra = Object.keys(expected.comment === undefined ? fields : others).map((field) => `, +${field}`);
  const by = userAgent === PROBE_USER_AGENT ? 'the probe' : 'another client';
  const presence = missing.length === 0 ? 'with sourceIp and requestId' : `without ${missing.join(' or ')}`;
  // The state machine names the approver from its own data: the address the probe's request asked.
  const forWhom = approver === asked ? ', approver as asked' : `, approver ${JSON.stringify(approver)}`;
  let commented = '';
  if (expected.comment !== undefined)
    commented = comment === expected.comment ? ', comment as sent' : `, comment ${JSON.stringify(comment)}`;
  return clip(`${String(decision)} at ${String(decidedAt)} by ${by}, ${presence}${forWhom}${commented}${extra.join('')}`, 160);
}
