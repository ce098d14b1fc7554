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
export type ProbeScenario = 'clicks' | 'delivery';

export interface ProbeEvent {
  readonly scenario: ProbeScenario;
}

/** The SES mailbox simulator address that accepts every message; no identity verification needed. */
export const SES_SIMULATOR_SUCCESS = 'success@simulator.amazonses.com';

/** Execution input of every probe request. */
export const PROBE_REQUEST = { managerEmailAddress: SES_SIMULATOR_SUCCESS, employeeName: 'Integ Test' } as const;

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

export interface ClickSummary {
  /** The probe held every worker slot while it took the tasks itself. */
  readonly workerHeldOff: boolean;
  readonly approve: ApproveSeen;
  readonly reject: RejectSeen;
  /** The probe gave the worker slots back. */
  readonly workerRestored: boolean;
  /** Executions the probe had to stop because a step failed (cleanup); 0 on success. */
  readonly stopped: number;
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

export type ProbeSummary = ClickSummary | DeliverySummary;

/** Text cut to `limit` characters, so no single observation can blow the 4 KB budget. */
export function clip(text: string, limit = 100): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 3)}...`;
}

/**
 * A decision record in one line: `approved at 21/Nov/2026:10:00:00 +0000 by the probe, with
 * sourceIp and requestId`. "by the probe" means its userAgent is the probe's own, so the record
 * was built from this very click; missing fields and unexpected ones are named.
 */
export function describeDecisionRecord(record: unknown): string {
  if (record === undefined || record === null) return 'none';
  if (typeof record !== 'object' || Array.isArray(record)) return clip(`not a decision record: ${JSON.stringify(record)}`);
  const { decision, decidedAt, userAgent, sourceIp, requestId, approver, ...others } = record as Record<string, unknown>;
  const present = (value: unknown): boolean => typeof value === 'string' && value.trim() !== '';
  const missing = Object.entries({ sourceIp, requestId })
    .filter(([, value]) => !present(value))
    .map(([field]) => field);
  const extra = Object.keys(others).map((field) => `, +${field}`);
  const by = userAgent === PROBE_USER_AGENT ? 'the probe' : 'another client';
  const fields = missing.length === 0 ? 'with sourceIp and requestId' : `without ${missing.join(' or ')}`;
  // The state machine names the approver from its own data: the address the probe's request asked.
  const forWhom = approver === PROBE_REQUEST.managerEmailAddress ? ', approver as asked' : `, approver ${JSON.stringify(approver)}`;
  return clip(`${String(decision)} at ${String(decidedAt)} by ${by}, ${fields}${forWhom}${extra.join('')}`);
}
