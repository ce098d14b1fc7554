import { ApprovalError } from '../functions/commons/approval-errors';
import { Pages, renderPage } from './approval-pages';

/**
 * VTL mapping templates of the approval API. API Gateway renders them; the tests render the copies
 * found in the synthesized template with velocityjs, and the local mode serves them the same way.
 */

export type Decision = 'approved' | 'rejected';

/**
 * VTL for the JSON-string-escaped value of `reference`. escapeJavaScript also turns `'` into `\'`,
 * which is not valid JSON, so that escape is undone.
 */
const escapedForJson = (reference: string): string => `$util.escapeJavaScript(${reference}).replaceAll("\\\\'", "'")`;

/** Request values that go into the decision record, with a null-safe copy of each. */
const RECORD_FIELDS = {
  decidedAt: '$context.requestTime',
  sourceIp: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  requestId: '$context.requestId',
} as const;

/**
 * Sets `$<field>InString`: the value escaped twice, once for the decision record (a JSON document)
 * and once more because that document travels as a JSON string (`output` / `cause`).
 */
function recordFieldLines(): string[] {
  return Object.entries(RECORD_FIELDS).flatMap(([field, source]) => [
    `#set($${field} = "$!${source.slice(1)}")`,
    `#set($${field}InRecord = ${escapedForJson(`$${field}`)})`,
    `#set($${field}InString = ${escapedForJson(`$${field}InRecord`)})`,
  ]);
}

/** The decision record as the body of a JSON string: `{\"decision\":\"approved\",...}`. */
function decisionRecordInString(decision: Decision): string {
  const fields = [`\\"decision\\":\\"${decision}\\"`, ...Object.keys(RECORD_FIELDS).map((field) => `\\"${field}\\":\\"$${field}InString\\"`)];
  return `{${fields.join(',')}}`;
}

/**
 * Request template of GET /succeed (SendTaskSuccess) or GET /fail (SendTaskFailure). The token comes
 * from the query string, which API Gateway has already URL-decoded.
 */
export function decisionRequestTemplate(decision: Decision): string {
  const lines = [
    `#set($taskToken = "$!input.params('taskToken')")`,
    ...recordFieldLines(),
    '{',
    `  "taskToken": "${escapedForJson('$taskToken')}",`,
    decision === 'approved'
      ? `  "output": "${decisionRecordInString(decision)}"`
      : `  "error": "${ApprovalError.Rejected}",\n  "cause": "${decisionRecordInString(decision)}"`,
    '}',
  ];
  return lines.join('\n');
}

/** Step Functions errors that mean the task is closed: decided, expired, or replaced by a reminder. */
export const NO_LONGER_OPEN_ERRORS = ['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken'] as const;

/** Response template for a 2xx answer from Step Functions. */
export function decisionSucceededTemplate(decision: Decision): string {
  return renderPage(decision === 'approved' ? Pages.approved : Pages.rejected);
}

/**
 * Response template for a 4xx answer from Step Functions: API Gateway reports every one of them
 * as 400, so the page and the status a person sees are chosen by the error `__type`.
 */
export function stepFunctionsClientErrorTemplate(): string {
  const noLongerOpen = NO_LONGER_OPEN_ERRORS.map((name) => `$errorType.endsWith('${name}')`).join(' || ');
  return [
    `#set($errorType = "$!input.path('$.__type')")`,
    `#if(${noLongerOpen})`,
    '#set($context.responseOverride.status = 410)',
    renderPage(Pages.noLongerOpen),
    `#elseif($errorType.endsWith('ThrottlingException'))`,
    '#set($context.responseOverride.status = 429)',
    renderPage(Pages.busy),
    '#else',
    renderPage(Pages.invalidLink),
    '#end',
  ].join('\n');
}

/** Response template for a 5xx answer from Step Functions. */
export function stepFunctionsServerErrorTemplate(): string {
  return renderPage(Pages.serverError);
}
