import { ApprovalError } from '../functions/commons/approval-errors';
import { DECISION_ROUTES } from '../functions/commons/decision-links';
import { Pages, renderConfirmPage, renderPage } from './approval-pages';

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
  // $context.requestId is whatever a client sends in X-Amzn-RequestId ("Clients can override this
  // request ID", API Gateway variables reference); the extended id is API Gateway's own.
  requestId: '$context.extendedRequestId',
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

/**
 * The decision record as the body of a JSON string: `{\"decision\":\"approved\",...}`. With
 * `withComment`, a `comment` field is added when `$comment` is not empty.
 */
function decisionRecordInString(decision: Decision, withComment: boolean): string {
  const fields = [
    `\\"decision\\":\\"${decision}\\"`,
    ...Object.keys(RECORD_FIELDS).map((field) => `\\"${field}\\":\\"$${field}InString\\"`),
  ];
  const comment = withComment ? `#if($comment != ''),\\"comment\\":\\"$commentInString\\"#end` : '';
  return `{${fields.join(',')}${comment}}`;
}

/** The JSON body of SendTaskSuccess (output) or SendTaskFailure (error Rejected, cause). */
function decisionCallBody(decision: Decision, withComment: boolean): string[] {
  return [
    '{',
    `  "taskToken": "${escapedForJson('$taskToken')}",`,
    decision === 'approved'
      ? `  "output": "${decisionRecordInString(decision, withComment)}"`
      : `  "error": "${ApprovalError.Rejected}",\n  "cause": "${decisionRecordInString(decision, withComment)}"`,
    '}',
  ];
}

/**
 * Request template of GET /succeed (SendTaskSuccess) or GET /fail (SendTaskFailure) in `direct`
 * link mode. The token comes from the query string, which API Gateway has already URL-decoded.
 */
export function decisionRequestTemplate(decision: Decision): string {
  return [`#set($taskToken = "$!input.params('taskToken')")`, ...recordFieldLines(), ...decisionCallBody(decision, false)].join('\n');
}

/** Longest comment kept in a decision record, in characters (code points); the rest is cut off. */
export const MAX_COMMENT_LENGTH = 1000;

/**
 * VTL that cuts `$<name>` to its first `limit` characters as a person counts them: code points, so
 * an emoji (two UTF-16 units, a surrogate pair) is kept or dropped whole, never split. A VTL string
 * is a java.lang.String: `codePointCount` counts code points, `offsetByCodePoints` finds the index
 * after the first `limit` of them (Java SE API, String). Shorter text is kept whole.
 */
function cutToCharactersLine(name: string, limit: number): string {
  return `#if($${name}.codePointCount(0, $${name}.length()) > ${limit})#set($${name} = $${name}.substring(0, $${name}.offsetByCodePoints(0, ${limit})))#end`;
}

/**
 * Request template of POST /succeed or POST /fail in `confirm` link mode: the body is the
 * confirmation form (`application/x-www-form-urlencoded`: taskToken and an optional comment).
 * A field that is not well-formed percent-encoding is ignored rather than decoded, since
 * `$util.urlDecode` would throw and API Gateway would answer 500.
 */
export function formDecisionRequestTemplate(decision: Decision): string {
  return [
    "#set($taskToken = '')",
    "#set($comment = '')",
    "#foreach($field in $input.body.split('&'))",
    // A % not followed by two hex digits: a simple scan, as a repeated group could overflow Java's regex stack on a long field.
    "#if(!$field.matches('(?s).*%(?![0-9A-Fa-f]{2}).*'))",
    "#if($field.startsWith('taskToken='))#set($taskToken = $util.urlDecode($field.substring(10)))#end",
    "#if($field.startsWith('comment='))#set($comment = $util.urlDecode($field.substring(8)))#end",
    '#end',
    '#end',
    // The comment is the approver's own words, kept as typed (bidirectional controls included): the
    // record is data, and whatever shows it (the CLI) escapes what could reorder it.
    cutToCharactersLine('comment', MAX_COMMENT_LENGTH),
    ...recordFieldLines(),
    `#set($commentInRecord = ${escapedForJson('$comment')})`,
    `#set($commentInString = ${escapedForJson('$commentInRecord')})`,
    ...decisionCallBody(decision, true),
  ].join('\n');
}

/** VTL that sets `$<target>` to `$<source>` escaped for HTML text and attributes. */
function htmlEscapeLine(source: string, target: string): string {
  return `#set($${target} = $${source}.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&apos;'))`;
}

/**
 * Request template of GET /succeed or GET /fail in `confirm` link mode: SendTaskHeartbeat, which
 * changes nothing but answers an error for a token that is not valid or no longer open, so the
 * confirmation page is only served for a link that can still decide.
 */
export function confirmCheckRequestTemplate(): string {
  return [`#set($taskToken = "$!input.params('taskToken')")`, '{', `  "taskToken": "${escapedForJson('$taskToken')}"`, '}'].join('\n');
}

/**
 * `confirm` mode: the answer to GET once Step Functions accepted the token; the page changes
 * nothing, its button POSTs the decision. It reads nothing from the request but the token, which it
 * HTML-escapes into its form: no query parameter or header reaches the page, so nobody can make it
 * say anything about the request. What the request is about, the approver reads in their email.
 */
export function confirmPageTemplate(decision: Decision): string {
  return [
    `#set($taskToken = "$!input.params('taskToken')")`,
    htmlEscapeLine('taskToken', 'tokenInHtml'),
    renderConfirmPage(decision, DECISION_ROUTES[decision], '$tokenInHtml', MAX_COMMENT_LENGTH),
  ].join('\n');
}

/**
 * Step Functions errors that mean the task is closed: decided, expired, or replaced by a reminder.
 * `InvalidToken` is not one of them: it means the token itself is malformed or altered (truncated,
 * double-encoded), and telling an approver "someone already decided" then would be false; that error
 * gets the "not valid" page with 400. (SendTaskSuccess API reference, Errors.)
 */
export const NO_LONGER_OPEN_ERRORS = ['TaskTimedOut', 'TaskDoesNotExist'] as const;

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
